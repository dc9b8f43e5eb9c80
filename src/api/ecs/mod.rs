//! The ECS-compatible endpoint: AWS JSON 1.1 on `POST /` (`X-Amz-Target:
//! AmazonEC2ContainerServiceV20141113.<Op>`), over the same `Catalog` as the native API, so
//! objects made either way appear in both. Requests for EventBridge (`AWSEvents.<Op>`) on the
//! same listener go to `crate::api::events`.
//!
//! `dispatch` maps operation names to one function per operation, grouped by resource in
//! `clusters`, `task_definitions`, `tasks`, `services`, `container_instances`, `attributes`
//! and `tags`; container instances are `crate::fleet`'s view through `crate::ops` (the
//! cluster query language of ListContainerInstances' `filter` is `crate::model::query`);
//! every failure is an `EcsError`. `auth` decides who may call (loopback without
//! credentials, SigV4 by the configured key pair otherwise) and `sigv4` verifies signatures.

mod account_settings;
mod attributes;
mod auth;
mod capacity_providers;
mod clusters;
#[cfg(test)]
pub(crate) mod conformance_tests;
mod container_instances;
mod dispatch;
#[cfg(test)]
mod dispatch_tests;
mod errors;
mod idempotency;
#[cfg(test)]
mod instances_tests;
#[cfg(test)]
mod members_tests;
mod services;
pub(crate) mod sigv4;
mod tags;
mod task_definitions;
mod tasks;

pub use auth::refuse_listen_address;
pub use dispatch::{dispatch, supported_operations};
pub use errors::EcsError;
pub use idempotency::ClientTokens;
pub use sigv4::Credentials;

use super::ApiState;
use super::paging::PageError;
use super::shapes::ArnScope;
use crate::model::DEFAULT_CLUSTER;
use crate::model::limits::MAX_ECS_REQUEST_BYTES;
use crate::store::Catalog;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;

/// `X-Amz-Target` prefix of every ECS operation.
pub const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";

/// The ECS endpoint's default region: the SDKs' usual default.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The ECS endpoint's default account id: LocalStack's.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

/// The ECS endpoint's router, with ARNs in `scope`; with `credentials`, every request must be
/// signed by them (SigV4) for `scope`'s region.
pub fn router(catalog: Catalog, scope: ArnScope, credentials: Option<Credentials>) -> Router {
    let region = scope.region.clone();
    let router = Router::new()
        .route("/", post(handle))
        .with_state(Arc::new(ApiState::new(catalog, scope)));
    match credentials {
        Some(credentials) => auth::require_signatures(router, credentials, &region),
        None => router,
    }
}

/// ARN region and account of the ECS endpoint when none are configured.
pub fn default_scope() -> ArnScope {
    ArnScope {
        region: DEFAULT_REGION.into(),
        account: DEFAULT_ACCOUNT_ID.into(),
    }
}

async fn handle(State(s): State<Arc<ApiState>>, headers: HeaderMap, body: Body) -> Response {
    let body = match bounded_body(body).await {
        Ok(body) => body,
        Err(too_large) => return too_large,
    };
    let target = amz_target(&headers);
    if let Some(op) = target.strip_prefix(crate::api::events::TARGET_PREFIX) {
        return crate::api::events::handle(&s, op, &body);
    }
    let result = match target.strip_prefix(TARGET_PREFIX) {
        Some(op) => match parse_body(&body).and_then(|input| dispatch(&s, op, input)) {
            Ok(output) => settled(&s, op, output, &headers).await,
            Err(e) => Err(e),
        },
        None => Err(EcsError::UnsupportedFeature(format!(
            "missing or foreign X-Amz-Target {target:?}: expected {TARGET_PREFIX}<Operation> (ECS) or {}<Operation> (EventBridge)",
            crate::api::events::TARGET_PREFIX
        ))),
    };
    match result {
        Ok(output) => reply(StatusCode::OK, output),
        Err(e) => {
            let (status, code) = e.status_and_code();
            tracing::debug!(target = %target, code, error = %e, "ecs request failed");
            error_reply(status, code, &e.to_string())
        }
    }
}

/// The request's `X-Amz-Target` (empty when absent): which operation of which API.
pub(super) fn amz_target(headers: &HeaderMap) -> &str {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// How long CreateService and UpdateService wait for the controller to act on the change.
const SETTLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

/// DiscoverPollEndpoint answers with the address the request came to. CreateService and
/// UpdateService answer, as ECS does, with the deployment the change
/// started (its final id and task definition): they wait (at most `SETTLE_LIMIT`) for the
/// controller to act on the new spec, then describe the service again. Other operations'
/// output is returned as it is.
async fn settled(s: &ApiState, op: &str, mut output: Value, headers: &HeaderMap) -> Result<Value, EcsError> {
    if op == "DiscoverPollEndpoint" {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        let endpoint = format!("http://{host}");
        for member in ["endpoint", "telemetryEndpoint", "serviceConnectEndpoint"] {
            output[member] = json!(endpoint);
        }
        return Ok(output);
    }
    if !matches!(op, "CreateService" | "UpdateService") {
        return Ok(output);
    }
    let arn = output["service"]["serviceArn"].as_str().unwrap_or_default();
    let Some((cluster, name)) = arn
        .rsplit_once("service/")
        .and_then(|(_, rest)| rest.split_once('/'))
    else {
        return Ok(output);
    };
    let deadline = tokio::time::Instant::now() + SETTLE_LIMIT;
    while !services::observed(s, cluster, name)? {
        if tokio::time::Instant::now() >= deadline {
            tracing::debug!(cluster, service = name, "answering before the controller acted");
            return Ok(output);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    services::current(s, cluster, name, op == "CreateService")
}

/// The whole request body, or ECS's 413 when it is larger than `MAX_ECS_REQUEST_BYTES`;
/// nothing past that limit is read.
pub(super) async fn bounded_body(body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, MAX_ECS_REQUEST_BYTES)
        .await
        .map_err(|_| {
            let message = format!("request body larger than {MAX_ECS_REQUEST_BYTES} bytes");
            reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"__type": "RequestEntityTooLargeException", "message": message}),
            )
        })
}

fn parse_body(body: &[u8]) -> Result<Value, EcsError> {
    parse_json(body).map_err(|e| EcsError::InvalidParameter(format!("request body is not JSON: {e}")))
}

/// An AWS JSON 1.1 request body; an empty one is an input without members.
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, serde_json::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
}

/// An AWS JSON 1.1 error: the code in `__type`, and the message.
pub(crate) fn error_reply(status: StatusCode, code: &str, message: &str) -> Response {
    reply(status, json!({"__type": code, "message": message}))
}

/// An AWS JSON 1.1 response with a fresh request id.
pub(crate) fn reply(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        headers.insert("x-amzn-RequestId", id);
    }
    response
}

/// A fresh request id in UUID form, as AWS prints them.
fn request_id() -> String {
    let hex = crate::model::new_task_id();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Decodes an operation's input, naming the offending member on failure.
pub(crate) fn input<T: DeserializeOwned>(body: Value) -> Result<T, EcsError> {
    decode(body).map_err(EcsError::InvalidParameter)
}

/// Decodes a document strictly; the error is `<member path>: <what is wrong>`.
pub(crate) fn decode<T: DeserializeOwned>(body: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        format!("{path}: {}", e.into_inner())
    })
}

/// The last segment of an ARN's resource (`…:service/prod/web` → `web`), or `text` itself.
pub(crate) fn short_name(text: &str) -> &str {
    if text.starts_with("arn:") {
        text.rsplit('/').next().unwrap_or(text)
    } else {
        text
    }
}

/// The cluster a request names (name or ARN; `default` when omitted), which must exist.
pub(crate) fn existing_cluster(s: &ApiState, cluster: Option<&str>) -> Result<String, EcsError> {
    let name = short_name(cluster.unwrap_or(DEFAULT_CLUSTER)).to_string();
    if !clusters::is_active(s, &name)? {
        return Err(EcsError::ClusterNotFound("Cluster not found.".into()));
    }
    Ok(name)
}

/// The cluster a read names, which must exist or have been deleted: ECS keeps a deleted
/// cluster addressable (INACTIVE), so describing and listing in it finds what is left
/// instead of failing with ClusterNotFoundException.
pub(crate) fn readable_cluster(s: &ApiState, cluster: Option<&str>) -> Result<String, EcsError> {
    let name = short_name(cluster.unwrap_or(DEFAULT_CLUSTER)).to_string();
    if clusters::is_active(s, &name)? || s.catalog.deleted_cluster(&name)?.is_some() {
        return Ok(name);
    }
    Err(EcsError::ClusterNotFound("Cluster not found.".into()))
}

/// ECS `Failure` for an object that does not exist.
pub(crate) fn missing(arn: &str) -> Value {
    json!({"arn": arn, "reason": "MISSING"})
}

/// One page of `items` from the offset in `next_token`, with the token of the next page.
pub(crate) fn page<T>(
    items: Vec<T>,
    next_token: Option<&str>,
    max_results: Option<u32>,
    default_size: usize,
) -> Result<(Vec<T>, Option<String>), EcsError> {
    crate::api::paging::page(items, next_token, max_results, default_size).map_err(|e| match e {
        PageError::Size(n) => {
            EcsError::InvalidParameter(format!("maxResults must be between 1 and 100, got {n}"))
        }
        PageError::Token => EcsError::InvalidParameter("Invalid nextToken.".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn call(target: &str, body: &'static str) -> (StatusCode, HeaderMap, Value) {
        let state = Arc::new(ApiState::new(
            Catalog::new(Arc::new(crate::store::MemoryStore::new())),
            default_scope(),
        ));
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", HeaderValue::from_str(target).unwrap());
        let response = handle(State(state), headers, Body::from(body)).await;
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn responses_are_aws_json_with_a_request_id_and_an_empty_body_means_no_input() {
        let (status, headers, body) = call(&format!("{TARGET_PREFIX}ListClusters"), "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/x-amz-json-1.1");
        assert_eq!(headers["x-amzn-requestid"].len(), 36);
        assert_eq!(
            body["clusterArns"][0],
            "arn:aws:ecs:us-east-1:000000000000:cluster/default"
        );
    }

    #[tokio::test]
    async fn errors_carry_the_ecs_code_in_type_and_a_message() {
        let (status, headers, body) = call(&format!("{TARGET_PREFIX}CreateCapacityProvider"), "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(headers.contains_key("x-amzn-requestid"));
        assert_eq!(body["__type"], "UnsupportedFeatureException");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("CreateCapacityProvider")
        );
        let (_, _, body) = call("Other.ListClusters", "{}").await;
        assert_eq!(body["__type"], "UnsupportedFeatureException");
        let (status, _, body) = call(&format!("{TARGET_PREFIX}RunTask"), "{not json").await;
        assert_eq!(
            (status, &body["__type"]),
            (StatusCode::BAD_REQUEST, &json!("InvalidParameterException"))
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_with_413_before_it_is_parsed() {
        let big: &'static str = Box::leak("x".repeat(MAX_ECS_REQUEST_BYTES + 1).into_boxed_str());
        let (status, _, body) = call(&format!("{TARGET_PREFIX}ListClusters"), big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["__type"], "RequestEntityTooLargeException");
    }

    #[tokio::test]
    async fn json_nested_deeper_than_serde_allows_is_an_invalid_parameter() {
        let deep: &'static str =
            Box::leak(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_boxed_str());
        let (status, _, body) = call(&format!("{TARGET_PREFIX}RunTask"), deep).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["message"].as_str().unwrap().contains("recursion limit"),
            "{body}"
        );
    }

    #[test]
    fn pages_walk_the_list_with_offset_tokens_until_none_is_left() {
        let items: Vec<u32> = (0..5).collect();
        let (first, token) = page(items.clone(), None, Some(2), 100).unwrap();
        assert_eq!((first, token.as_deref()), (vec![0, 1], Some("2")));
        let (last, token) = page(items.clone(), Some("4"), Some(2), 100).unwrap();
        assert_eq!((last, token), (vec![4], None));
        let (all, token) = page(items, None, None, 100).unwrap();
        assert_eq!((all.len(), token), (5, None));
    }

    #[test]
    fn a_bad_token_or_page_size_is_an_invalid_parameter() {
        let bad = |token: Option<&str>, max| page(vec![1], token, max, 10).unwrap_err().status_and_code();
        assert_eq!(bad(Some("x"), None).1, "InvalidParameterException");
        assert_eq!(bad(None, Some(0)).1, "InvalidParameterException");
        assert_eq!(bad(None, Some(101)).1, "InvalidParameterException");
    }

    #[test]
    fn arns_and_names_both_name_an_object() {
        assert_eq!(short_name("arn:aws:ecs:us-east-1:0:service/prod/web"), "web");
        assert_eq!(short_name("arn:aws:ecs:us-east-1:0:cluster/prod"), "prod");
        assert_eq!(short_name("web"), "web");
    }
}
