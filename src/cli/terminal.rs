//! The caller's terminal for `exec -t`: raw mode while attached, restored on drop.

/// Raw mode on stdin; the previous settings come back when this is dropped.
pub struct RawMode {
    saved: libc::termios,
}

impl RawMode {
    /// Switches stdin to raw mode if it is a terminal.
    pub fn enter() -> Option<Self> {
        // SAFETY: isatty/tcgetattr/tcsetattr only read and write the termios struct we own.
        unsafe {
            if libc::isatty(libc::STDIN_FILENO) != 1 {
                return None;
            }
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return None;
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) != 0 {
                return None;
            }
            Some(Self { saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `enter`.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}

/// (rows, columns) of the terminal on stdout, if it is one.
pub fn size() -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ fills the winsize struct we pass.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_row > 0)
            .then_some((ws.ws_row, ws.ws_col))
    }
}
