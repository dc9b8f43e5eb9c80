//! A bound listener: its socket, its accept loop, and the route table it reads without a
//! lock (swapped whole by `apply`).

use super::proxy_http::{self, HttpListener, ProxyBody};
use super::proxy_tcp;
use super::{LbError, Routes};
use crate::model::load_balancing::LbProtocol;
use arc_swap::ArcSwap;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A listening socket and what its connections share.
pub(crate) struct RunningListener {
    /// `HTTP` or `TCP`.
    pub protocol: LbProtocol,
    /// The bound address (the real port when the spec asked for port 0).
    pub local_addr: SocketAddr,
    /// The route table, swapped atomically.
    pub routes: Arc<ArcSwap<Routes>>,
    stop: CancellationToken,
}

impl RunningListener {
    /// Binds `addr` and starts accepting; a port in use is an error naming the address.
    pub async fn bind(
        addr: SocketAddr,
        protocol: LbProtocol,
        routes: Routes,
        client: &Client<HttpConnector, ProxyBody>,
    ) -> Result<RunningListener, LbError> {
        let socket = TcpListener::bind(addr)
            .await
            .map_err(|source| LbError::Bind { addr, source })?;
        let local_addr = socket
            .local_addr()
            .map_err(|source| LbError::Bind { addr, source })?;
        let routes = Arc::new(ArcSwap::from_pointee(routes));
        let stop = CancellationToken::new();
        let http = HttpListener {
            routes: routes.clone(),
            port: local_addr.port(),
            client: client.clone(),
        };
        tokio::spawn(accept_loop(socket, protocol, http, stop.clone()));
        tracing::info!(address = %local_addr, protocol = protocol.as_str(), "listener bound");
        Ok(RunningListener {
            protocol,
            local_addr,
            routes,
            stop,
        })
    }

    /// Stops accepting and closes the listener's connections.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

async fn accept_loop(socket: TcpListener, protocol: LbProtocol, http: HttpListener, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = socket.accept() => accepted,
        };
        let (stream, client_addr) = match accepted {
            Ok(pair) => pair,
            Err(err) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %err, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let stop = stop.child_token();
        match protocol {
            LbProtocol::Tcp => {
                tokio::spawn(proxy_tcp::serve_connection(
                    http.routes.clone(),
                    stream,
                    client_addr,
                    stop,
                ));
            }
            _ => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(proxy_http::serve_connection(
                    http.clone(),
                    stream,
                    client_addr,
                    stop,
                ));
            }
        }
    }
}
