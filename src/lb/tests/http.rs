//! HTTP proxy tests: zero failed requests across a target swap, draining a slow request,
//! retry on another target, fail-open, headers, upgrades, rules.

use super::backend::{self, Backend};
use super::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type TestClient = Client<HttpConnector, Empty<Bytes>>;

fn client(keep_alive: bool) -> TestClient {
    let mut builder = Client::builder(TokioExecutor::new());
    if !keep_alive {
        builder.pool_max_idle_per_host(0);
    }
    builder.build_http()
}

/// GETs `path` through the proxy: status and body, or the client error.
async fn get(client: &TestClient, addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let uri = format!("http://{addr}{path}")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let response = client.get(uri).await.map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e}"))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into()))
}

async fn web_with(backends: &[(&str, &Backend)], delay: Duration) -> (LoadBalancers, SocketAddr) {
    let (lb, addr) = start(&config(
        HTTP_LISTENER,
        &[("web", settings(LbProtocol::Http, delay))],
    ))
    .await;
    for (id, backend) in backends {
        lb.register("web", target(id, backend.addr)).unwrap();
        wait_state(&lb, "web", id, TargetState::Healthy).await;
    }
    (lb, addr)
}

#[tokio::test]
async fn a_target_swap_under_concurrent_load_fails_no_request() {
    let (old, new) = (backend::http("old").await, backend::http("new").await);
    let (lb, addr) = web_with(&[("old", &old)], Duration::from_secs(5)).await;
    let (running, drained) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicBool::new(false)));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (running, drained, ok, failed) = (running.clone(), drained.clone(), ok.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            let client = client(worker % 2 == 0);
            let mut bodies = Vec::new();
            while running.load(Ordering::SeqCst) {
                let after_drain = drained.load(Ordering::SeqCst);
                match get(&client, addr, "/").await {
                    Ok((200, body)) => {
                        ok.fetch_add(1, Ordering::SeqCst);
                        bodies.push((after_drain, body));
                    }
                    other => {
                        failed.fetch_add(1, Ordering::SeqCst);
                        eprintln!("failed request: {other:?}");
                    }
                }
            }
            bodies
        }));
    }
    wait_until(|| ok.load(Ordering::SeqCst) > 200).await;
    lb.register("web", target("new", new.addr)).unwrap();
    wait_state(&lb, "web", "new", TargetState::Healthy).await;
    let started = Instant::now();
    lb.deregister("web", "old").await;
    let drain_took = started.elapsed();
    drained.store(true, Ordering::SeqCst);
    old.kill();
    let after_kill = ok.load(Ordering::SeqCst);
    wait_until(|| ok.load(Ordering::SeqCst) > after_kill + 1000).await;
    running.store(false, Ordering::SeqCst);
    let mut bodies = Vec::new();
    for worker in workers {
        bodies.extend(worker.await.unwrap());
    }
    eprintln!(
        "ok={} failed={} drain={drain_took:?}",
        ok.load(Ordering::SeqCst),
        failed.load(Ordering::SeqCst)
    );
    assert_eq!(failed.load(Ordering::SeqCst), 0);
    assert!(bodies.iter().all(|(_, b)| b == "old" || b == "new"));
    assert!(
        drain_took < Duration::from_secs(1),
        "drain waited for the delay: {drain_took:?}"
    );
    assert!(bodies.iter().filter(|(late, _)| *late).all(|(_, b)| b == "new"));
}

#[tokio::test]
async fn a_slow_request_completes_while_its_target_drains_and_the_drain_waits_for_it() {
    let backend = backend::http("slow").await;
    let (lb, addr) = web_with(&[("slow", &backend)], Duration::from_secs(5)).await;
    let request = tokio::spawn(async move {
        let result = get(&client(true), addr, "/sleep?ms=500").await;
        (result, Instant::now())
    });
    wait_until(|| lb.target_health("web").unwrap()[0].in_flight == 1).await;
    let drain_started = Instant::now();
    lb.deregister("web", "slow").await;
    let drained_at = Instant::now();
    let (result, answered_at) = request.await.unwrap();
    assert_eq!(result.unwrap(), (200, "slow".to_string()));
    assert!(
        drained_at >= answered_at - Duration::from_millis(5),
        "drain resolved before the response"
    );
    let waited = drained_at - drain_started;
    assert!(
        waited < Duration::from_secs(2),
        "drain waited for the delay: {waited:?}"
    );
    let health = &lb.target_health("web").unwrap()[0];
    assert_eq!((health.state, health.in_flight), (TargetState::Draining, 0));
    assert_eq!(get(&client(false), addr, "/").await.unwrap().0, 503);
}

#[tokio::test]
async fn a_get_whose_target_refuses_is_retried_on_the_other_target() {
    let (alive, dead) = (backend::http("alive").await, backend::http("dead").await);
    let (lb, addr) = start(&config(HTTP_LISTENER, &[("web", slow_checks())])).await;
    for (id, backend) in [("alive", &alive), ("dead", &dead)] {
        lb.register("web", target(id, backend.addr)).unwrap();
        wait_state(&lb, "web", id, TargetState::Healthy).await;
    }
    dead.kill();
    let (keep_alive, fresh) = (client(true), client(false));
    for i in 0..40 {
        let client = if i % 2 == 0 { &keep_alive } else { &fresh };
        assert_eq!(get(client, addr, "/").await.unwrap(), (200, "alive".into()));
    }
    let dead_health = lb.target_health("web").unwrap();
    assert!(
        dead_health.iter().all(|t| t.state == TargetState::Healthy),
        "checks must not have run yet"
    );
}

#[tokio::test]
async fn a_get_whose_target_dies_in_the_middle_of_a_small_body_is_retried_on_the_other_target() {
    let (alive, cut) = (backend::http("alive").await, backend::truncating().await);
    let (lb, addr) = start(&config(HTTP_LISTENER, &[("web", slow_checks())])).await;
    for (id, backend) in [("alive", &alive), ("cut", &cut)] {
        lb.register("web", target(id, backend.addr)).unwrap();
        wait_state(&lb, "web", id, TargetState::Healthy).await;
    }
    let (keep_alive, fresh) = (client(true), client(false));
    for i in 0..20 {
        let client = if i % 2 == 0 { &keep_alive } else { &fresh };
        assert_eq!(
            get(client, addr, "/").await.unwrap(),
            (200, "alive".into()),
            "request {i}"
        );
    }
}

/// Checks every 60 s: the first check (at registration) is the only one during a test.
fn slow_checks() -> TargetGroupSettings {
    TargetGroupSettings {
        interval: Duration::from_secs(60),
        timeout: Duration::from_secs(1),
        ..settings(LbProtocol::Http, Duration::from_secs(1))
    }
}

#[tokio::test]
async fn requests_fail_open_to_unhealthy_targets_when_none_is_healthy() {
    let (a, b) = (backend::http("a").await, backend::http("b").await);
    let (lb, addr) = web_with(&[("a", &a), ("b", &b)], Duration::from_secs(1)).await;
    a.health.store(500, Ordering::SeqCst);
    wait_state(&lb, "web", "a", TargetState::Unhealthy).await;
    for _ in 0..10 {
        assert_eq!(get(&client(true), addr, "/").await.unwrap(), (200, "b".into()));
    }
    b.health.store(503, Ordering::SeqCst);
    wait_state(&lb, "web", "b", TargetState::Unhealthy).await;
    let health = lb.target_health("web").unwrap();
    assert_eq!(
        health[0].reason,
        Some(super::super::ReasonCode::ResponseCodeMismatch)
    );
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let (code, body) = get(&client(true), addr, "/").await.unwrap();
        assert_eq!(code, 200);
        seen.insert(body);
    }
    assert_eq!(
        seen.len(),
        2,
        "fail-open routes to every unhealthy target: {seen:?}"
    );
}

#[tokio::test]
async fn a_group_with_only_initial_targets_answers_503_and_no_group_404() {
    let (lb, addr) = start(&config(
        HTTP_LISTENER,
        &[("web", settings(LbProtocol::Http, Duration::ZERO))],
    ))
    .await;
    assert_eq!(get(&client(true), addr, "/").await.unwrap().0, 503);
    lb.register("web", target("nowhere", "127.0.0.1:9".parse().unwrap()))
        .unwrap();
    assert_eq!(get(&client(true), addr, "/").await.unwrap().0, 503);
    assert!(lb.register("other", target("x", addr)).is_err());
}

/// Sends a raw request and reads the whole answer (the proxy closes after `Connection: close`).
async fn raw(addr: SocketAddr, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn hop_by_hop_headers_are_stripped_and_forwarded_headers_appended() {
    let backend = backend::http("h").await;
    let (_lb, addr) = web_with(&[("h", &backend)], Duration::ZERO).await;
    let answer = raw(
        addr,
        "GET /headers HTTP/1.1\r\nHost: app.test\r\nConnection: close, x-drop\r\nx-drop: 1\r\n\
         Keep-Alive: timeout=5\r\nProxy-Authorization: basic x\r\nTE: trailers\r\nx-keep: 1\r\n\
         X-Forwarded-For: 203.0.113.9\r\n\r\n",
    )
    .await
    .to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    for expected in [
        "x-forwarded-for: 203.0.113.9, 127.0.0.1".to_string(),
        "x-forwarded-proto: http".into(),
        format!("x-forwarded-port: {}", addr.port()),
        "host: app.test".into(),
        "x-keep: 1".into(),
    ] {
        assert!(answer.contains(&expected), "{expected} missing in {answer}");
    }
    for stripped in ["x-drop", "keep-alive:", "proxy-authorization", "\nte:"] {
        assert!(!answer.contains(stripped), "{stripped} forwarded in {answer}");
    }
}

#[tokio::test]
async fn an_upgrade_passes_through_and_echoes() {
    let backend = backend::http("ws").await;
    let (lb, addr) = web_with(&[("ws", &backend)], Duration::from_millis(200)).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream.write_all(b"hello").await.unwrap();
    let mut echoed = [0u8; 5];
    stream.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, b"hello");
    wait_until(|| lb.target_health("web").unwrap()[0].connections == 1).await;
    lb.deregister("web", "ws").await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the upgraded connection stays open after the delay"
    );
}

#[tokio::test]
async fn rules_route_by_host_and_path_and_fixed_responses_answer() {
    let (api, web) = (backend::http("api").await, backend::http("web").await);
    let listener = r#"
listeners:
  - port: 0
    address: 127.0.0.1
    defaultActions: [{type: fixed-response, fixedResponseConfig: {statusCode: 404, messageBody: none}}]
    rules:
      - {priority: 1, conditions: [{field: path-pattern, values: ["/api/*"]}], actions: [{type: forward, targetGroupArn: api}]}
      - {priority: 2, conditions: [{field: host-header, values: ["*.web.test"]}], actions: [{type: forward, targetGroupArn: web}]}
"#;
    let groups = [
        ("api", settings(LbProtocol::Http, Duration::ZERO)),
        ("web", settings(LbProtocol::Http, Duration::ZERO)),
    ];
    let (lb, addr) = start(&config(listener, &groups)).await;
    for (group, backend) in [("api", &api), ("web", &web)] {
        lb.register(group, target(group, backend.addr)).unwrap();
        wait_state(&lb, group, group, TargetState::Healthy).await;
    }
    assert!(
        raw(
            addr,
            "GET /api/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        .await
        .ends_with("api")
    );
    assert!(
        raw(
            addr,
            "GET / HTTP/1.1\r\nHost: WWW.web.test\r\nConnection: close\r\n\r\n"
        )
        .await
        .ends_with("web")
    );
    let none = raw(addr, "GET / HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n").await;
    assert!(
        none.starts_with("HTTP/1.1 404") && none.ends_with("none"),
        "{none}"
    );
}

#[tokio::test]
async fn a_listener_port_in_use_is_an_error_naming_the_address() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port();
    let listener = format!(
        "listeners: [{{port: {port}, address: 127.0.0.1, defaultActions: [{{type: forward, targetGroupArn: web}}]}}]"
    );
    let lb = LoadBalancers::new();
    let err = lb
        .apply(&config(
            &listener,
            &[("web", settings(LbProtocol::Http, Duration::ZERO))],
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
}

#[tokio::test]
async fn target_events_follow_registration_health_and_draining() {
    let backend = backend::http("e").await;
    let (lb, _addr) = start(&config(
        HTTP_LISTENER,
        &[("web", settings(LbProtocol::Http, Duration::from_millis(50)))],
    ))
    .await;
    let mut events = lb.subscribe();
    lb.register("web", target("e", backend.addr)).unwrap();
    wait_state(&lb, "web", "e", TargetState::Healthy).await;
    assert_eq!(lb.target_state("web", "e"), Some(TargetState::Healthy));
    lb.deregister("web", "e").await;
    wait_until(|| lb.target_health("web").unwrap().is_empty()).await;
    assert_eq!(lb.target_state("web", "e"), None);
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        assert_eq!(
            (event.target_group.as_str(), event.target.id.as_str()),
            ("web", "e")
        );
        seen.push((event.target.state, event.target.reason.map(|r| r.as_str())));
    }
    assert_eq!(
        seen,
        [
            (TargetState::Initial, Some("Elb.RegistrationInProgress")),
            (TargetState::Healthy, None),
            (TargetState::Draining, Some("Target.DeregistrationInProgress")),
            (TargetState::Unused, Some("Target.NotRegistered")),
        ]
    );
}

#[tokio::test]
async fn applying_new_rules_swaps_routes_on_the_same_port_without_dropping_connections() {
    let (a, b) = (backend::http("a").await, backend::http("b").await);
    let groups = [
        ("a", settings(LbProtocol::Http, Duration::ZERO)),
        ("b", settings(LbProtocol::Http, Duration::ZERO)),
    ];
    let to = |group: &str| {
        format!(
            "listeners: [{{port: 0, address: 127.0.0.1, defaultActions: [{{type: forward, targetGroupArn: {group}}}]}}]"
        )
    };
    let (lb, addr) = start(&config(&to("a"), &groups)).await;
    for (id, backend) in [("a", &a), ("b", &b)] {
        lb.register(id, target(id, backend.addr)).unwrap();
        wait_state(&lb, id, id, TargetState::Healthy).await;
    }
    let keep_alive = client(true);
    assert_eq!(get(&keep_alive, addr, "/").await.unwrap().1, "a");
    lb.apply(&config(&to("b"), &groups)).await.unwrap();
    assert_eq!(lb.listener_addrs("edge").await, [addr]);
    assert_eq!(get(&keep_alive, addr, "/").await.unwrap().1, "b");
    assert_eq!(
        lb.target_state("a", "a"),
        Some(TargetState::Healthy),
        "targets survive an apply"
    );
}

#[tokio::test]
async fn a_drain_ends_with_the_deregistration_delay_when_a_request_outlasts_it() {
    let backend = backend::http("slow").await;
    let delay = Duration::from_millis(200);
    let (lb, addr) = web_with(&[("slow", &backend)], delay).await;
    let request = tokio::spawn(async move { get(&client(true), addr, "/sleep?ms=1000").await });
    wait_until(|| lb.target_health("web").unwrap()[0].in_flight == 1).await;
    let started = Instant::now();
    lb.deregister("web", "slow").await;
    let waited = started.elapsed();
    assert!(
        waited >= delay - Duration::from_millis(10) && waited < Duration::from_millis(900),
        "{waited:?}"
    );
    assert_eq!(
        request.await.unwrap().unwrap().0,
        200,
        "the request is not cut; the stop signal comes next"
    );
}
