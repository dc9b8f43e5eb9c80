//! Three real engines as container instances of one cluster: the local Docker (the daemon's
//! own), Podman over its socket, and a second Docker in its own network namespace reached
//! over tcp with mutual TLS (`scripts/setup-remote-engine`). Placement (spread, memberOf,
//! distinctInstance, binpack), DAEMON coverage, DRAINING, and a lost remote engine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, Engine, UNTIL_SIGTERM, manifest};
use ecsd::model::fixtures::{Manifests, daemon_service, replica_service, shell_container, with_containers};
use ecsd::model::{
    ContainerInstanceSpec, EngineTls, PlacementConstraint, PlacementConstraintType, PlacementStrategy,
    PlacementStrategyType,
};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const REMOTE_ADDR: &str = "10.213.0.2";
const REMOTE_PORT: u16 = 2376;
const CERTS: &str = "/var/lib/ecsd-remote-engine/certs";

/// The docker CLI pointed at the remote engine over mutual TLS.
fn remote_docker() -> Command {
    let mut cmd = Command::new("docker");
    cmd.env("DOCKER_HOST", format!("tcp://{REMOTE_ADDR}:{REMOTE_PORT}"))
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", CERTS);
    cmd
}

fn require_remote() {
    let ok = remote_docker()
        .args(["image", "inspect", "busybox:latest"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the remote engine at tcp://{REMOTE_ADDR}:{REMOTE_PORT} does not answer or lacks busybox:latest: \
         run `scripts/setup-remote-engine` (or `scripts/test`, which does it)"
    );
}

/// Running containers of `owner` (and `service`, when given) on an engine.
fn running_on(mut docker: Command, owner: &str, service: &str) -> usize {
    let out = docker
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=ecsd.owner={owner}"),
            "--filter",
            &format!("label=ecsd.service={service}"),
        ])
        .output()
        .expect("docker cli");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Removes what the daemon left on the declared engines (the harness cleans its own).
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for mut docker in [Engine::Podman.docker(), remote_docker()] {
            let out = docker
                .args(["ps", "-aq", "--filter", &format!("label=ecsd.owner={}", self.0)])
                .output();
            let ids: Vec<String> = out
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if !ids.is_empty() {
                let mut rm = if docker.get_envs().any(|(k, _)| k == "DOCKER_TLS_VERIFY") {
                    remote_docker()
                } else {
                    Engine::Podman.docker()
                };
                let _ = rm.arg("rm").arg("-f").args(&ids).output();
            }
        }
    }
}

/// Counts of `service`'s running containers: (local docker, podman, remote).
fn spread(d: &Daemon, service: &str) -> (usize, usize, usize) {
    let owner = d.owner();
    (
        running_on(Engine::Docker.docker(), &owner, service),
        running_on(Engine::Podman.docker(), &owner, service),
        running_on(remote_docker(), &owner, service),
    )
}

fn total((a, b, c): (usize, usize, usize)) -> usize {
    a + b + c
}

fn remote_instance(engine: &str) -> ContainerInstanceSpec {
    ContainerInstanceSpec {
        engine: engine.to_string(),
        tls: Some(EngineTls {
            ca_file: format!("{CERTS}/ca.pem"),
            cert_file: format!("{CERTS}/cert.pem"),
            key_file: format!("{CERTS}/key.pem"),
        }),
        address: Some(REMOTE_ADDR.to_string()),
        attributes: [("ecs.availability-zone".to_string(), "rack-b".to_string())].into(),
    }
}

/// A daemon on the local Docker with Podman and the remote engine (at `remote`) declared,
/// waited for until both are connected.
fn cluster_of_three(d: &Daemon, remote: &str) -> Cleanup {
    require_remote();
    let instances = Manifests::new()
        .container_instance(
            "podman-1",
            ContainerInstanceSpec {
                engine: Engine::Podman.endpoint().to_string(),
                ..Default::default()
            },
        )
        .container_instance("remote-1", remote_instance(remote))
        .yaml();
    d.apply(&manifest(d, "instances.yaml", &instances));
    d.wait_until("both declared instances are connected", 60, |d| {
        connected(d, "podman-1") == Some(true) && connected(d, "remote-1") == Some(true)
    });
    Cleanup(d.owner())
}

/// `agentConnected` of instance `name` as `ecsd get containerinstances` reports it.
fn connected(d: &Daemon, name: &str) -> Option<bool> {
    let listed = d.json(&["get", "containerinstances"]);
    listed["items"].as_array()?.iter().find(|i| i["name"] == name)?["agentConnected"].as_bool()
}

/// Service `web`: 3 idle tasks, spread one per engine.
fn web_on_each_engine(d: &Daemon) {
    let services = Manifests::new()
        .task_definition("idle", idle())
        .service("web", replica_service("idle", 3))
        .yaml();
    d.apply(&manifest(d, "web.yaml", &services));
    d.wait_until("one task per engine", 120, |d| spread(d, "web") == (1, 1, 1));
}

/// An idle task reserving 64 MiB.
fn idle() -> ecsd::model::TaskDefinitionSpec {
    let mut td = with_containers(vec![shell_container("main", "busybox:latest", UNTIL_SIGTERM)]);
    td.container_definitions[0].memory = Some(64);
    td
}

fn constrained(
    desired: u32,
    kind: PlacementConstraintType,
    expression: Option<&str>,
) -> ecsd::model::ServiceSpec {
    let mut spec = replica_service("idle", desired);
    spec.placement_constraints = vec![PlacementConstraint {
        kind,
        expression: expression.map(str::to_string),
    }];
    spec
}

#[test]
fn a_service_spreads_over_three_engines_and_member_of_keeps_one_on_podman() {
    let d = &mut Daemon::with_args(Engine::Docker, &["--metrics-interval", "1s"]);
    let _cleanup = cluster_of_three(d, &format!("tcp://{REMOTE_ADDR}:{REMOTE_PORT}"));
    let services = Manifests::new()
        .task_definition("idle", idle())
        .service("spread", replica_service("idle", 3))
        .service(
            "onpodman",
            constrained(
                2,
                PlacementConstraintType::MemberOf,
                Some("attribute:ecsd.engine == podman"),
            ),
        )
        .yaml();
    d.apply(&manifest(d, "services.yaml", &services));
    d.wait_until("spread runs 3 and onpodman 2", 120, |d| {
        total(spread(d, "spread")) == 3 && total(spread(d, "onpodman")) == 2
    });
    let (a, b, c) = spread(d, "spread");
    let (most, least) = (a.max(b).max(c), a.min(b).min(c));
    assert!(
        most - least <= 1,
        "spread over instances differs by at most 1: {:?}",
        (a, b, c)
    );
    assert_eq!(
        spread(d, "onpodman"),
        (0, 2, 0),
        "memberOf(attribute:ecsd.engine == podman)"
    );
}

#[test]
fn distinct_instance_leaves_the_fourth_task_pending_and_binpack_fills_one_engine_first() {
    let d = &mut Daemon::start(Engine::Docker);
    let _cleanup = cluster_of_three(d, &format!("tcp://{REMOTE_ADDR}:{REMOTE_PORT}"));
    let mut binpack = replica_service("idle", 3);
    binpack.placement_strategy = vec![PlacementStrategy {
        kind: PlacementStrategyType::Binpack,
        field: Some("memory".into()),
    }];
    let services = Manifests::new()
        .task_definition("idle", idle())
        .service(
            "distinct",
            constrained(4, PlacementConstraintType::DistinctInstance, None),
        )
        .yaml();
    d.apply(&manifest(d, "distinct.yaml", &services));
    d.wait_until("3 distinct tasks run and the fourth is refused", 120, |d| {
        spread(d, "distinct") == (1, 1, 1)
            && d.service("distinct")["events"].as_array().is_some_and(|e| {
                e.iter().any(|e| {
                    e["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("was unable to place a task")
                })
            })
    });
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(spread(d, "distinct"), (1, 1, 1), "never two on one instance");
    let events = d.service("distinct")["events"].to_string();
    assert!(
        events.contains("DistinctInstance"),
        "the event names the constraint: {events}"
    );
    d.ok(&["delete", "service", "distinct"]);
    d.wait_until("distinct is gone", 90, |d| total(spread(d, "distinct")) == 0);

    let packed = Manifests::new().service("packed", binpack).yaml();
    d.apply(&manifest(d, "packed.yaml", &packed));
    d.wait_until("packed runs 3", 120, |d| total(spread(d, "packed")) == 3);
    let (a, b, c) = spread(d, "packed");
    assert!(
        [a, b, c].contains(&3),
        "binpack fills one instance first: {:?}",
        (a, b, c)
    );
}

#[test]
fn a_daemon_service_runs_one_task_on_each_engine() {
    let d = &mut Daemon::start(Engine::Docker);
    let _cleanup = cluster_of_three(d, &format!("tcp://{REMOTE_ADDR}:{REMOTE_PORT}"));
    let services = Manifests::new()
        .task_definition("idle", idle())
        .service("agent", daemon_service("idle"))
        .yaml();
    d.apply(&manifest(d, "daemon.yaml", &services));
    d.wait_until("one agent per engine", 120, |d| spread(d, "agent") == (1, 1, 1));
    d.wait_until("the service wants one task per instance", 30, |d| {
        d.service("agent")["desiredCount"] == 3 && d.service("agent")["runningCount"] == 3
    });
}

/// A tcp forwarder to the remote engine that can be cut (a partition of this daemon alone):
/// cut, it closes every open connection and refuses new ones.
struct Partition {
    port: u16,
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Partition {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (o, s) = (open.clone(), streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !o.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(upstream) = TcpStream::connect((REMOTE_ADDR, REMOTE_PORT)) else {
                    continue;
                };
                let mut kept = s.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(upstream.try_clone().unwrap());
                pipe(client.try_clone().unwrap(), upstream.try_clone().unwrap());
                pipe(upstream, client);
            }
        });
        Self { port, open, streams }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn heal(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

#[test]
fn a_lost_remote_engine_is_disconnected_its_task_replaced_after_the_grace_and_never_run_twice() {
    let proxy = Partition::start();
    let d = &mut Daemon::with_args(Engine::Docker, &["--instance-lost-grace", "20s"]);
    let _cleanup = cluster_of_three(d, &format!("tcp://127.0.0.1:{}", proxy.port));
    web_on_each_engine(d);

    proxy.cut();
    d.wait_until(
        "the remote instance is disconnected (agentConnected false)",
        60,
        |d| connected(d, "remote-1") == Some(false),
    );
    // Within the grace the remote task is kept: nothing new starts.
    let (local, podman, _) = spread(d, "web");
    assert_eq!((local, podman), (1, 1), "no duplicate during the partition");
    assert_eq!(
        running_on(remote_docker(), &d.owner(), "web"),
        1,
        "the remote task still runs there"
    );
    // Past the grace the remote task is STOPPED and replaced on a connected instance.
    d.wait_until("the lost task is replaced on local or podman", 120, |d| {
        let (local, podman, _) = spread(d, "web");
        local + podman == 3 && d.service("web")["runningCount"] == 3
    });
    proxy.heal();
    d.wait_until("the superseded remote container is stopped", 120, |d| {
        running_on(remote_docker(), &d.owner(), "web") == 0
    });
    std::thread::sleep(std::time::Duration::from_secs(5));
    assert_eq!(
        total(spread(d, "web")),
        3,
        "nothing runs twice: {:?}",
        spread(d, "web")
    );
}

#[test]
fn the_load_balancer_reaches_tasks_on_every_engine_at_each_instances_address() {
    use ecsd::model::fixtures::forward_listener;
    use ecsd::model::load_balancing::{LbProtocol, LoadBalancerSpec, TargetGroupSpec};
    use ecsd::model::{PortMapping, Seconds, ServiceLoadBalancer};
    let d = &mut Daemon::start(Engine::Docker);
    let _cleanup = cluster_of_three(d, &format!("tcp://{REMOTE_ADDR}:{REMOTE_PORT}"));
    let port = common::manifest_port();
    let mut app = shell_container(
        "app",
        "busybox:latest",
        "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www",
    );
    app.port_mappings = vec![PortMapping {
        container_port: 8080,
        ..Default::default()
    }];
    let mut service = replica_service("web", 3);
    service.load_balancers = vec![ServiceLoadBalancer {
        target_group_arn: "web".into(),
        container_name: "app".into(),
        container_port: 8080,
        ..Default::default()
    }];
    let group = TargetGroupSpec {
        health_check_interval_seconds: Some(Seconds(5)),
        health_check_timeout_seconds: Some(Seconds(2)),
        ..Default::default()
    };
    let balancer = LoadBalancerSpec {
        listeners: vec![forward_listener(
            port,
            LbProtocol::Http,
            Some([127, 0, 0, 1].into()),
            "web",
        )],
        ..Default::default()
    };
    let stack = Manifests::new()
        .target_group("web", group)
        .load_balancer("web-lb", balancer)
        .task_definition("web", with_containers(vec![app]))
        .service("web", service)
        .yaml();
    d.apply(&manifest(d, "web.yaml", &stack));
    d.wait_until("one task per engine, all running", 120, |d| {
        spread(d, "web") == (1, 1, 1) && d.service("web")["runningCount"] == 3
    });
    let seen = std::cell::RefCell::new(std::collections::BTreeSet::new());
    d.wait_until("the balancer answers from all three tasks", 60, |_| {
        if let Some(reply) = common::http_get(port)
            && let Some((head, body)) = reply.split_once("\r\n\r\n")
            && head.contains(" 200 ")
        {
            seen.borrow_mut().insert(body.trim().to_string());
        }
        seen.borrow().len() == 3
    });
}

#[test]
fn draining_an_instance_moves_its_service_task_without_dropping_below_desired() {
    let d = &mut Daemon::start(Engine::Docker);
    let _cleanup = cluster_of_three(d, &format!("tcp://{REMOTE_ADDR}:{REMOTE_PORT}"));
    web_on_each_engine(d);
    d.ok(&["drain", "instance", "podman-1"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut lowest = usize::MAX;
    loop {
        let now = spread(d, "web");
        lowest = lowest.min(total(now));
        if now.1 == 0 && total(now) == 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "podman-1 not drained: {now:?}\n{}",
            d.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        lowest >= 3,
        "minimum healthy 100%: never fewer than 3 running ({lowest})"
    );
    let listed = d.json(&["get", "containerinstances"]);
    let podman = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "podman-1")
        .cloned()
        .unwrap();
    assert_eq!(podman["status"], "DRAINING", "{podman}");
    d.ok(&["drain", "instance", "podman-1", "--undo"]);
}
