//! AWS Signature Version 4 verification of ECS requests (`Authorization: AWS4-HMAC-SHA256 …`),
//! as pure functions over the request's parts, the configured credentials and the time.
//!
//! The steps are AWS's: canonical request, string to sign, signing key (an HMAC-SHA256 chain
//! over date, region and service), signature; the provided signature is compared in constant
//! time. Errors carry the codes and messages AWS JSON services answer with, so SDKs report
//! them as they would against AWS.

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime};

/// The only signing algorithm ECS accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name in an ECS credential scope (EventBridge's is `events`).
pub const SERVICE: &str = "ecs";

/// How far `X-Amz-Date` may be from the server's clock, either way (AWS allows 5 minutes).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The message AWS sends with a signature that does not match.
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
                        Check your AWS Secret Access Key and signing method. Consult the service \
                        documentation for details.";

type HmacSha256 = Hmac<Sha256>;

/// The one static key pair clients must sign with; `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id (`AWS_ACCESS_KEY_ID` on the client side).
    pub access_key_id: String,
    secret_access_key: String,
}

impl Credentials {
    /// A key pair.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// The parts of an HTTP request a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path as received (still percent-encoded).
    pub path: &'a str,
    /// Query string as received, without `?`.
    pub query: &'a str,
    /// All headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// Why a request's signature is refused; the variant decides the `__type` a client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header at all.
    #[error("Missing Authentication Token")]
    MissingAuthentication,
    /// The `Authorization` header or a header it needs is malformed or absent.
    #[error("{0}")]
    Incomplete(String),
    /// The access key id is not the configured one.
    #[error("The security token included in the request is invalid.")]
    UnknownAccessKey,
    /// The credential scope names another region, service, terminator or day.
    #[error("{0}")]
    WrongScope(String),
    /// `X-Amz-Date` is more than `MAX_CLOCK_SKEW` in the past.
    #[error(
        "Signature expired: {signed} is now earlier than {earliest} ({now} - {} min.)",
        skew_minutes()
    )]
    Expired {
        /// `X-Amz-Date`.
        signed: String,
        /// The oldest accepted date.
        earliest: String,
        /// The server's time.
        now: String,
    },
    /// `X-Amz-Date` is more than `MAX_CLOCK_SKEW` in the future.
    #[error(
        "Signature not yet current: {signed} is still later than {latest} ({now} + {} min.)",
        skew_minutes()
    )]
    NotYetCurrent {
        /// `X-Amz-Date`.
        signed: String,
        /// The newest accepted date.
        latest: String,
        /// The server's time.
        now: String,
    },
    /// The signature is not the one the secret gives.
    #[error("{}", MISMATCH)]
    Mismatch,
}

impl SigV4Error {
    /// The HTTP status and the error code (`__type`) AWS JSON services answer with.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            SigV4Error::MissingAuthentication => {
                (StatusCode::FORBIDDEN, "MissingAuthenticationTokenException")
            }
            SigV4Error::Incomplete(_) => (StatusCode::BAD_REQUEST, "IncompleteSignatureException"),
            SigV4Error::UnknownAccessKey => (StatusCode::FORBIDDEN, "UnrecognizedClientException"),
            SigV4Error::WrongScope(_)
            | SigV4Error::Expired { .. }
            | SigV4Error::NotYetCurrent { .. }
            | SigV4Error::Mismatch => (StatusCode::BAD_REQUEST, "InvalidSignatureException"),
        }
    }
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    /// `date/region/service/aws4_request`.
    scope: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

/// Verifies `request` against `credentials`, for `region` and `service`, at `now`.
pub fn verify(
    request: &SignedRequest<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    now: SystemTime,
) -> Result<(), SigV4Error> {
    let header = request
        .headers
        .get("authorization")
        .ok_or(SigV4Error::MissingAuthentication)?
        .to_str()
        .map_err(|_| SigV4Error::Incomplete("Authorization header is not ASCII".into()))?;
    let auth = parse_authorization(header)?;
    if auth.access_key_id != credentials.access_key_id {
        return Err(SigV4Error::UnknownAccessKey);
    }
    check_scope(&auth, region, service)?;
    let amz_date = header_text(request.headers, "x-amz-date").ok_or_else(|| {
        SigV4Error::Incomplete("Authorization header requires existence of a 'X-Amz-Date' header".into())
    })?;
    check_date(&auth, &amz_date, now)?;
    for required in ["host", "x-amz-date"] {
        if !auth.signed_headers.contains(&required) {
            return Err(SigV4Error::Incomplete(format!(
                "SignedHeaders must include '{required}'"
            )));
        }
    }
    let canonical = canonical_request(request, &auth.signed_headers)?;
    let to_sign = string_to_sign(&amz_date, auth.scope, &canonical);
    let key = signing_key(
        &credentials.secret_access_key,
        auth.date,
        auth.region,
        auth.service,
    );
    let provided = hex::decode(auth.signature).map_err(|_| SigV4Error::Mismatch)?;
    let mut mac = hmac(&key);
    mac.update(to_sign.as_bytes());
    mac.verify_slice(&provided).map_err(|_| SigV4Error::Mismatch)
}

/// Parses `AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=HEX`.
fn parse_authorization(header: &str) -> Result<Authorization<'_>, SigV4Error> {
    let (algorithm, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(SigV4Error::Incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}' (expected '{ALGORITHM}')"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature)
    else {
        return Err(SigV4Error::Incomplete(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters".into(),
        ));
    };
    let (access_key_id, scope) = credential.split_once('/').unwrap_or((credential, ""));
    let parts: Vec<&str> = scope.split('/').collect();
    let [date, region, service, terminator] = parts[..] else {
        return Err(SigV4Error::Incomplete(format!(
            "Credential must have the form KEY/YYYYMMDD/REGION/SERVICE/aws4_request, got '{credential}'"
        )));
    };
    if terminator != "aws4_request" {
        return Err(SigV4Error::WrongScope(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    Ok(Authorization {
        access_key_id,
        scope,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

fn skew_minutes() -> u64 {
    MAX_CLOCK_SKEW.as_secs() / 60
}

fn check_scope(auth: &Authorization<'_>, region: &str, service: &str) -> Result<(), SigV4Error> {
    if auth.service != service {
        return Err(SigV4Error::WrongScope(format!(
            "Credential should be scoped to correct service: '{service}', not '{}'.",
            auth.service
        )));
    }
    if auth.region != region {
        return Err(SigV4Error::WrongScope(format!(
            "Credential should be scoped to a valid region, not '{}'. This endpoint serves '{region}'.",
            auth.region
        )));
    }
    Ok(())
}

/// The scope's day must be `X-Amz-Date`'s, and `X-Amz-Date` within `MAX_CLOCK_SKEW` of `now`.
fn check_date(auth: &Authorization<'_>, amz_date: &str, now: SystemTime) -> Result<(), SigV4Error> {
    let signed = parse_amz_date(amz_date).ok_or_else(|| {
        SigV4Error::Incomplete(format!(
            "X-Amz-Date must have the form YYYYMMDD'T'HHMMSS'Z', got '{amz_date}'"
        ))
    })?;
    let day = amz_date.get(..8).unwrap_or_default();
    if auth.date != day {
        return Err(SigV4Error::WrongScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
             '{}' != '{day}', from '{amz_date}'.",
            auth.date
        )));
    }
    if signed + MAX_CLOCK_SKEW < now {
        return Err(SigV4Error::Expired {
            signed: amz_date.to_string(),
            earliest: format_amz_date(now.checked_sub(MAX_CLOCK_SKEW).unwrap_or(SystemTime::UNIX_EPOCH)),
            now: format_amz_date(now),
        });
    }
    if signed > now + MAX_CLOCK_SKEW {
        return Err(SigV4Error::NotYetCurrent {
            signed: amz_date.to_string(),
            latest: format_amz_date(now + MAX_CLOCK_SKEW),
            now: format_amz_date(now),
        });
    }
    Ok(())
}

/// A header's values as one string (several joined with `,`), if present and text.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| trim_all(&String::from_utf8_lossy(v.as_bytes())))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// Trims a header value and collapses each run of spaces into one, as SigV4 asks.
fn trim_all(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED;HEADERS\nHEX(SHA256(BODY))`.
fn canonical_request(request: &SignedRequest<'_>, signed_headers: &[&str]) -> Result<String, SigV4Error> {
    let mut headers = String::new();
    for name in signed_headers {
        let value = header_text(request.headers, name).ok_or_else(|| {
            SigV4Error::Incomplete(format!("signed header '{name}' is missing from the request"))
        })?;
        headers.push_str(&format!("{name}:{value}\n"));
    }
    Ok(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method,
        uri_encode(request.path.as_bytes(), false),
        canonical_query(request.query),
        signed_headers.join(";"),
        sha256_hex(request.body)
    ))
}

/// Query parameters sorted by name then value, each part encoded exactly once.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name), true),
                uri_encode(&percent_decode(value), true),
            )
        })
        .collect();
    pairs.sort();
    let encoded: Vec<String> = pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect();
    encoded.join("&")
}

/// Percent-encodes everything but RFC 3986's unreserved characters (and `/` unless asked).
fn uri_encode(bytes: &[u8], encode_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (b == b'/' && !encode_slash) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; anything malformed stays as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// `AWS4-HMAC-SHA256\nDATE\nSCOPE\nHEX(SHA256(CANONICAL))`.
fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// HMAC-SHA256 chain: `AWS4` + secret → date → region → service → `aws4_request`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

fn hmac(key: &[u8]) -> HmacSha256 {
    // RFC 2104: a key longer than the block is hashed first, then zero-padded to the block;
    // done here so that no key length can fail.
    let mut block = [0u8; HMAC_BLOCK];
    if key.len() > HMAC_BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    HmacSha256::new(&block.into())
}

/// SHA-256's block size in bytes.
const HMAC_BLOCK: usize = 64;

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = hmac(key);
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The instant of an ISO 8601 basic timestamp (`20150830T123600Z`).
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    let digits =
        |range: std::ops::Range<usize>| b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !digits(0..8) || !digits(9..15) {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    humantime::parse_rfc3339(&rfc3339).ok()
}

/// `t` as an ISO 8601 basic timestamp (`20150830T123600Z`).
fn format_amz_date(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace(['-', ':'], "")
}

/// The `Authorization` header value for `request` signed at `amz_date` (which must be among
/// its headers): the client side, for tests of the server side.
#[cfg(test)]
pub(crate) fn authorization(
    request: &SignedRequest<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    let mut names: Vec<String> = request.headers.keys().map(|k| k.as_str().to_string()).collect();
    names.sort();
    names.dedup();
    let signed: Vec<&str> = names.iter().map(String::as_str).collect();
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let canonical = canonical_request(request, &signed).expect("headers are present");
    let key = signing_key(&credentials.secret_access_key, date, region, service);
    let signature = hex::encode(hmac_sha256(
        &key,
        string_to_sign(amz_date, &scope, &canonical).as_bytes(),
    ));
    format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        credentials.access_key_id,
        signed.join(";")
    )
}

#[cfg(test)]
mod tests;
