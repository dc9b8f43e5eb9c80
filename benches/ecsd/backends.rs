//! The `lb` scenario's two HTTP backends: small hyper servers answering every request with the
//! same small body over HTTP/1.1 keep-alive, each on its own thread and single-threaded
//! runtime (like a one-process container), so they do not share the balancer's runtime.
//!
//! Not busybox `httpd` in containers: it answers every request with `Connection: close`, so
//! the balancers' keep-alive pools to the backends, half of what is measured, would never
//! be used, and a fork per request would dominate every path.

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;

/// The page every backend serves (a small static file).
pub const PAGE: &[u8] =
    b"<!doctype html><title>ecsd bench</title><p>a small page from a benchmark backend</p>\n";

/// Running backends; stopped when dropped.
pub struct Backends {
    /// Where each one listens (127.0.0.1, ephemeral port).
    pub addrs: Vec<SocketAddr>,
    stop: CancellationToken,
}

impl Backends {
    /// Starts `count` backends.
    pub fn start(count: usize) -> anyhow::Result<Self> {
        let stop = CancellationToken::new();
        let mut addrs = Vec::with_capacity(count);
        for i in 0..count {
            let socket = std::net::TcpListener::bind("127.0.0.1:0").context("binding a backend")?;
            socket.set_nonblocking(true)?;
            addrs.push(socket.local_addr()?);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(format!("bench-backend-{i}"))
                .spawn(move || runtime.block_on(serve(socket, stop)))?;
        }
        Ok(Self { addrs, stop })
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn serve(socket: std::net::TcpListener, stop: CancellationToken) {
    let Ok(socket) = tokio::net::TcpListener::from_std(socket) else {
        return;
    };
    loop {
        let stream = tokio::select! {
            () = stop.cancelled() => return,
            accepted = socket.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let _ = stream.set_nodelay(true);
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), hyper::service::service_fn(page));
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                () = stop.cancelled() => {}
            }
        });
    }
}

async fn page(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(PAGE)));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html"),
    );
    Ok(response)
}
