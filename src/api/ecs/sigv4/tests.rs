use super::*;
use axum::http::HeaderValue;

/// The credentials, time and scope of AWS's SigV4 test suite.
const SUITE_KEY: &str = "AKIDEXAMPLE";
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_DATE: &str = "20150830T123600Z";
const SUITE_SCOPE: &str = "20150830/us-east-1/service/aws4_request";

/// A `ListClusters` request boto3 1.44 signed at 2024-05-01T12:00:00Z for eu-west-1 with
/// AKIDECSD / ecsd-example-secret (captured with a `before-send` hook).
const BOTO_SIGNATURE: &str = "ce6e25b53750a6262c480c6588e579d12c7ff7c6e3d48c06bacfab6782f5f89a";
const BOTO_BODY: &[u8] = br#"{"maxResults": 5}"#;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        map.append(name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn request<'a>(method: &'a str, query: &'a str, headers: &'a HeaderMap, body: &'a [u8]) -> SignedRequest<'a> {
    SignedRequest {
        method,
        path: "/",
        query,
        headers,
        body,
    }
}

/// The signature of a test-suite request (service `service`), signing all its headers.
fn suite_signature(req: &SignedRequest<'_>) -> String {
    let mut names: Vec<&str> = req.headers.keys().map(|k| k.as_str()).collect();
    names.sort();
    let canonical = canonical_request(req, &names).unwrap();
    let to_sign = string_to_sign(SUITE_DATE, SUITE_SCOPE, &canonical);
    let key = signing_key(SUITE_SECRET, "20150830", "us-east-1", "service");
    hex::encode(hmac_sha256(&key, to_sign.as_bytes()))
}

#[test]
fn aws_test_suite_vectors_give_the_published_signatures() {
    let plain = headers(&[("host", "example.amazonaws.com"), ("x-amz-date", SUITE_DATE)]);
    let form = headers(&[
        ("content-type", "application/x-www-form-urlencoded"),
        ("host", "example.amazonaws.com"),
        ("x-amz-date", SUITE_DATE),
    ]);
    let vectors = [
        (
            "get-vanilla",
            request("GET", "", &plain, b""),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "post-vanilla",
            request("POST", "", &plain, b""),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        (
            "get-vanilla-query-order-key-case",
            request("GET", "Param2=value2&Param1=value1", &plain, b""),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "post-x-www-form-urlencoded",
            request("POST", "", &form, b"Param1=value1"),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
    ];
    for (name, req, expected) in vectors {
        assert_eq!(suite_signature(&req), expected, "{name}");
    }
}

#[test]
fn the_get_vanilla_canonical_request_string_to_sign_and_header_are_the_published_ones() {
    let plain = headers(&[("host", "example.amazonaws.com"), ("x-amz-date", SUITE_DATE)]);
    let canonical = canonical_request(&request("GET", "", &plain, b""), &["host", "x-amz-date"]).unwrap();
    assert_eq!(
        canonical,
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        string_to_sign(SUITE_DATE, SUITE_SCOPE, &canonical),
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
         bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    );
    let credentials = Credentials::new(SUITE_KEY, SUITE_SECRET);
    let req = request("GET", "", &plain, b"");
    assert_eq!(
        authorization(&req, &credentials, "us-east-1", "service", SUITE_DATE),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

fn boto_headers(authorization: &str) -> HeaderMap {
    headers(&[
        ("host", "127.0.0.1:4000"),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "AmazonEC2ContainerServiceV20141113.ListClusters"),
        ("x-amz-date", "20240501T120000Z"),
        ("user-agent", "Boto3/1.44.5"),
        ("content-length", "17"),
        ("authorization", authorization),
    ])
}

/// `credential` is `KEY/DAY/REGION/SERVICE`.
fn boto_authorization(credential: &str, signature: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={credential}/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}"
    )
}

const BOTO_CREDENTIAL: &str = "AKIDECSD/20240501/eu-west-1/ecs";

fn boto_credentials() -> Credentials {
    Credentials::new("AKIDECSD", "ecsd-example-secret")
}

/// 2024-05-01T12:00:00Z plus `secs`.
fn boto_time(secs: i64) -> SystemTime {
    let signed = parse_amz_date("20240501T120000Z").unwrap();
    if secs >= 0 {
        signed + Duration::from_secs(secs.unsigned_abs())
    } else {
        signed - Duration::from_secs(secs.unsigned_abs())
    }
}

fn verify_boto(
    authorization: &str,
    body: &[u8],
    creds: &Credentials,
    now: SystemTime,
) -> Result<(), SigV4Error> {
    let h = boto_headers(authorization);
    verify(&request("POST", "", &h, body), creds, "eu-west-1", SERVICE, now)
}

#[test]
fn a_request_signed_by_botocore_verifies_within_the_clock_skew_window() {
    let auth = boto_authorization(BOTO_CREDENTIAL, BOTO_SIGNATURE);
    for secs in [-299, 0, 60, 299] {
        assert_eq!(
            verify_boto(&auth, BOTO_BODY, &boto_credentials(), boto_time(secs)),
            Ok(()),
            "{secs}"
        );
    }
}

#[test]
fn a_changed_body_or_a_wrong_secret_does_not_match_the_signature() {
    let auth = boto_authorization(BOTO_CREDENTIAL, BOTO_SIGNATURE);
    let now = boto_time(1);
    let tampered = verify_boto(&auth, br#"{"maxResults": 6}"#, &boto_credentials(), now);
    assert_eq!(tampered, Err(SigV4Error::Mismatch));
    let wrong_secret = Credentials::new("AKIDECSD", "another-secret");
    assert_eq!(
        verify_boto(&auth, BOTO_BODY, &wrong_secret, now),
        Err(SigV4Error::Mismatch)
    );
    let not_hex = boto_authorization(BOTO_CREDENTIAL, "zz");
    assert_eq!(
        verify_boto(&not_hex, BOTO_BODY, &boto_credentials(), now),
        Err(SigV4Error::Mismatch)
    );
    let (status, code) = SigV4Error::Mismatch.status_and_code();
    assert_eq!(
        (status, code),
        (StatusCode::BAD_REQUEST, "InvalidSignatureException")
    );
}

#[test]
fn another_access_key_id_is_an_unrecognized_client() {
    let auth = boto_authorization("AKIDOTHER/20240501/eu-west-1/ecs", BOTO_SIGNATURE);
    let err = verify_boto(&auth, BOTO_BODY, &boto_credentials(), boto_time(1)).unwrap_err();
    assert_eq!(err, SigV4Error::UnknownAccessKey);
    assert_eq!(
        err.status_and_code(),
        (StatusCode::FORBIDDEN, "UnrecognizedClientException")
    );
}

#[test]
fn an_unsigned_request_is_missing_its_authentication_token() {
    let h = headers(&[("host", "127.0.0.1:4000"), ("x-amz-date", "20240501T120000Z")]);
    let err = verify(
        &request("POST", "", &h, b"{}"),
        &boto_credentials(),
        "eu-west-1",
        SERVICE,
        boto_time(0),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "Missing Authentication Token");
    assert_eq!(
        err.status_and_code(),
        (StatusCode::FORBIDDEN, "MissingAuthenticationTokenException")
    );
}

#[test]
fn a_signature_more_than_five_minutes_old_or_early_is_refused_with_the_times() {
    let auth = boto_authorization(BOTO_CREDENTIAL, BOTO_SIGNATURE);
    let late = verify_boto(&auth, BOTO_BODY, &boto_credentials(), boto_time(301)).unwrap_err();
    assert_eq!(
        late.to_string(),
        "Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z \
         (20240501T120501Z - 5 min.)"
    );
    assert_eq!(late.status_and_code().1, "InvalidSignatureException");
    let early = verify_boto(&auth, BOTO_BODY, &boto_credentials(), boto_time(-301)).unwrap_err();
    assert_eq!(
        early.to_string(),
        "Signature not yet current: 20240501T120000Z is still later than 20240501T115959Z \
         (20240501T115459Z + 5 min.)"
    );
}

#[test]
fn a_scope_for_another_region_service_or_day_is_an_invalid_signature() {
    let now = boto_time(1);
    let region = boto_authorization("AKIDECSD/20240501/us-east-1/ecs", BOTO_SIGNATURE);
    let err = verify_boto(&region, BOTO_BODY, &boto_credentials(), now).unwrap_err();
    assert!(err.to_string().contains("not 'us-east-1'"), "{err}");
    assert!(err.to_string().contains("serves 'eu-west-1'"), "{err}");
    assert_eq!(err.status_and_code().1, "InvalidSignatureException");
    let service = boto_authorization("AKIDECSD/20240501/eu-west-1/ec2", BOTO_SIGNATURE);
    let err = verify_boto(&service, BOTO_BODY, &boto_credentials(), now).unwrap_err();
    assert!(err.to_string().contains("correct service: 'ecs'"), "{err}");
    let day = boto_authorization("AKIDECSD/20240502/eu-west-1/ecs", BOTO_SIGNATURE);
    let err = verify_boto(&day, BOTO_BODY, &boto_credentials(), now).unwrap_err();
    assert!(matches!(err, SigV4Error::WrongScope(_)), "{err:?}");
}

#[test]
fn malformed_authorization_headers_are_incomplete_signatures() {
    let now = boto_time(1);
    let malformed = [
        "AWS4-HMAC-SHA1 Credential=AKIDECSD/20240501/eu-west-1/ecs/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIDECSD/20240501/eu-west-1/ecs/aws4_request, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKIDECSD/eu-west-1/ecs/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKIDECSD/20240501/eu-west-1/ecs/aws4_request, \
         SignedHeaders=content-type;x-amz-date, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKIDECSD/20240501/eu-west-1/ecs/aws4_request, \
         SignedHeaders=host;x-amz-date;x-absent, Signature=ab",
    ];
    for auth in malformed {
        let err = verify_boto(auth, BOTO_BODY, &boto_credentials(), now).unwrap_err();
        assert!(matches!(err, SigV4Error::Incomplete(_)), "{auth}: {err:?}");
        assert_eq!(err.status_and_code().1, "IncompleteSignatureException");
    }
    let h = headers(&[
        ("host", "127.0.0.1:4000"),
        (
            "authorization",
            &boto_authorization(BOTO_CREDENTIAL, BOTO_SIGNATURE),
        ),
    ]);
    let undated = verify(
        &request("POST", "", &h, BOTO_BODY),
        &boto_credentials(),
        "eu-west-1",
        SERVICE,
        now,
    );
    assert!(matches!(undated, Err(SigV4Error::Incomplete(m)) if m.contains("X-Amz-Date")));
}

#[test]
fn the_test_signer_round_trips_through_the_verifier() {
    let creds = boto_credentials();
    let mut h = headers(&[("host", "localhost:9"), ("x-amz-date", "20240501T120000Z")]);
    let req = request("POST", "b=2&a=1", &h, b"{}");
    let auth = authorization(&req, &creds, "eu-west-1", "ecs", "20240501T120000Z");
    h.insert("authorization", HeaderValue::from_str(&auth).unwrap());
    assert_eq!(
        verify(
            &request("POST", "b=2&a=1", &h, b"{}"),
            &creds,
            "eu-west-1",
            SERVICE,
            boto_time(0)
        ),
        Ok(())
    );
}

#[test]
fn query_parameters_are_sorted_and_encoded_exactly_once() {
    assert_eq!(canonical_query("b=2&a=1&a%20b=%7e&c"), "a=1&a%20b=~&b=2&c=");
    assert_eq!(canonical_query(""), "");
    assert_eq!(uri_encode(b"/a b/\xe1\x88\xb4", false), "/a%20b/%E1%88%B4");
    assert_eq!(percent_decode("%zz%41"), b"%zzA");
}

#[test]
fn header_values_are_trimmed_and_repeated_headers_joined() {
    let h = headers(&[("my-header", "  a   b  "), ("my-header", "c")]);
    assert_eq!(header_text(&h, "my-header").as_deref(), Some("a b,c"));
    assert_eq!(header_text(&h, "absent"), None);
}

#[test]
fn amz_dates_parse_and_format_in_utc() {
    let t = parse_amz_date(SUITE_DATE).unwrap();
    assert_eq!(
        t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
        1_440_938_160
    );
    assert_eq!(format_amz_date(t), SUITE_DATE);
    for bad in [
        "2015-08-30T12:36:00Z",
        "20150830T123600",
        "20151330T123600Z",
        "2015083aT123600Z",
    ] {
        assert_eq!(parse_amz_date(bad), None, "{bad}");
    }
}

#[test]
fn debug_output_never_shows_the_secret() {
    let shown = format!("{:?}", boto_credentials());
    assert!(
        shown.contains("AKIDECSD") && !shown.contains("ecsd-example-secret"),
        "{shown}"
    );
}

#[test]
fn hmac_follows_rfc_4231_for_short_and_longer_than_block_keys() {
    // RFC 4231 test cases 2 and 6.
    assert_eq!(
        hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hex::encode(hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}
