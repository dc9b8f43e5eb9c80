//! Container Insights on a real engine: a CPU-burning task shows about a core, an idle one
//! about none, a task holding a known amount of memory shows it, one that talks sends
//! bytes, a service whose task keeps exiting counts its restarts, requests through the load
//! balancer are counted per target group with their answers; the page passes
//! `promtool check metrics`, and a real Prometheus scrapes it and answers a PromQL query.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Daemon, Engine, manifest, manifest_port};
use ecsd::model::fixtures::{
    Manifests, behind_target_group, forward_listener, replica_service, shell_container, with_containers,
};
use ecsd::model::load_balancing::{LbProtocol, LoadBalancerSpec, TargetGroupSpec};
use ecsd::model::{ContainerDefinition, PortMapping, Seconds};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Burns one core until stopped.
const BURN: &str = "trap 'exit 0' TERM; while :; do :; done";
/// Sends a TCP SYN to its gateway's discard port a few times a second: network bytes go out.
const TALK: &str = "gw=$(ip route | awk '/default/ {print $3}'); trap 'exit 0' TERM; while true; do nc -w 1 $gw 9 </dev/null; sleep 0.2; done";
/// Exits at once: its service replaces it again and again (with the crash-loop backoff).
const CRASH: &str = "exit 3";
/// Holds 48 MiB in tmpfs (anonymous memory the working set counts), then idles.
const HOG: &str = "dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 2>/dev/null; trap 'exit 0' TERM; while true; do sleep 1; done";

fn services(names_and_scripts: &[(&str, &str)]) -> String {
    let mut m = Manifests::new();
    for (name, script) in names_and_scripts {
        let main = shell_container("main", "busybox:latest", script);
        m = m
            .task_definition(name, with_containers(vec![main]))
            .service(name, replica_service(name, 1));
    }
    m.yaml()
}

fn metrics_daemon(engine: Engine) -> Daemon {
    Daemon::with_args(
        engine,
        &["--metrics-interval", "1s", "--metrics-listen", "127.0.0.1:0"],
    )
}

fn metrics_addr(d: &Daemon) -> String {
    let file = d.state_dir().join(ecsd::app::METRICS_ENDPOINT_FILE);
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}\n--- daemon log ---\n{}", file.display(), d.log()))
        .trim()
        .to_string()
}

/// The status and body of `GET path` on `addr` (HTTP/1.0, so the server closes the
/// connection).
fn fetch(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// The body of `GET path` on `addr` when it answers 200.
fn get(addr: &str, path: &str) -> Option<String> {
    fetch(addr, path).and_then(|(status, body)| (status == 200).then_some(body))
}

/// The value of the series `name{labels}` on a `/metrics` page.
fn series(page: &str, name_and_labels: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok())
}

fn wait_for(what: &str, secs: u64, d: &Daemon, mut cond: impl FnMut() -> Option<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = None;
    while Instant::now() < deadline {
        match cond() {
            Some(found) if !found.is_empty() => return found,
            other => last = other,
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!(
        "timed out waiting until {what}; last seen: {last:?}\n--- daemon log ---\n{}",
        d.log()
    );
}

fn busy_hogging_and_talking_tasks_show_up(engine: Engine) {
    let d = metrics_daemon(engine);
    let path = manifest(
        &d,
        "svc.yaml",
        &services(&[("burn", BURN), ("hog", HOG), ("talk", TALK), ("crash", CRASH)]),
    );
    d.apply(&path);
    let addr = metrics_addr(&d);
    let cpu = |svc: &str, page: &str| {
        series(
            page,
            &format!("ecsd_service_cpu_utilized_units{{cluster=\"default\",service=\"{svc}\"}}"),
        )
    };
    let memory = |svc: &str, page: &str| {
        series(
            page,
            &format!("ecsd_service_memory_utilized_bytes{{cluster=\"default\",service=\"{svc}\"}}"),
        )
    };
    const MIB: f64 = 1024.0 * 1024.0;
    // The burner is about one core (1024 units): at least half of one on a busy 2-core
    // machine, never much more than one; the hog holds 48 MiB and is idle once it has.
    let sent = |svc: &str, page: &str| {
        series(
            page,
            &format!("ecsd_service_network_tx_bytes_per_second{{cluster=\"default\",service=\"{svc}\"}}"),
        )
    };
    let exits = |page: &str| {
        series(
            page,
            "ecsd_service_restarts_total{cluster=\"default\",service=\"crash\",cause=\"exited\"}",
        )
    };
    let page = wait_for(
        "burn uses a core, hog holds its memory, talk sends, crash restarted",
        90,
        &d,
        || {
            let page = get(&addr, "/metrics")?;
            let burning = cpu("burn", &page)? > 512.0;
            let holding = memory("hog", &page)? > 40.0 * MIB;
            let idle = cpu("hog", &page)? < 100.0;
            let sending = sent("talk", &page)? > 0.0;
            let restarted = exits(&page)? >= 1.0;
            (burning && holding && idle && sending && restarted).then_some(page)
        },
    );
    assert_eq!(
        series(
            &page,
            "ecsd_service_restarts_total{cluster=\"default\",service=\"burn\",cause=\"exited\"}"
        ),
        Some(0.0),
        "a task that keeps running is no restart"
    );
    let burn = cpu("burn", &page).unwrap();
    assert!(
        burn < 1300.0,
        "one busy loop is at most about one core, got {burn} units"
    );
    let held = memory("hog", &page).unwrap();
    assert!(held < 80.0 * MIB, "hog holds 48 MiB, reported {} MiB", held / MIB);
    assert!(
        memory("burn", &page).unwrap() < 16.0 * MIB,
        "the burner holds little memory"
    );
    promtool_accepts(&page);
    top_shows_the_same(&d);
}

/// `ecsd top` reads the same history: the burner about a core, the hog its memory.
fn top_shows_the_same(d: &Daemon) {
    let top = d.json(&["top"]);
    let line = |svc: &str| {
        top["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service"] == svc)
            .cloned()
            .unwrap_or_else(|| panic!("no line for {svc}: {top}"))
    };
    let burn = line("burn")["cpuCores"].as_f64().unwrap();
    assert!((0.5..1.3).contains(&burn), "burn uses about a core: {top}");
    let held = line("hog")["memoryBytes"].as_f64().unwrap() / (1024.0 * 1024.0);
    assert!((40.0..80.0).contains(&held), "hog holds 48 MiB: {top}");
    let exited = line("crash")["restarts"]["exited"].as_u64().unwrap_or(0);
    assert!(exited >= 1, "crash's restarts are on its line: {top}");
    let tasks = d.ok(&["top", "tasks"]);
    let steady = ["burn", "hog", "talk"];
    let lines = tasks
        .lines()
        .filter(|l| steady.iter().any(|s| l.contains(&format!(" {s} "))))
        .count();
    assert!(lines == 3, "one line per steady task:\n{tasks}");
    assert!(tasks.starts_with("TASK"), "{tasks}");
    let services = d.ok(&["top"]);
    assert!(
        services.starts_with("SERVICE") && services.contains("RESTARTS"),
        "{services}"
    );
    let crash = d.ok(&["describe", "service", "crash"]);
    let restarts = crash.lines().find(|l| l.starts_with("Restarts:"));
    assert!(
        restarts.is_some_and(|l| l.contains(" exited)")),
        "describe shows the restarts by cause:\n{crash}"
    );
    let described = d.ok(&["describe", "service", "hog"]);
    let line = described.lines().find(|l| l.starts_with("Utilization:"));
    assert!(
        line.is_some_and(|l| l.contains(" CPU, ") && l.contains("MiB memory")),
        "describe shows the service's use:\n{described}"
    );
}

/// `promtool check metrics` (Prometheus's own linter) accepts the page.
fn promtool_accepts(page: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (run scripts/setup-prometheus)");
    child.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n--- page ---\n{page}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn docker_busy_hogging_and_talking_tasks_show_up() {
    busy_hogging_and_talking_tasks_show_up(Engine::Docker);
}

#[test]
fn podman_busy_hogging_and_talking_tasks_show_up() {
    busy_hogging_and_talking_tasks_show_up(Engine::Podman);
}

/// A Prometheus server, stopped (and its data removed with the temp dir) on drop.
struct Prometheus {
    child: Child,
    addr: String,
}

impl Prometheus {
    fn scraping(target: &str, dir: &std::path::Path) -> Self {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: ecsd\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let addr = format!("127.0.0.1:{}", manifest_port());
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .expect("prometheus (run scripts/setup-prometheus)");
        Self { child, addr }
    }

    /// The first value of an instant PromQL query, when the answer has one.
    fn query(&self, promql: &str) -> Option<f64> {
        let encoded: String = promql
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let body = get(&self.addr, &format!("/api/v1/query?query={encoded}"))?;
        let answer: serde_json::Value = serde_json::from_str(&body).ok()?;
        answer["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `default` cluster with `containerInsights: enhanced` (task and container level).
const ENHANCED_DEFAULT: &str = "apiVersion: ecsd/v1\nkind: Cluster\nmetadata:\n  name: default\n\
spec:\n  settings:\n    - name: containerInsights\n      value: enhanced\n---\n";

#[test]
fn a_real_prometheus_scrapes_the_services_and_with_enhanced_insights_each_containers_cpu() {
    let d = metrics_daemon(Engine::Docker);
    let yaml = format!("{ENHANCED_DEFAULT}{}", services(&[("burn", BURN)]));
    d.apply(&manifest(&d, "svc.yaml", &yaml));
    let prometheus = Prometheus::scraping(&metrics_addr(&d), d.dir.path());
    let promql = "ecsd_service_cpu_utilized_units{service=\"burn\"}";
    let value = wait_for("prometheus answers the service's CPU", 90, &d, || {
        let v = prometheus.query(promql)?;
        (v > 0.0).then(|| v.to_string())
    });
    let up = prometheus.query("up{job=\"ecsd\"}");
    assert_eq!(up, Some(1.0), "prometheus scrapes ecsd");
    assert!(value.parse::<f64>().unwrap() > 0.0);
    let container = "ecsd_container_cpu_utilized_units{family=\"burn\",container=\"main\"}";
    wait_for("prometheus answers the container's CPU", 60, &d, || {
        let v = prometheus.query(container)?;
        (v > 0.0).then(|| v.to_string())
    });
    promtool_accepts(&get(&metrics_addr(&d), "/metrics").unwrap());
}

/// A target group `web`, a load balancer `edge` on `port` forwarding to it, and a service
/// `web` whose task serves `/` with busybox httpd (anything else is its 404).
fn balanced_web(port: u16) -> String {
    let group = TargetGroupSpec {
        protocol: LbProtocol::Http,
        health_check_interval_seconds: Some(Seconds(5)),
        health_check_timeout_seconds: Some(Seconds(2)),
        ..Default::default()
    };
    let loopback = Some(std::net::IpAddr::from([127, 0, 0, 1]));
    let balancer = LoadBalancerSpec {
        listeners: vec![forward_listener(port, LbProtocol::Http, loopback, "web")],
        ..Default::default()
    };
    let app = ContainerDefinition {
        port_mappings: vec![PortMapping {
            container_port: 8080,
            ..Default::default()
        }],
        ..shell_container(
            "app",
            "busybox:latest",
            "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www",
        )
    };
    Manifests::new()
        .target_group("web", group)
        .load_balancer("edge", balancer)
        .task_definition("web", with_containers(vec![app]))
        .service(
            "web",
            behind_target_group(replica_service("web", 1), "web", "app", 8080),
        )
        .yaml()
}

fn load_balanced_requests_are_counted_per_target_group(engine: Engine) {
    let d = metrics_daemon(engine);
    let port = manifest_port();
    d.apply(&manifest(&d, "web.yaml", &balanced_web(port)));
    let lb = format!("127.0.0.1:{port}");
    let addr = metrics_addr(&d);
    wait_for("the service answers through the load balancer", 120, &d, || {
        get(&lb, "/").map(|_| "ok".to_string())
    });
    let pair = "load_balancer=\"edge\",target_group=\"web\"";
    let count = |page: &str, name: &str, extra: &str| {
        series(page, &format!("{name}{{{pair}{extra}}}")).unwrap_or_else(|| panic!("no {name} in:\n{page}"))
    };
    let before = get(&addr, "/metrics").unwrap();
    for _ in 0..5 {
        assert_eq!(fetch(&lb, "/").map(|(s, _)| s), Some(200));
    }
    for _ in 0..2 {
        assert_eq!(fetch(&lb, "/missing").map(|(s, _)| s), Some(404));
    }
    let after = get(&addr, "/metrics").unwrap();
    let grew = |name: &str, extra: &str| count(&after, name, extra) - count(&before, name, extra);
    assert_eq!(grew("ecsd_lb_requests_total", ""), 7.0, "{after}");
    let class = |c: &str| format!(",class=\"{c}\"");
    assert_eq!(grew("ecsd_lb_target_responses_total", &class("2xx")), 5.0);
    assert_eq!(grew("ecsd_lb_target_responses_total", &class("4xx")), 2.0);
    assert_eq!(grew("ecsd_lb_target_responses_total", &class("5xx")), 0.0);
    assert_eq!(grew("ecsd_lb_target_response_time_seconds_count", ""), 7.0);
    assert_eq!(
        series(&after, "ecsd_lb_healthy_targets{target_group=\"web\"}"),
        Some(1.0)
    );
    assert_eq!(
        series(&after, "ecsd_lb_unhealthy_targets{target_group=\"web\"}"),
        Some(0.0)
    );
    promtool_accepts(&after);
}

#[test]
fn docker_load_balanced_requests_are_counted_per_target_group() {
    load_balanced_requests_are_counted_per_target_group(Engine::Docker);
}

#[test]
fn podman_load_balanced_requests_are_counted_per_target_group() {
    load_balanced_requests_are_counted_per_target_group(Engine::Podman);
}
