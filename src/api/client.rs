//! A small HTTP client for the native API over the daemon's unix socket.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::net::UnixStream;

/// Why a call to the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket does not accept connections.
    #[error(
        "cannot reach the ecsd daemon at {path}: {source} (is `ecsd serve` running? set --socket or ECSD_SOCKET)"
    )]
    Connect {
        /// Socket path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP exchange failed.
    #[error("request to the ecsd daemon failed: {0}")]
    Http(String),
    /// The daemon answered with an error.
    #[error("{message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The daemon's one-line message.
        message: String,
        /// Per-document problems, when there are several.
        details: Vec<String>,
    },
}

/// Talks to one daemon socket.
#[derive(Debug, Clone)]
pub struct ApiClient {
    socket: PathBuf,
}

impl ApiClient {
    /// A client for the daemon at `socket`.
    pub fn new(socket: &Path) -> Self {
        Self {
            socket: socket.to_path_buf(),
        }
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.call(Method::GET, path, None).await
    }

    /// POST `body` to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// DELETE `path`.
    pub async fn delete(&self, path: &str) -> Result<Value, ClientError> {
        self.call(Method::DELETE, path, None).await
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ClientError> {
        let stream = UnixStream::connect(&self.socket)
            .await
            .map_err(|source| ClientError::Connect {
                path: self.socket.display().to_string(),
                source,
            })?;
        let http = |e: hyper::Error| ClientError::Http(e.to_string());
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(http)?;
        tokio::spawn(conn);
        let payload = body.map(Value::to_string).unwrap_or_default();
        let request = Request::builder()
            .method(method)
            .uri(format!("http://ecsd{path}"))
            .header("content-type", "application/json")
            .header("host", "ecsd")
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| ClientError::Http(e.to_string()))?;
        let response = sender.send_request(request).await.map_err(http)?;
        let status = response.status();
        let bytes = response.into_body().collect().await.map_err(http)?.to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status == StatusCode::OK {
            return Ok(value);
        }
        // A refusal before any handler ran (e.g. a body over the limit) is plain text.
        let text = String::from_utf8_lossy(&bytes);
        let message = value["error"].as_str().map_or_else(
            || format!("daemon answered {status}: {}", text.trim()),
            str::to_string,
        );
        let details = value["details"]
            .as_array()
            .map(|d| d.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        Err(ClientError::Api {
            status: status.as_u16(),
            message,
            details,
        })
    }
}
