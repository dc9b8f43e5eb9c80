//! TCP listener tests: half-close passes through; a long-lived connection closes when its
//! target's deregistration delay ends.

use super::backend;
use super::*;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TCP_LISTENER: &str = "listeners: [{port: 0, address: 127.0.0.1, protocol: TCP, defaultActions: [{type: forward, targetGroupArn: db}]}]";

async fn echo_behind_lb(delay: Duration) -> (LoadBalancers, SocketAddr, backend::Backend) {
    let echo = backend::tcp_echo().await;
    let (lb, addr) = start(&config(TCP_LISTENER, &[("db", settings(LbProtocol::Tcp, delay))])).await;
    lb.register("db", target("echo", echo.addr)).unwrap();
    wait_state(&lb, "db", "echo", TargetState::Healthy).await;
    (lb, addr, echo)
}

#[tokio::test]
async fn a_half_closed_tcp_connection_still_receives_the_answer_and_counts_as_a_new_connection() {
    let (lb, addr, _echo) = echo_behind_lb(Duration::ZERO).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"hello, half-close").await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert_eq!(answer, "hello, half-close");
    let counts = &lb.traffic()[0];
    assert_eq!((counts.new_connections, counts.requests), (1, 0));
}

#[tokio::test]
async fn a_long_lived_tcp_connection_is_closed_when_the_drain_delay_ends() {
    let delay = Duration::from_millis(300);
    let (lb, addr, _echo) = echo_behind_lb(delay).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"ping").await.unwrap();
    let mut pong = [0u8; 4];
    stream.read_exact(&mut pong).await.unwrap();
    wait_until(|| lb.target_health("db").unwrap()[0].connections == 1).await;
    let started = Instant::now();
    lb.deregister("db", "echo").await;
    assert!(
        started.elapsed() >= delay - Duration::from_millis(10),
        "drain ended early"
    );
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "connection still open after the delay");
    wait_until(|| lb.target_health("db").unwrap().is_empty()).await;
}

#[tokio::test]
async fn a_tcp_listener_cannot_forward_to_an_http_group() {
    let lb = LoadBalancers::new();
    let err = lb
        .apply(&config(
            TCP_LISTENER,
            &[("db", settings(LbProtocol::Http, Duration::ZERO))],
        ))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot forward to HTTP target group \"db\""),
        "{err}"
    );
}
