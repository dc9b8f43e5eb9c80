//! The built-in load balancer against both engines: a service behind a listener on a fixed
//! port deploys with zero failed requests, and a revision that never becomes healthy is rolled
//! back without a failed request either.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, manifest, manifest_port};
use ecsd::model::fixtures::{
    Manifests, behind_target_group, forward_listener, replica_service, shell_container, with_containers,
};
use ecsd::model::load_balancing::{LbProtocol, LoadBalancerSpec, TargetGroupAttributes, TargetGroupSpec};
use ecsd::model::{
    CircuitBreaker, ContainerDefinition, DeploymentConfiguration, PortMapping, Seconds, ServiceSpec,
};
use std::io::{Read, Write};
use std::net::IpAddr;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A target group, a load balancer on `port` and a 2-task service answering `body` (or, with
/// `serve: false`, never listening at all).
fn stack(port: u16, body: &str, desired: u32, serve: bool) -> String {
    stack_with_delay(port, body, desired, serve, 3)
}

/// `stack` with a deregistration delay of `delay` seconds; the tasks also serve
/// `/cgi-bin/slow`, which answers `slow-{body}` after 2 s.
fn stack_with_delay(port: u16, body: &str, desired: u32, serve: bool, delay: u64) -> String {
    let command = if serve {
        format!(
            "mkdir -p /www/cgi-bin && echo {body} > /www/index.html && printf '#!/bin/sh\\nsleep 2\\necho Content-Type: text/plain\\necho\\necho slow-{body}\\n' > /www/cgi-bin/slow && chmod +x /www/cgi-bin/slow && exec httpd -f -p 8080 -h /www"
        )
    } else {
        "exec sleep 1000".to_string()
    };
    let web = Balanced {
        name: "web",
        protocol: LbProtocol::Http,
        port,
        container_port: 8080,
        delay,
    };
    balanced_app(&web, &command, desired, true)
}

/// One load-balanced application: a target group and a service `name`, a load balancer
/// listening on `port`, and a task definition whose container `app` runs `command`.
struct Balanced<'a> {
    name: &'a str,
    protocol: LbProtocol,
    port: u16,
    container_port: u16,
    delay: u64,
}

/// The manifests of `b`; with `breaker`, a failing deployment rolls back.
fn balanced_app(b: &Balanced, command: &str, desired: u32, breaker: bool) -> String {
    let group = TargetGroupSpec {
        protocol: b.protocol,
        health_check_interval_seconds: Some(Seconds(5)),
        health_check_timeout_seconds: Some(Seconds(2)),
        attributes: TargetGroupAttributes {
            deregistration_delay_timeout_seconds: Some(Seconds(b.delay)),
            ..Default::default()
        },
        ..Default::default()
    };
    let loopback = Some(IpAddr::from([127, 0, 0, 1]));
    let balancer = LoadBalancerSpec {
        listeners: vec![forward_listener(b.port, b.protocol, loopback, b.name)],
        ..Default::default()
    };
    let app = ContainerDefinition {
        port_mappings: vec![PortMapping {
            container_port: b.container_port,
            ..Default::default()
        }],
        ..shell_container("app", "busybox:latest", command)
    };
    let service = ServiceSpec {
        deployment_configuration: breaker.then(|| DeploymentConfiguration {
            deployment_circuit_breaker: Some(CircuitBreaker {
                enable: true,
                rollback: true,
            }),
            ..Default::default()
        }),
        ..behind_target_group(replica_service(b.name, desired), b.name, "app", b.container_port)
    };
    Manifests::new()
        .target_group(b.name, group)
        .load_balancer(&format!("{}-lb", b.name), balancer)
        .task_definition(b.name, with_containers(vec![app]))
        .service(b.name, service)
        .yaml()
}

/// One GET of `/` through the balancer: the body on a 200, else why not.
fn get(stream: &mut TcpStream) -> Result<String, String> {
    get_path(stream, "/")
}

/// One GET of `path` through the balancer.
fn get_path(stream: &mut TcpStream, path: &str) -> Result<String, String> {
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: edge\r\n\r\n").as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return Err(format!("closed after {} header bytes", head.len())),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix(name)
                .map(|v| v.trim().to_string())
        })
    };
    let body = if header("transfer-encoding:").is_some_and(|v| v == "chunked") {
        read_chunked(stream)?
    } else {
        let length: usize = header("content-length:")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no content-length: {head}"))?;
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).map_err(|e| format!("body: {e}"))?;
        body
    };
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "{}: {}",
            head.lines().next().unwrap_or_default(),
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(String::from_utf8_lossy(&body).trim().to_string())
}

/// A chunked body (HTTP/1.1 `Transfer-Encoding: chunked`).
fn read_chunked(stream: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            stream
                .read_exact(&mut byte)
                .map_err(|e| format!("chunk size: {e}"))?;
            line.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&line[..line.len() - 2]).to_string();
        let size = usize::from_str_radix(text.split(';').next().unwrap_or_default().trim(), 16)
            .map_err(|e| format!("chunk size {text:?}: {e}"))?;
        let mut chunk = vec![0u8; size + 2];
        stream.read_exact(&mut chunk).map_err(|e| format!("chunk: {e}"))?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// Clients hammering the balancer until stopped, half on one keep-alive connection each,
/// half on a new connection per request; returns (bodies seen in order, failures).
struct Load {
    stop: Arc<AtomicBool>,
    workers: Vec<std::thread::JoinHandle<(Vec<String>, Vec<String>)>>,
}

impl Load {
    fn start(port: u16, clients: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..clients)
            .map(|i| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let (mut seen, mut failed) = (Vec::new(), Vec::new());
                    let connect = || {
                        let s =
                            TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
                        s.set_read_timeout(Some(Duration::from_secs(10)))
                            .map_err(|e| e.to_string())?;
                        Ok::<TcpStream, String>(s)
                    };
                    let mut kept: Option<TcpStream> = None;
                    while !stop.load(Ordering::Relaxed) {
                        let keep_alive = i % 2 == 0;
                        let stream = match (keep_alive, kept.take()) {
                            (true, Some(s)) => Ok(s),
                            _ => connect(),
                        };
                        let result = stream.and_then(|mut s| {
                            let body = get(&mut s)?;
                            if keep_alive {
                                kept = Some(s);
                            }
                            Ok(body)
                        });
                        match result {
                            Ok(body) => seen.push(body),
                            Err(why) => failed.push(why),
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    (seen, failed)
                })
            })
            .collect();
        Self { stop, workers }
    }

    fn finish(self) -> (Vec<Vec<String>>, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let mut seen = Vec::new();
        let mut failed = Vec::new();
        for w in self.workers {
            let (s, f) = w.join().unwrap();
            seen.push(s);
            failed.extend(f);
        }
        (seen, failed)
    }
}

fn primary_completed_on(d: &Daemon, revision: &str) -> bool {
    let s = d.service("web");
    let deps = s["deployments"].as_array().cloned().unwrap_or_default();
    deps.len() == 1
        && deps[0]["rolloutState"] == "COMPLETED"
        && deps[0]["taskDefinition"]
            .as_str()
            .is_some_and(|t| t.ends_with(&format!(":{revision}")))
}

fn served(port: u16) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    get(&mut s).ok()
}

/// Deploys v2 over v1 under load; returns what the clients saw.
fn deploy_under_load(d: &Daemon, desired: u32) {
    let port = manifest_port();
    let path = manifest(d, "stack.yaml", &stack(port, "v1", desired, true));
    d.apply(&path);
    d.wait_until("v1 is steady and served", 120, |d| {
        primary_completed_on(d, "1") && served(port).as_deref() == Some("v1")
    });
    let load = Load::start(port, 6);
    std::thread::sleep(Duration::from_secs(1));
    std::fs::write(&path, stack(port, "v2", desired, true)).unwrap();
    d.apply(&path);
    d.wait_until("v2 completed", 180, |d| primary_completed_on(d, "2"));
    let after = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let (seen, failed) = load.finish();
    let total: usize = seen.iter().map(Vec::len).sum();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed: {:?}",
        failed.len(),
        total + failed.len(),
        &failed[..failed.len().min(5)]
    );
    assert!(total > 100, "the load ran: {total} requests");
    for client in &seen {
        assert!(
            client.iter().all(|b| b == "v1" || b == "v2"),
            "only v1 or v2 answered"
        );
        assert_eq!(
            client.last().map(String::as_str),
            Some("v2"),
            "after {:?}",
            after.elapsed()
        );
    }
    assert_eq!(served(port).as_deref(), Some("v2"));
    let desc = d.ok(&["describe", "targetgroup", "web"]);
    let healthy_targets = desc.lines().filter(|l| l.contains("  healthy  ")).count();
    let service = d.ok(&["describe", "service", "web"]);
    assert!(service.contains("Target groups:   web <- app:8080"), "{service}");
    assert_eq!(healthy_targets, desired as usize, "{desc}");
}

/// A TCP echo service behind a TCP listener on `port`, draining for `delay` seconds.
fn tcp_stack(port: u16, delay: u64) -> String {
    let echo = Balanced {
        name: "echo",
        protocol: LbProtocol::Tcp,
        port,
        container_port: 7000,
        delay,
    };
    balanced_app(&echo, "exec nc -ll -p 7000 -e cat", 1, false)
}

/// Sends a line and reads its echo.
fn echo(stream: &mut TcpStream, line: &str) -> Result<String, String> {
    stream
        .write_all(format!("{line}\n").as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut got = vec![0u8; line.len() + 1];
    stream.read_exact(&mut got).map_err(|e| format!("read: {e}"))?;
    Ok(String::from_utf8_lossy(&got).trim().to_string())
}

fn epoch_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

on_both_engines! {
    fn a_tcp_listener_keeps_a_long_lived_connection_through_the_drain_and_closes_it_when_the_delay_ends(d) {
        let port = manifest_port();
        let path = manifest(d, "tcp.yaml", &tcp_stack(port, 6));
        d.apply(&path);
        let connect = || {
            let s = TcpStream::connect(("127.0.0.1", port)).ok()?;
            s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
            Some(s)
        };
        d.wait_until("the echo service answers through the listener", 120, |_| {
            connect().is_some_and(|mut s| echo(&mut s, "ping").as_deref() == Ok("ping"))
        });
        let mut conn = connect().unwrap();
        assert_eq!(echo(&mut conn, "before").as_deref(), Ok("before"));
        let task = d.json(&["get", "tasks", "--cluster", "default"])["items"][0]["taskArn"]
            .as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let asked = Instant::now();
        d.ok(&["stop-task", &task]);
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(echo(&mut conn, "draining").as_deref(), Ok("draining"), "the connection lives through the drain");
        let mut byte = [0u8; 1];
        let closed = conn.read(&mut byte);
        let waited = asked.elapsed();
        assert!(matches!(closed, Ok(0) | Err(_)), "closed at the delay's end: {closed:?}");
        assert!(waited >= Duration::from_secs(5), "not before the 6 s delay ended: {waited:?}");
        assert!(waited < Duration::from_secs(15), "but when it ended: {waited:?}");
    }

    fn gets_survive_a_killed_target_under_load(d) {
        let port = manifest_port();
        let path = manifest(d, "stack.yaml", &stack(port, "v1", 2, true));
        d.apply(&path);
        d.wait_until("v1 is steady and served", 120, |d| {
            primary_completed_on(d, "1") && served(port).as_deref() == Some("v1")
        });
        let load = Load::start(port, 6);
        std::thread::sleep(Duration::from_secs(2));
        let victim = d.containers(None)[0].clone();
        assert!(d.docker().args(["kill", &victim]).status().unwrap().success());
        std::thread::sleep(Duration::from_secs(6));
        let (seen, failed) = load.finish();
        let total: usize = seen.iter().map(Vec::len).sum();
        eprintln!("killed target under load: {total} answered, {} failed: {failed:?}", failed.len());
        assert!(failed.is_empty(), "{} of {} GETs failed: {:?}", failed.len(), total + failed.len(), &failed[..failed.len().min(5)]);
        d.wait_until("a replacement is healthy in the group", 60, |d| {
            let desc = d.ok(&["describe", "targetgroup", "web"]);
            desc.lines().filter(|l| l.contains("  healthy  ")).count() == 2
        });
    }

    fn a_request_in_flight_when_its_task_is_replaced_completes_and_sigterm_waits_for_it(d) {
        let port = manifest_port();
        let path = manifest(d, "stack.yaml", &stack_with_delay(port, "v1", 1, true, 20));
        d.apply(&path);
        d.wait_until("v1 is steady and served", 120, |d| {
            primary_completed_on(d, "1") && served(port).as_deref() == Some("v1")
        });
        let task = d.json(&["get", "tasks"])["items"][0]["taskArn"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let slow = std::thread::spawn(move || {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let body = get_path(&mut s, "/cgi-bin/slow");
            (body, epoch_secs())
        });
        std::thread::sleep(Duration::from_millis(700));
        d.ok(&["stop-task", &task]);
        let (body, answered_at) = slow.join().unwrap();
        assert_eq!(body, Ok("slow-v1".to_string()), "the request in flight completed");
        d.wait_until("the old task stopped", 60, |d| d.task(&task)["lastStatus"] == "STOPPED");
        let stopped = d.task(&task);
        let sigterm_at = stopped["stoppingAt"].as_f64().unwrap();
        assert!(
            sigterm_at >= answered_at - 0.05,
            "SIGTERM at {sigterm_at:.3} came after the in-flight request was answered at {answered_at:.3}"
        );
        assert!(sigterm_at - answered_at < 15.0, "and not only when the 20 s delay ended");
        d.wait_until("a replacement serves", 60, |_| served(port).as_deref() == Some("v1"));
    }


    fn a_rolling_deploy_behind_the_load_balancer_fails_no_request(d) {
        deploy_under_load(d, 2);
    }

    fn a_single_task_service_deploys_behind_the_load_balancer_without_a_failed_request(d) {
        deploy_under_load(d, 1);
    }

    fn a_revision_that_never_becomes_healthy_is_rolled_back_without_a_failed_request(d) {
        let port = manifest_port();
        let path = manifest(d, "stack.yaml", &stack(port, "v1", 2, true));
        d.apply(&path);
        d.wait_until("v1 is steady and served", 120, |d| {
            primary_completed_on(d, "1") && served(port).as_deref() == Some("v1")
        });
        let old = d.containers(None);
        let load = Load::start(port, 4);
        std::fs::write(&path, stack(port, "v2", 2, false)).unwrap();
        d.apply(&path);
        d.wait_until("the breaker rolled back to revision 1", 240, |d| {
            let p = &d.service("web")["deployments"][0];
            p["rolloutState"] == "COMPLETED" && p["taskDefinition"].as_str().is_some_and(|t| t.ends_with(":1"))
                && p["rollbackFrom"].is_string()
                && d.service("web")["deployments"].as_array().map_or(0, Vec::len) == 1
        });
        let (seen, failed) = load.finish();
        let total: usize = seen.iter().map(Vec::len).sum();
        assert!(failed.is_empty(), "{} of {} requests failed: {:?}", failed.len(), total + failed.len(), &failed[..failed.len().min(5)]);
        assert!(seen.iter().flatten().all(|b| b == "v1"), "only v1 ever answered");
        assert_eq!(d.containers(None).iter().filter(|c| old.contains(c)).count(), 2, "the old tasks never stopped");
        let all = d.json(&["get", "tasks", "--all"]);
        let reasons: Vec<String> = all["items"].as_array().unwrap().iter().filter_map(|t| t["stoppedReason"].as_str().map(str::to_string)).collect();
        assert!(reasons.iter().any(|r| r.starts_with("Task failed ELB health checks in (target-group web)")), "{reasons:?}");
    }
}
