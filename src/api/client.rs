//! A small HTTP client for the native API over the daemon's unix socket.

use super::shapes::ErrorReply;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::net::UnixStream;

/// Why a call to the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket exists but this user may not open it (the daemon's socket is owner-only).
    #[error(
        "permission denied on the ecsd socket {path}: it is owner-only; run as the daemon's user (or root), or point --socket / ECSD_SOCKET at a socket you own"
    )]
    PermissionDenied {
        /// Socket path.
        path: String,
    },
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
    /// The daemon's answer does not have the shape this CLI expects (e.g. a daemon of
    /// another version): names the member that did not fit.
    #[error("unexpected answer from the ecsd daemon to {path}: at `{field}`: {message}")]
    Shape {
        /// Request path.
        path: String,
        /// Member path in the answer (`items[0].deployments[1].status`).
        field: String,
        /// What did not fit.
        message: String,
    },
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

    /// GET `path`, read as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let value = self.call(Method::GET, path, None).await?;
        parse(path, value)
    }

    /// GET `path` as plain JSON, for printing it unchanged (`-o json`).
    pub async fn get_json(&self, path: &str) -> Result<Value, ClientError> {
        self.call(Method::GET, path, None).await
    }

    /// POST `body` to `path`, read the answer as `T`.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_value(body).map_err(|e| ClientError::Http(e.to_string()))?;
        let value = self.call(Method::POST, path, Some(&body)).await?;
        parse(path, value)
    }

    /// DELETE `path`, read the answer as `T`.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let value = self.call(Method::DELETE, path, None).await?;
        parse(path, value)
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ClientError> {
        let stream = UnixStream::connect(&self.socket).await.map_err(|source| {
            let path = self.socket.display().to_string();
            if source.kind() == std::io::ErrorKind::PermissionDenied {
                ClientError::PermissionDenied { path }
            } else {
                ClientError::Connect { path, source }
            }
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
        if status == StatusCode::OK {
            return Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null));
        }
        // A refusal before any handler ran (e.g. a body over the limit) is plain text.
        let (message, details) = match serde_json::from_slice::<ErrorReply>(&bytes) {
            Ok(reply) => (reply.error, reply.details),
            Err(_) => (
                format!(
                    "daemon answered {status}: {}",
                    String::from_utf8_lossy(&bytes).trim()
                ),
                Vec::new(),
            ),
        };
        Err(ClientError::Api {
            status: status.as_u16(),
            message,
            details,
        })
    }
}

/// Reads a daemon answer as `T`, naming the member that does not fit.
pub fn parse<T: DeserializeOwned>(path: &str, value: Value) -> Result<T, ClientError> {
    serde_path_to_error::deserialize(value).map_err(|e| ClientError::Shape {
        path: path.to_string(),
        field: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::shapes::{Items, Service};

    #[test]
    fn an_answer_of_another_shape_fails_naming_the_member() {
        let answer = serde_json::json!({"items": [{"serviceName": 3}]});
        let err = parse::<Items<Service>>("/v1/services", answer)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/v1/services"), "{err}");
        assert!(err.contains("items[0].serviceName"), "{err}");
    }
}
