//! Who may call the ECS endpoint. Whoever can reach it can run containers, so:
//!
//! - with credentials configured, every request must carry a valid SigV4 signature by that key
//!   pair, for the endpoint's region and the `ecs` service, on any address;
//! - without credentials, any (or no) signature is accepted, and only on a loopback address,
//!   where only local users can connect (as with the native API's socket).

use super::sigv4::{self, Credentials, SignedRequest};
use super::{bounded_body, reply};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

/// Why the ECS endpoint may not listen on `addr`; `None` when it may.
pub fn refuse_listen_address(addr: SocketAddr, credentials: Option<&Credentials>) -> Option<String> {
    (credentials.is_none() && !addr.ip().is_loopback()).then(|| {
        "a non-loopback address needs SigV4 credentials, since anyone who can reach the port could \
         run containers: pass --ecs-access-key-id with --ecs-secret-access-key-file (or set \
         ECSD_ECS_ACCESS_KEY_ID and ECSD_ECS_SECRET_ACCESS_KEY), or listen on 127.0.0.1"
            .to_string()
    })
}

/// What a signature is checked against.
struct Verifier {
    credentials: Credentials,
    region: String,
}

/// `router` with every request verified against `credentials` for `region`.
pub(super) fn require_signatures(router: Router, credentials: Credentials, region: &str) -> Router {
    let verifier = Arc::new(Verifier {
        credentials,
        region: region.to_string(),
    });
    router.layer(middleware::from_fn_with_state(verifier, verify_request))
}

async fn verify_request(State(v): State<Arc<Verifier>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = match bounded_body(body).await {
        Ok(body) => body,
        Err(too_large) => return too_large,
    };
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body: &body,
    };
    match sigv4::verify(&signed, &v.credentials, &v.region, SystemTime::now()) {
        Ok(()) => next.run(Request::from_parts(parts, Body::from(body))).await,
        Err(e) => {
            let (status, code) = e.status_and_code();
            tracing::warn!(code, error = %e, "ecs request refused");
            reply(status, json!({"__type": code, "message": e.to_string()}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Catalog, MemoryStore};
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use tower::ServiceExt;

    /// Sends `ListClusters` to an endpoint that requires `AKID`/`secret` in eu-west-1, signed
    /// with `signer` (unsigned when `None`); returns the status and `__type`.
    async fn list_clusters(signer: Option<&Credentials>) -> (StatusCode, Option<String>) {
        let mut scope = super::super::default_scope();
        scope.region = "eu-west-1".into();
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let router = super::super::router(catalog, scope, Some(Credentials::new("AKID", "secret")));
        let body = b"{}";
        let amz_date = humantime::format_rfc3339_seconds(SystemTime::now())
            .to_string()
            .replace(['-', ':'], "");
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4000"));
        headers.insert("x-amz-date", HeaderValue::from_str(&amz_date).unwrap());
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("AmazonEC2ContainerServiceV20141113.ListClusters"),
        );
        if let Some(creds) = signer {
            let signed = SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &headers,
                body,
            };
            let auth = sigv4::authorization(&signed, creds, "eu-west-1", "ecs", &amz_date);
            headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        }
        let mut request = Request::post("/").body(Body::from(&body[..])).unwrap();
        *request.headers_mut() = headers;
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        (status, value["__type"].as_str().map(String::from))
    }

    #[tokio::test]
    async fn with_credentials_only_requests_signed_by_them_reach_the_operations() {
        let right = list_clusters(Some(&Credentials::new("AKID", "secret"))).await;
        assert_eq!(right, (StatusCode::OK, None));
        let wrong_secret = list_clusters(Some(&Credentials::new("AKID", "guess"))).await;
        assert_eq!(
            wrong_secret,
            (StatusCode::BAD_REQUEST, Some("InvalidSignatureException".into()))
        );
        let wrong_key = list_clusters(Some(&Credentials::new("OTHER", "secret"))).await;
        assert_eq!(
            wrong_key,
            (StatusCode::FORBIDDEN, Some("UnrecognizedClientException".into()))
        );
        let unsigned = list_clusters(None).await;
        assert_eq!(
            unsigned,
            (
                StatusCode::FORBIDDEN,
                Some("MissingAuthenticationTokenException".into())
            )
        );
    }

    #[test]
    fn without_credentials_only_loopback_addresses_may_serve_the_ecs_endpoint() {
        assert!(refuse_listen_address("127.0.0.1:4000".parse().unwrap(), None).is_none());
        assert!(refuse_listen_address("[::1]:4000".parse().unwrap(), None).is_none());
        let why = refuse_listen_address("0.0.0.0:4000".parse().unwrap(), None).unwrap();
        assert!(why.contains("--ecs-access-key-id"), "{why}");
        assert!(why.contains("--ecs-secret-access-key-file"), "{why}");
    }

    #[test]
    fn with_credentials_any_address_may_serve_the_ecs_endpoint() {
        let creds = Credentials::new("AKID", "secret");
        for addr in ["0.0.0.0:4000", "192.0.2.7:4000", "127.0.0.1:4000"] {
            assert_eq!(
                refuse_listen_address(addr.parse().unwrap(), Some(&creds)),
                None,
                "{addr}"
            );
        }
    }
}
