//! Traffic counters on real sockets: every request routed to a group is counted once with
//! its answer, the target's or the load balancer's own.

use super::backend;
use super::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::atomic::Ordering;

/// The status of `GET path` through the proxy, on a fresh connection.
async fn status_of(addr: SocketAddr, path: &str) -> u16 {
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http::<Empty<Bytes>>();
    let uri = format!("http://{addr}{path}").parse().unwrap();
    let response = client.get(uri).await.unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

#[tokio::test]
async fn every_request_is_counted_once_with_the_targets_or_the_load_balancers_answer() {
    let a = backend::http("a").await;
    let slow_checks = TargetGroupSettings {
        interval: Duration::from_secs(60),
        ..settings(LbProtocol::Http, Duration::from_secs(1))
    };
    let (lb, addr) = start(&config(HTTP_LISTENER, &[("web", slow_checks)])).await;
    lb.register("web", target("a", a.addr)).unwrap();
    wait_state(&lb, "web", "a", TargetState::Healthy).await;
    let counts = |lb: &LoadBalancers| lb.traffic().into_iter().next().unwrap();
    assert_eq!(counts(&lb).requests, 0, "a forwarded pair is counted from 0");
    for _ in 0..3 {
        assert_eq!(status_of(addr, "/").await, 200);
    }
    // The only check ran at registration: the target stays healthy while it answers 503.
    a.health.store(503, Ordering::SeqCst);
    assert_eq!(status_of(addr, "/health").await, 503);
    let healthy = lb.target_states()["web"].clone();
    assert_eq!(healthy, vec![TargetState::Healthy]);
    a.kill();
    assert_eq!(status_of(addr, "/").await, 502);
    lb.deregister("web", "a").await;
    assert_eq!(status_of(addr, "/").await, 503);
    let c = counts(&lb);
    assert_eq!(
        (c.load_balancer.as_str(), c.target_group.as_str()),
        ("edge", "web")
    );
    assert_eq!(c.requests, 6);
    assert_eq!(c.target_responses, [3, 0, 0, 1], "2xx, 3xx, 4xx, 5xx");
    assert_eq!(c.elb_responses, [0, 1, 1, 0], "400, 502, 503, 504");
    assert_eq!(c.target_response_time.count, 4);
    assert!(c.target_connection_errors >= 1, "{c:?}");
}
