//! The HTTP/1.1 reverse proxy: routes a request, strips hop-by-hop headers, appends
//! `X-Forwarded-*`, forwards over pooled keep-alive connections, retries an idempotent
//! request whose connection failed before any response once on another target, passes upgrades through, and counts every
//! request in flight on its target until its response body ends. Every request routed to
//! a target group is counted in that pair's traffic with its answer.

use super::Routes;
use super::group::{ActiveGuard, Activity};
use super::rules::{FixedResponse, RouteAction, choose_weighted};
use super::traffic::{ElbError, Forward};
use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, combinators::BoxBody};
use hyper::body::{Body, Incoming};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The body type both directions use.
pub(crate) type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// How long the proxy waits for a target's response headers (ALB's idle timeout).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Request bodies up to this size are buffered so an idempotent request can be retried.
const REPLAYABLE_BODY: u64 = 64 * 1024;

/// Responses to a replayable request with a `Content-Length` up to this size are read whole
/// before the client gets them, so a target that dies mid-body (a killed container) is
/// retried on another instead of handing the client a truncated body.
const BUFFERED_RESPONSE: u64 = 256 * 1024;

/// What every connection of one HTTP listener shares.
#[derive(Clone)]
pub(crate) struct HttpListener {
    /// The routes, swapped by `apply`.
    pub routes: Arc<ArcSwap<Routes>>,
    /// The listener's port, for `X-Forwarded-Port`.
    pub port: u16,
    /// Pooled keep-alive connections to targets.
    pub client: Client<HttpConnector, ProxyBody>,
}

/// A client with keep-alive pools per target address.
pub(crate) fn new_client() -> Client<HttpConnector, ProxyBody> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(5)));
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector)
}

/// Serves one accepted client connection until it closes or `stop` fires.
pub(crate) async fn serve_connection(
    listener: HttpListener,
    stream: tokio::net::TcpStream,
    client_addr: SocketAddr,
    stop: tokio_util::sync::CancellationToken,
) {
    let service = hyper::service::service_fn(move |request| {
        let listener = listener.clone();
        async move { Ok::<_, Infallible>(handle(&listener, request, client_addr).await) }
    });
    // With a timer, hyper closes a connection whose request headers take over 30 s.
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(error = %err, client = %client_addr, "client connection ended");
            }
        }
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Routes and answers one request.
async fn handle(
    listener: &HttpListener,
    mut request: Request<Incoming>,
    client: SocketAddr,
) -> Response<ProxyBody> {
    let routes = listener.routes.load();
    let host = request_host(&request);
    let action = routes.route(host.as_deref(), request.uri().path());
    let to = match action {
        RouteAction::Fixed(fixed) => return fixed_response(fixed),
        RouteAction::Forward(groups) => match choose_weighted(groups, rand::random::<f64>()) {
            Some(to) => to.clone(),
            None => return status(ElbError::ServiceUnavailable.status()),
        },
    };
    drop(routes);
    to.traffic.request();
    let upgrade = wants_upgrade(request.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));
    let (mut parts, body) = request.into_parts();
    prepare_headers(&mut parts.headers, client, listener.port, upgrade);
    let exchange = match replayable_body(&parts.method, body).await {
        Some(body) => forward(listener, &to, parts, body).await,
        None => Err(ElbError::BadRequest),
    };
    let (mut response, guard) = match exchange {
        Ok(pair) => pair,
        Err(error) => {
            to.traffic.elb_response(error);
            return status(error.status());
        }
    };
    if response.status() == StatusCode::SWITCHING_PROTOCOLS
        && let Some(client_upgrade) = client_upgrade
    {
        // Counted as a connection before the request stops counting: no idle gap for a drain.
        let connection = ActiveGuard::new(guard.target().clone(), Activity::Connection);
        tunnel(client_upgrade, hyper::upgrade::on(&mut response), connection);
        return response.map(|_| empty());
    }
    strip_hop_by_hop(response.headers_mut(), false);
    // The guard lives in the body: the request counts in flight until the body ends.
    response.map(|body| {
        body.map_frame(move |frame| {
            let _counted = &guard;
            frame
        })
        .boxed()
    })
}

/// A request body: buffered when small and idempotent (so it can be replayed), else streamed.
enum RequestBody {
    Replayable(Bytes),
    Streamed(Incoming),
}

async fn replayable_body(method: &Method, body: Incoming) -> Option<RequestBody> {
    let small = body.size_hint().upper().is_some_and(|n| n <= REPLAYABLE_BODY);
    if !is_idempotent(method) || !small {
        return Some(RequestBody::Streamed(body));
    }
    let collected = Limited::new(body, REPLAYABLE_BODY as usize)
        .collect()
        .await
        .ok()?;
    Some(RequestBody::Replayable(collected.to_bytes()))
}

/// Sends the request to a target of the group; when a replayable request's connection fails
/// before or during a small response, once more to another target.
async fn forward(
    listener: &HttpListener,
    to: &Forward,
    parts: hyper::http::request::Parts,
    body: RequestBody,
) -> Result<(Response<ProxyBody>, ActiveGuard), ElbError> {
    let group = &to.group;
    let first = group
        .acquire(None, Activity::Request)
        .ok_or(ElbError::ServiceUnavailable)?;
    let failed = first.target().clone();
    let (replay, body) = match body {
        RequestBody::Replayable(bytes) => (Some(bytes.clone()), full(bytes)),
        RequestBody::Streamed(incoming) => (None, incoming.boxed()),
    };
    let failure = match send(listener, to, first, &parts, body).await {
        Ok((response, guard)) if replay.is_some() => match read_small(response).await {
            Some(response) => return Ok((response, guard)),
            None => SendError::Upstream,
        },
        Ok((response, guard)) => return Ok((response.map(BodyExt::boxed), guard)),
        Err(e) => e,
    };
    match failure {
        // A refused connect, a connection that closed before the response began (a killed
        // container's pooled connection) or in the middle of a small body: safe to send an
        // idempotent request again.
        SendError::Connect | SendError::Upstream => {
            let bytes = replay.ok_or(ElbError::BadGateway)?;
            let second = group
                .acquire(Some(&failed), Activity::Request)
                .ok_or(ElbError::BadGateway)?;
            tracing::debug!(target_group = %group.name, failed = %failed.addr, retry = %second.target().addr, "connect failed; retrying");
            send(listener, to, second, &parts, full(bytes))
                .await
                .map(|(response, guard)| (response.map(BodyExt::boxed), guard))
                .map_err(SendError::elb_error)
        }
        SendError::Timeout => Err(ElbError::GatewayTimeout),
    }
}

/// The response with its body read whole when it declares a small `Content-Length`
/// (`None` when the target failed before the body ended); other responses stream.
async fn read_small(response: Response<Incoming>) -> Option<Response<ProxyBody>> {
    let length = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let small = length.is_some_and(|n| n <= BUFFERED_RESPONSE);
    if !small || response.status() == StatusCode::SWITCHING_PROTOCOLS {
        return Some(response.map(BodyExt::boxed));
    }
    let (parts, body) = response.into_parts();
    match tokio::time::timeout(RESPONSE_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => Some(Response::from_parts(parts, full(collected.to_bytes()))),
        _ => None,
    }
}

enum SendError {
    Connect,
    Upstream,
    Timeout,
}

impl SendError {
    fn elb_error(self) -> ElbError {
        match self {
            SendError::Connect | SendError::Upstream => ElbError::BadGateway,
            SendError::Timeout => ElbError::GatewayTimeout,
        }
    }
}

/// Sends the request to the guarded target; its answer (headers) and how long it took, or a
/// failed connection, are counted in the pair's traffic.
async fn send(
    listener: &HttpListener,
    to: &Forward,
    guard: ActiveGuard,
    parts: &hyper::http::request::Parts,
    body: ProxyBody,
) -> Result<(Response<Incoming>, ActiveGuard), SendError> {
    let target = guard.target().clone();
    let mut request = Request::new(body);
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = target_uri(target.addr, &parts.uri).map_err(|_| SendError::Upstream)?;
    *request.headers_mut() = parts.headers.clone();
    let sent = Instant::now();
    match tokio::time::timeout(RESPONSE_TIMEOUT, listener.client.request(request)).await {
        Ok(Ok(response)) => {
            to.traffic.target_response(response.status(), sent.elapsed());
            Ok((response, guard))
        }
        Ok(Err(err)) if err.is_connect() => {
            to.traffic.connection_error();
            Err(SendError::Connect)
        }
        Ok(Err(err)) => {
            tracing::debug!(target = %target.addr, error = %err, "upstream request failed");
            Err(SendError::Upstream)
        }
        Err(_) => Err(SendError::Timeout),
    }
}

fn target_uri(addr: SocketAddr, uri: &Uri) -> Result<Uri, hyper::http::Error> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Uri::builder()
        .scheme("http")
        .authority(addr.to_string())
        .path_and_query(path)
        .build()
}

/// Connects the upgraded client and target connections, counted as a connection on the
/// target and closed when the target's deregistration delay ends.
fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade, connection: ActiveGuard) {
    tokio::spawn(async move {
        let target = connection.target().clone();
        let (Ok(client), Ok(upstream)) = tokio::join!(client, upstream) else {
            return;
        };
        let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
            () = target.closed.cancelled() => {}
        }
    });
}

/// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
];

/// Removes hop-by-hop headers, those `Connection` names among them, and `Upgrade` unless
/// the request upgrades (then `Connection: upgrade` is kept for the target).
pub fn strip_hop_by_hop(headers: &mut HeaderMap, upgrade: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(&[header::UPGRADE]) {
        if !(upgrade && *name == header::UPGRADE) {
            headers.remove(name);
        }
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// Strips hop-by-hop headers and sets `X-Forwarded-For` (appended), `-Proto` and `-Port`.
pub fn prepare_headers(headers: &mut HeaderMap, client: SocketAddr, port: u16, upgrade: bool) {
    strip_hop_by_hop(headers, upgrade);
    let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(previous) => format!("{previous}, {}", client.ip()),
        None => client.ip().to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        headers.insert("x-forwarded-for", value);
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    headers.insert("x-forwarded-port", HeaderValue::from(port));
}

/// Whether the client asks to switch protocols (`Connection: upgrade` and `Upgrade`).
fn wants_upgrade(headers: &HeaderMap) -> bool {
    let connection_upgrade = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade")));
    connection_upgrade && headers.contains_key(header::UPGRADE)
}

/// GET, HEAD, OPTIONS, PUT and DELETE may be sent twice (RFC 9110 §9.2.2).
fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(method)
}

fn request_host(request: &Request<Incoming>) -> Option<String> {
    let header = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    header
        .map(str::to_string)
        .or_else(|| request.uri().host().map(str::to_string))
}

fn fixed_response(fixed: &FixedResponse) -> Response<ProxyBody> {
    let mut response = Response::new(full(Bytes::from(fixed.body.clone())));
    *response.status_mut() = StatusCode::from_u16(fixed.status).unwrap_or(StatusCode::NOT_FOUND);
    if let Ok(value) = HeaderValue::from_str(&fixed.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

fn status(code: StatusCode) -> Response<ProxyBody> {
    let mut response = Response::new(full(Bytes::from(code.canonical_reason().unwrap_or_default())));
    *response.status_mut() = code;
    response
}

fn full(bytes: Bytes) -> ProxyBody {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

fn empty() -> ProxyBody {
    full(Bytes::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_stripped() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-secret"),
            ("keep-alive", "timeout=5"),
            ("x-secret", "1"),
            ("te", "trailers"),
            ("trailer", "x"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("proxy-authorization", "basic x"),
            ("accept", "*/*"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        strip_hop_by_hop(&mut headers, false);
        let left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(left, ["accept"]);
    }

    #[test]
    fn an_upgrade_keeps_its_upgrade_header() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", HeaderValue::from_static("Upgrade"));
        headers.insert("upgrade", HeaderValue::from_static("websocket"));
        assert!(wants_upgrade(&headers));
        strip_hop_by_hop(&mut headers, true);
        assert_eq!(headers["upgrade"], "websocket");
        assert_eq!(headers["connection"], "upgrade");
    }

    #[test]
    fn forwarded_headers_append_the_client_and_name_the_listener() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.7"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        prepare_headers(&mut headers, "192.0.2.1:5555".parse().unwrap(), 8080, false);
        assert_eq!(headers["x-forwarded-for"], "203.0.113.7, 192.0.2.1");
        assert_eq!(headers["x-forwarded-proto"], "http");
        assert_eq!(headers["x-forwarded-port"], "8080");
    }

    #[test]
    fn only_idempotent_methods_are_retried() {
        for method in [
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::PUT,
            Method::DELETE,
        ] {
            assert!(is_idempotent(&method), "{method}");
        }
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
    }
}
