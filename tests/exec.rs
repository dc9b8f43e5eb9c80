//! `ecsd exec` and stdin against both engines: without `-i` the command gets no stdin (as
//! `docker exec`), with `-i` the end of the caller's stdin closes the command's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, UNTIL_SIGTERM, manifest, shell_task_definition};
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running task to exec into.
fn running_task(d: &Daemon) -> String {
    d.apply(&manifest(
        d,
        "execstdin.yaml",
        &shell_task_definition("execstdin", UNTIL_SIGTERM),
    ));
    let id = d.ok(&["run-task", "execstdin"]).trim().to_string();
    d.wait_until("the task runs", 60, |d| d.task(&id)["lastStatus"] == "RUNNING");
    id
}

/// `ecsd exec ARGS…` with `input` piped to its stdin (then closed).
fn exec_with_stdin(d: &Daemon, args: &[&str], input: &[u8]) -> Child {
    let mut child = Command::new(common::BIN)
        .arg("--socket")
        .arg(d.socket())
        .arg("exec")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ecsd exec");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    child
}

/// The child's output if it exits within `secs`; kills it and fails otherwise.
fn finishes_within(mut child: Child, secs: u64, what: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().expect("exec output");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("exec output");
    panic!(
        "{what} did not return within {secs}s; stdout {:?}, stderr {:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A pseudo-terminal: the master end (what a terminal emulator holds) and the slave end.
struct Pty {
    master: std::fs::File,
    slave: std::os::fd::OwnedFd,
}

fn open_pty(rows: u16, cols: u16) -> Pty {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills the two descriptors, which we then own.
    unsafe {
        let rc = libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        );
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        Pty {
            master: std::fs::File::from_raw_fd(master),
            slave: std::os::fd::OwnedFd::from_raw_fd(slave),
        }
    }
}

impl Pty {
    /// Resizes the terminal as a terminal emulator does; the kernel sends SIGWINCH.
    fn resize(&self, rows: u16, cols: u16) {
        use std::os::fd::AsRawFd;
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads the winsize we pass.
        let rc = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(rc, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
    }

    /// Runs `ecsd ARGS…` with this terminal as its controlling terminal and stdio.
    fn spawn(&self, d: &Daemon, args: &[&str]) -> Child {
        use std::os::unix::process::CommandExt;
        let stdio = || Stdio::from(self.slave.try_clone().expect("dup pty"));
        let mut cmd = Command::new(common::BIN);
        cmd.arg("--socket")
            .arg(d.socket())
            .args(args)
            .stdin(stdio())
            .stdout(stdio())
            .stderr(stdio());
        // SAFETY: setsid and TIOCSCTTY are async-signal-safe; they make the pty the new
        // session's controlling terminal, so resizes reach the child as SIGWINCH.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        cmd.spawn().expect("start ecsd on the pty")
    }
}

/// Collects what the terminal shows, on a thread (reads end when the child closes the pty).
fn screen(pty: &Pty) -> std::sync::Arc<std::sync::Mutex<String>> {
    use std::io::Read;
    let shown = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (mut master, sink) = (pty.master.try_clone().expect("dup master"), shown.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    shown
}

fn wait_for_text(shown: &std::sync::Mutex<String>, text: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if shown.lock().unwrap().contains(text) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the terminal never showed {text:?}; it shows {:?}",
        shown.lock().unwrap()
    );
}

on_both_engines! {
    fn exec_without_i_gives_the_command_no_stdin_and_returns_its_exit_code(d) {
        let id = running_task(d);
        let child = exec_with_stdin(d, &[&id, "--", "sh", "-c", "cat; echo done; exit 3"], b"x\n");
        let out = finishes_within(child, 15, "exec without -i");
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "done\n", "the piped x is not forwarded");
    }

    fn exec_i_forwards_piped_stdin_and_returns_at_its_end(d) {
        let id = running_task(d);
        let child = exec_with_stdin(d, &["-i", &id, "--", "cat"], b"x\n");
        let out = finishes_within(child, 15, "exec -i with piped stdin");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "x\n");
    }

    fn exec_t_follows_terminal_resizes_and_returns_while_the_terminal_stays_open(d) {
        let id = running_task(d);
        let pty = open_pty(24, 80);
        let shown = screen(&pty);
        let watch_size = "while true; do s=$(stty size); echo size $s; [ \"$s\" = '50 132' ] && exit 0; sleep 0.2; done";
        let child = pty.spawn(d, &["exec", "-it", &id, "--", "sh", "-c", watch_size]);
        wait_for_text(&shown, "size 24 80", 20);
        pty.resize(50, 132);
        // The command exits on seeing the new size; the pty's input never ends, yet ecsd returns
        // (a read of stdin blocked in the runtime's blocking pool would hold up its exit).
        let out = finishes_within(child, 15, "exec -it after its command ended");
        assert_eq!(out.status.code(), Some(0));
        assert!(shown.lock().unwrap().contains("size 50 132"));
    }
}
