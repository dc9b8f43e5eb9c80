//! In-process backends: an HTTP server (named answers, `/health` with a settable code,
//! `/sleep?ms=N`, `/headers`, upgrade echo) and a TCP echo server.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A running backend; `kill` closes its socket and every connection at once.
pub struct Backend {
    pub addr: SocketAddr,
    pub health: Arc<AtomicU16>,
    stop: CancellationToken,
}

impl Backend {
    pub fn kill(&self) {
        self.stop.cancel();
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub async fn http(name: &'static str) -> Backend {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = Backend {
        addr: socket.local_addr().unwrap(),
        health: Arc::new(AtomicU16::new(200)),
        stop: CancellationToken::new(),
    };
    let (health, stop) = (backend.health.clone(), backend.stop.clone());
    tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                () = stop.cancelled() => return,
                accepted = socket.accept() => accepted.unwrap(),
            };
            let health = health.clone();
            let service = hyper::service::service_fn(move |req| answer(name, health.clone(), req));
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = connection => {}
                    () = stop.cancelled() => {}
                }
            });
        }
    });
    backend
}

async fn answer(
    name: &'static str,
    health: Arc<AtomicU16>,
    mut req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |code: u16, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = StatusCode::from_u16(code).unwrap();
        Ok(response)
    };
    if req.headers().contains_key(hyper::header::UPGRADE) {
        let upgrade = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            let mut io = TokioIo::new(upgrade.await.unwrap());
            let mut buf = [0u8; 1024];
            while let Ok(n @ 1..) = io.read(&mut buf).await {
                io.write_all(&buf[..n]).await.unwrap();
            }
        });
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        response
            .headers_mut()
            .insert("upgrade", "websocket".parse().unwrap());
        response
            .headers_mut()
            .insert("connection", "upgrade".parse().unwrap());
        return Ok(response);
    }
    match req.uri().path() {
        "/health" => reply(health.load(Ordering::SeqCst), "ok".into()),
        "/sleep" => {
            let ms = req
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("ms=")?.parse().ok())
                .unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            reply(200, name.into())
        }
        "/headers" => {
            let dump = req
                .headers()
                .iter()
                .map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or("?")));
            reply(200, dump.collect())
        }
        _ => reply(200, name.into()),
    }
}

/// An HTTP server that answers `/health` whole and every other request with a
/// `Content-Length` it never finishes (as a target killed mid-response), then closes.
pub async fn truncating() -> Backend {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = Backend {
        addr: socket.local_addr().unwrap(),
        health: Arc::new(AtomicU16::new(200)),
        stop: CancellationToken::new(),
    };
    let stop = backend.stop.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = tokio::select! {
                () = stop.cancelled() => return,
                accepted = socket.accept() => accepted.unwrap(),
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let answer: &[u8] = if request.starts_with("GET /health") {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                } else {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
                };
                let _ = stream.write_all(answer).await;
            });
        }
    });
    backend
}

/// A TCP server echoing each connection until the client half-closes, then closing.
pub async fn tcp_echo() -> Backend {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = Backend {
        addr: socket.local_addr().unwrap(),
        health: Arc::new(AtomicU16::new(200)),
        stop: CancellationToken::new(),
    };
    let stop = backend.stop.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = tokio::select! {
                () = stop.cancelled() => return,
                accepted = socket.accept() => accepted.unwrap(),
            };
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
                let _ = write.shutdown().await;
            });
        }
    });
    backend
}
