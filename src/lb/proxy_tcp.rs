//! The TCP proxy: each accepted connection is pinned to one target and copied both ways
//! with half-close passed through; it counts as an active connection on its target and is
//! closed when that target's deregistration delay ends. New connections and failed
//! connects to targets are counted in the pair's traffic.

use super::Routes;
use super::group::{ActiveGuard, Activity};
use super::rules::{RouteAction, choose_weighted};
use super::traffic::Forward;
use arc_swap::ArcSwap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// How long connecting to a target may take before the next target is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Forwards one accepted connection until either side closes, its target's delay ends, or
/// the listener stops.
pub(crate) async fn serve_connection(
    routes: Arc<ArcSwap<Routes>>,
    mut client: TcpStream,
    client_addr: SocketAddr,
    stop: CancellationToken,
) {
    let to = match routes.load().route(None, "") {
        RouteAction::Forward(groups) => choose_weighted(groups, rand::random::<f64>()).cloned(),
        RouteAction::Fixed(_) => None,
    };
    let Some((guard, mut upstream)) = connect(to).await else {
        tracing::debug!(client = %client_addr, "no target reachable; closing the connection");
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let target = guard.target().clone();
    tokio::select! {
        result = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
            if let Err(err) = result {
                tracing::debug!(client = %client_addr, target = %target.addr, error = %err, "tcp connection ended");
            }
        }
        () = target.closed.cancelled() => {}
        () = stop.cancelled() => {}
    }
}

/// Connects to a target of the group, trying a second one when the first refuses.
async fn connect(to: Option<Arc<Forward>>) -> Option<(ActiveGuard, TcpStream)> {
    let to = to?;
    to.traffic.new_connection();
    let mut failed = None;
    for _ in 0..2 {
        let guard = to.group.acquire(failed.as_ref(), Activity::Connection)?;
        let addr = guard.target().addr;
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Some((guard, stream)),
            _ => {
                to.traffic.connection_error();
                failed = Some(guard.target().clone());
            }
        }
    }
    None
}
