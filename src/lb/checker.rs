//! Active health checks: one task per target, an HTTP GET (path, timeout, matcher) or a TCP
//! connect every interval, on a fresh connection closed after each check. Checks are not
//! counted as requests.

use super::group::{Group, TargetEntry};
use super::target::{CheckOutcome, TargetState};
use crate::model::load_balancing::{LbProtocol, TargetGroupSettings};
use bytes::Bytes;
use http_body_util::Empty;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::time::MissedTickBehavior;

/// Checks `target` every interval until it drains, is replaced, or its group is removed.
pub(crate) fn spawn(group: Arc<Group>, target: Arc<TargetEntry>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(group.settings.load().interval);
        // The interval does not depend on response time: a check never outlasts its timeout,
        // which is shorter than the interval.
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = target.closed.cancelled() => return,
                () = group.removed.cancelled() => return,
                _ = ticker.tick() => {}
            }
            if matches!(target.state(), TargetState::Draining | TargetState::Unused) {
                return;
            }
            let settings = group.settings.load_full();
            let outcome = check(target.addr, &settings).await;
            group.record(&target, &outcome);
        }
    });
}

/// Runs one health check against `addr` (or the fixed health-check port).
pub(crate) async fn check(addr: SocketAddr, settings: &TargetGroupSettings) -> CheckOutcome {
    let addr = SocketAddr::new(addr.ip(), settings.health_check_port.unwrap_or(addr.port()));
    let attempt = async {
        match settings.health_check_protocol {
            LbProtocol::Tcp => TcpStream::connect(addr)
                .await
                .map_or_else(|e| CheckOutcome::Failed(e.to_string()), |_| CheckOutcome::Pass),
            _ => http_check(addr, settings).await,
        }
    };
    tokio::time::timeout(settings.timeout, attempt)
        .await
        .unwrap_or(CheckOutcome::Timeout)
}

async fn http_check(addr: SocketAddr, settings: &TargetGroupSettings) -> CheckOutcome {
    let stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => return CheckOutcome::Failed(e.to_string()),
    };
    let (mut sender, connection) = match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
        Ok(pair) => pair,
        Err(e) => return CheckOutcome::Failed(e.to_string()),
    };
    let request = Request::get(settings.health_check_path.as_str())
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::USER_AGENT, "ELB-HealthChecker/2.0")
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new());
    let request = match request {
        Ok(request) => request,
        Err(e) => return CheckOutcome::Failed(e.to_string()),
    };
    let send = sender.send_request(request);
    tokio::pin!(connection, send);
    // The connection may end (`Connection: close`) as it delivers the response: then the
    // response is already waiting in `send`.
    let response = tokio::select! {
        biased;
        response = &mut send => response,
        _ = &mut connection => send.await,
    };
    // Dropping `connection` here closes the socket: one connection per check.
    match response {
        Ok(response) => {
            let code = response.status().as_u16();
            let accepted = settings
                .matcher
                .iter()
                .any(|(low, high)| (*low..=*high).contains(&code));
            if accepted {
                CheckOutcome::Pass
            } else {
                CheckOutcome::CodeMismatch(code)
            }
        }
        Err(e) => CheckOutcome::Failed(e.to_string()),
    }
}
