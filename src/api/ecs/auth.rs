//! Who may call the ECS endpoint. Whoever can reach it can run containers, so:
//!
//! - with credentials configured, every request must carry a valid SigV4 signature by that key
//!   pair, for the endpoint's region and the request's service (`events` for EventBridge
//!   operations, `ecs` for the rest), on any address;
//! - without credentials, any (or no) signature is accepted, and only on a loopback address,
//!   where only local users can connect (as with the native API's socket).

use super::sigv4::{self, Credentials, SignedRequest};
use super::{bounded_body, error_reply};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
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
    let service = signing_service(super::amz_target(&parts.headers));
    match sigv4::verify(&signed, &v.credentials, &v.region, service, SystemTime::now()) {
        Ok(()) => next.run(Request::from_parts(parts, Body::from(body))).await,
        Err(e) => {
            let (status, code) = e.status_and_code();
            tracing::warn!(code, error = %e, "ecs request refused");
            error_reply(status, code, &e.to_string())
        }
    }
}

/// The service a request's signature is scoped to: `events` for EventBridge operations, `ecs`
/// for the rest.
fn signing_service(target: &str) -> &'static str {
    if target.starts_with(crate::api::events::TARGET_PREFIX) {
        crate::api::events::SIGNING_SERVICE
    } else {
        sigv4::SERVICE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Catalog, MemoryStore};
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use tower::ServiceExt;

    /// Sends `ListClusters` to an endpoint that requires `AKID`/`secret` in eu-west-1, signed
    /// with `signer` for `ecs` (unsigned when `None`); returns the status and `__type`.
    async fn list_clusters(signer: Option<&Credentials>) -> (StatusCode, Option<String>) {
        call("AmazonEC2ContainerServiceV20141113.ListClusters", signer, "ecs").await
    }

    /// Sends the operation `target` to that endpoint, signed with `signer` for `service`.
    async fn call(
        target: &'static str,
        signer: Option<&Credentials>,
        service: &str,
    ) -> (StatusCode, Option<String>) {
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
        headers.insert("x-amz-target", HeaderValue::from_static(target));
        if let Some(creds) = signer {
            let signed = SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &headers,
                body,
            };
            let auth = sigv4::authorization(&signed, creds, "eu-west-1", service, &amz_date);
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
    async fn eventbridge_operations_are_signed_for_events_and_ecs_ones_for_ecs() {
        let creds = Credentials::new("AKID", "secret");
        let rules = "AWSEvents.ListRules";
        assert_eq!(call(rules, Some(&creds), "events").await, (StatusCode::OK, None));
        assert_eq!(
            call(rules, Some(&creds), "ecs").await,
            (StatusCode::BAD_REQUEST, Some("InvalidSignatureException".into()))
        );
        assert_eq!(
            call(rules, None, "events").await,
            (
                StatusCode::FORBIDDEN,
                Some("MissingAuthenticationTokenException".into())
            )
        );
        let clusters = "AmazonEC2ContainerServiceV20141113.ListClusters";
        assert_eq!(
            call(clusters, Some(&creds), "events").await,
            (StatusCode::BAD_REQUEST, Some("InvalidSignatureException".into()))
        );
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
