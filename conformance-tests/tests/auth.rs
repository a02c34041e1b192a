//! Authentication family: V1 and V4 header signatures, dates and skew, STS tokens, presigned URLs
//! (V1 and V4), anonymous access under bucket and object ACLs, and the emulator's strictness
//! switch and frozen clock. Error shapes follow fact sheet §1.1–1.6.

use bytes::Bytes;
use std::time::{Duration, SystemTime};

use conformance_tests::protocol::sign::{self, SignableRequest};
use conformance_tests::protocol::time::{
    format_http_date, format_iso8601, format_v4_datetime, parse_iso8601, truncate_to_seconds,
};
use conformance_tests::{
    assert_error, assert_error_ec, data, get_body, md5_etag, put, service_error, Client, Config, Method, ServiceError,
    SignatureVersion, Target,
};
use oss_client::{
    Credentials as Keys, ErrorSource, GetObjectOptions, ListBucketsOptions, PresignRequest, PutObjectOptions,
};
use oss_emulator::AuthMode;

const EXPIRED: &str = "Request has expired.";
const NEEDS_DATE: &str = "OSS authentication requires a valid Date.";

fn get_opts() -> GetObjectOptions {
    GetObjectOptions::default()
}

fn put_opts() -> PutObjectOptions {
    PutObjectOptions::default()
}

fn keys(target: &Target) -> Keys {
    Keys::new(&target.primary.access_key_id, &target.primary.access_key_secret)
}

fn wrong_secret(target: &Target) -> Keys {
    Keys::new(&target.primary.access_key_id, "definitely-not-the-secret")
}

/// A region other than the target's, for V4 scopes that must not match.
fn foreign_region(target: &Target) -> &'static str {
    if target.region == "cn-shanghai" {
        "cn-beijing"
    } else {
        "cn-shanghai"
    }
}

/// A plain HTTP client for presigned URLs (no proxy towards the local emulator).
fn http(target: &Target) -> reqwest::Client {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let builder = if target.is_local_endpoint() { builder.no_proxy() } else { builder };
    builder.build().expect("HTTP client")
}

struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
}

impl Raw {
    fn error(self) -> ServiceError {
        ServiceError::from_parts(reqwest::StatusCode::from_u16(self.status).unwrap(), self.headers, self.body)
    }
}

async fn fetch(target: &Target, method: Method, url: &str, body: Option<Vec<u8>>) -> Raw {
    let mut req = http(target).request(method, url);
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body");
    Raw { status, headers, body }
}

/// `<StringToSignBytes>`: two-digit uppercase hex per byte, space separated, decoding to exactly
/// the `<StringToSign>` (fact sheet §1.1: `50 55 54 0A …`).
#[track_caller]
fn assert_string_to_sign_bytes(err: &ServiceError, string_to_sign: &str) {
    let field = err.extra("StringToSignBytes").expect("<StringToSignBytes>");
    let decoded: Vec<u8> = field
        .split_whitespace()
        .map(|pair| {
            assert!(
                pair.len() == 2 && pair.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
                "StringToSignBytes item {pair:?} is not two uppercase hex digits"
            );
            u8::from_str_radix(pair, 16).unwrap()
        })
        .collect();
    assert_eq!(decoded, string_to_sign.as_bytes(), "StringToSignBytes must spell StringToSign");
}

/// The signature part of an Authorization value (`OSS ak:sig` or `…,Signature=hex`).
fn provided_signature(authorization: &str) -> &str {
    match authorization.rsplit_once("Signature=") {
        Some((_, sig)) => sig,
        None => authorization.rsplit_once(':').map(|(_, s)| s).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// Accepted signatures

#[tokio::test]
async fn v1_and_v4_header_signatures_are_accepted() {
    let target = Target::start().await;
    let bucket = target.bucket("sigok").await;
    let (v1, v4) = (target.client_v1(), target.client());
    let body = data(3000, 1);
    let put1 = v1.put_object(&bucket.name, "v1/obj", body.clone(), &put_opts()).await.expect("V1 PutObject");
    assert_eq!(put1.status, 200);
    assert_eq!(put1.etag(), Some(md5_etag(&body).as_str()));
    assert_eq!(get_body(&v4, &bucket.name, "v1/obj").await, body, "V4 reads what V1 wrote");
    put(&v4, &bucket.name, "v4/obj", b"four").await;
    assert_eq!(get_body(&v1, &bucket.name, "v4/obj").await, b"four");
    // Sub-resources are signed too (?acl on bucket and object).
    assert_eq!(v1.get_bucket_acl(&bucket.name).await.expect("V1 GetBucketAcl").access_control_list.grant, "private");
    assert_eq!(v4.get_object_acl(&bucket.name, "v1/obj", None).await.expect("V4 GetObjectAcl").status, 200);
    // A V4 request declaring Host as an additional header.
    let resp = v4
        .request(Method::GET, Some(&bucket.name), Some("v4/obj"))
        .additional_headers(["host"])
        .send()
        .await
        .expect("V4 with AdditionalHeaders=host");
    assert_eq!(resp.body.as_ref(), b"four");
}

/// oss2 (Python v1) writes `Credential=…, Signature=…, AdditionalHeaders=…` with spaces; the Go
/// and V2 SDKs write `,` alone. Both spellings of the same signature are accepted.
#[tokio::test]
async fn v4_authorization_accepts_comma_space_separators_and_any_order() {
    let target = Target::start().await;
    let bucket = target.bucket("v4sep").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"separators").await;
    let now = SystemTime::now();
    let prepared = client
        .request(Method::GET, Some(&bucket.name), Some("k"))
        .date(now)
        .additional_headers(["host"])
        .prepare()
        .expect("prepare");
    // Recompute the signature independently from what is about to be sent.
    let signable = SignableRequest {
        method: "GET",
        bucket: Some(&bucket.name),
        key: Some("k"),
        query: &[],
        headers: &prepared.headers,
    };
    let datetime = prepared.header("x-oss-date").expect("x-oss-date").to_owned();
    let by_hand =
        sign::sign_v4_header(&signable, &keys(&target), &target.region, "oss", &datetime, &["host".to_owned()]);
    assert_eq!(prepared.header("authorization"), Some(by_hand.as_str()), "client and oss_protocol::sign agree");
    let auth = sign::parse_v4_authorization(&by_hand).expect("parsable");
    let scope = sign::v4_scope(&datetime[..8], &target.region, "oss");
    let credential = format!("{}/{scope}", auth.access_key_id);
    let spellings = [
        format!("OSS4-HMAC-SHA256 Credential={credential}, AdditionalHeaders=host, Signature={}", auth.signature),
        format!("OSS4-HMAC-SHA256 Credential={credential}, Signature={}, AdditionalHeaders=host", auth.signature),
        format!("OSS4-HMAC-SHA256 Credential={credential},AdditionalHeaders=host,Signature={}", auth.signature),
    ];
    for authorization in spellings {
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .date(now)
            .additional_headers(["host"])
            .header("authorization", authorization.clone())
            .send_raw()
            .await
            .expect("send");
        assert_eq!(resp.status, 200, "{authorization}: {}", resp.text());
        assert_eq!(resp.body.as_ref(), b"separators");
    }
}

/// ali-oss sends no `Date`, only an RFC 1123 `x-oss-date`, and signs that value in the V1 date slot.
#[tokio::test]
async fn v1_with_only_x_oss_date_is_accepted() {
    let target = Target::start().await;
    let bucket = target.bucket("xossdate").await;
    let v1 = target.client_v1();
    put(&v1, &bucket.name, "k", b"ali-oss").await;
    let date = format_http_date(SystemTime::now());
    let headers = vec![("x-oss-date".to_owned(), date.clone())];
    let signable =
        SignableRequest { method: "GET", bucket: Some(&bucket.name), key: Some("k"), query: &[], headers: &headers };
    let authorization = sign::sign_v1_header(&signable, &keys(&target), &date);
    let prepared = v1
        .request(Method::GET, Some(&bucket.name), Some("k"))
        .header("x-oss-date", date.clone())
        .header("authorization", authorization)
        .without_header("date")
        .prepare()
        .expect("prepare");
    assert_eq!(prepared.header("date"), None);
    let resp = prepared.send_raw().await.expect("send");
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.body.as_ref(), b"ali-oss");
}

/// `x-oss-security-token` is an `x-oss-*` header: sent and signed (V1 and V4), and tampering with
/// it after signing breaks the signature. Real OSS checks the token against STS, so this runs on
/// the emulator only.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "real OSS checks the token against STS")]
async fn security_token_header_is_accepted_and_signed() {
    let target = Target::start().await;
    target.require_emulator();
    let bucket = target.bucket("sts").await;
    put(&target.client(), &bucket.name, "k", b"token").await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let config = Config::new(&target.endpoint, &target.region)
            .credentials(&target.primary.access_key_id, &target.primary.access_key_secret)
            .security_token("sts-token-value")
            .signature(version);
        let client = Client::new(config).expect("client");
        let prepared = client.request(Method::GET, Some(&bucket.name), Some("k")).prepare().expect("prepare");
        assert_eq!(prepared.header("x-oss-security-token"), Some("sts-token-value"));
        let signed_text = match version {
            SignatureVersion::V1 => prepared.string_to_sign.clone().unwrap(),
            SignatureVersion::V4 => {
                let signable = SignableRequest {
                    method: "GET",
                    bucket: Some(&bucket.name),
                    key: Some("k"),
                    query: &[],
                    headers: &prepared.headers,
                };
                sign::v4_canonical_request(&signable, &[], sign::UNSIGNED_PAYLOAD, None)
            }
        };
        assert!(signed_text.contains("x-oss-security-token:sts-token-value\n"), "{version:?} signs the token");
        let resp = prepared.send_raw().await.expect("send");
        assert_eq!(resp.status, 200, "{version:?}: {}", resp.text());
        assert_eq!(resp.body.as_ref(), b"token");
        // The token swapped after signing: same clock, same Authorization, another token.
        let t = SystemTime::now();
        let signed = client.request(Method::GET, Some(&bucket.name), Some("k")).date(t).prepare().expect("prepare");
        let authorization = signed.header("authorization").expect("authorization").to_owned();
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .date(t)
            .header("x-oss-security-token", "another-token")
            .header("authorization", authorization)
            .send_raw()
            .await
            .expect("send");
        let ec = if version == SignatureVersion::V1 { "0002-00000040" } else { "0002-00000201" };
        assert_error_ec(&resp.into_service_error(), 403, "SignatureDoesNotMatch", ec);
    }
}

// ---------------------------------------------------------------------------------------------
// Signature errors

#[tokio::test]
async fn unknown_access_key_is_invalid_access_key_id() {
    let target = Target::start().await;
    let bucket = target.bucket("unknownak").await;
    let stranger = Keys::new("NoSuchAccessKey0123456789", "whatever-secret");
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let resp = target
            .client()
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .signature_version(version)
            .credentials(Some(stranger.clone()))
            .send_raw()
            .await
            .expect("send");
        let err = resp.into_service_error();
        assert_error_ec(&err, 403, "InvalidAccessKeyId", "0002-00000902");
        assert_eq!(err.message, "The OSS Access Key Id you provided does not exist in our records.", "{version:?}");
        assert_eq!(err.extra("OSSAccessKeyId"), Some("NoSuchAccessKey0123456789"), "{version:?}");
        assert_eq!(err.header("x-oss-ec"), Some("0002-00000902"));
    }
}

#[tokio::test]
async fn wrong_secret_v1_reports_the_string_to_sign() {
    let target = Target::start().await;
    let bucket = target.bucket("badsecret1").await;
    let t = SystemTime::now();
    let prepared = target
        .client_v1()
        .request(Method::PUT, Some(&bucket.name), Some("dir/a b+c.txt"))
        .date(t)
        .query("acl", "")
        .header("x-oss-object-acl", "private")
        .header("content-type", "text/plain")
        .header("x-oss-meta-Owner", "alice")
        .credentials(Some(wrong_secret(&target)))
        .prepare()
        .expect("prepare");
    let sts = prepared.string_to_sign.clone().expect("string to sign");
    let expected = format!(
        "PUT\n\ntext/plain\n{}\nx-oss-meta-owner:alice\nx-oss-object-acl:private\n/{}/dir/a b+c.txt?acl",
        format_http_date(t),
        bucket.name
    );
    assert_eq!(sts, expected, "the client signs the documented V1 string");
    let authorization = prepared.header("authorization").expect("authorization").to_owned();
    let err = prepared.send_raw().await.expect("send").into_service_error();
    assert_error_ec(&err, 403, "SignatureDoesNotMatch", "0002-00000040");
    assert_eq!(
        err.message,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    );
    assert_eq!(err.extra("OSSAccessKeyId"), Some(target.primary.access_key_id.as_str()));
    assert_eq!(err.extra("SignatureProvided"), Some(provided_signature(&authorization)));
    assert_eq!(err.extra("StringToSign"), Some(sts.as_str()), "the server's string to sign is the client's");
    assert_string_to_sign_bytes(&err, &sts);
    // HEAD has no body: the same document travels base64-encoded in x-oss-err.
    put(&target.client(), &bucket.name, "k", b"x").await;
    let resp = target
        .client_v1()
        .request(Method::HEAD, Some(&bucket.name), Some("k"))
        .credentials(Some(wrong_secret(&target)))
        .send_raw()
        .await
        .expect("send");
    assert!(resp.body.is_empty());
    let err = resp.into_service_error();
    assert_eq!(err.source, ErrorSource::ErrHeader);
    assert_error_ec(&err, 403, "SignatureDoesNotMatch", "0002-00000040");
    assert!(err.extra("StringToSign").is_some_and(|s| s.starts_with("HEAD\n")));
}

#[tokio::test]
async fn wrong_secret_v4_reports_the_string_to_sign() {
    let target = Target::start().await;
    let bucket = target.bucket("badsecret4").await;
    let prepared = target
        .client()
        .request(Method::GET, Some(&bucket.name), Some("dir/a b+c.txt"))
        .query("acl", "")
        .query("prefix", "p q")
        .credentials(Some(wrong_secret(&target)))
        .prepare()
        .expect("prepare");
    let sts = prepared.string_to_sign.clone().expect("string to sign");
    assert!(sts.starts_with("OSS4-HMAC-SHA256\n"), "{sts}");
    let authorization = prepared.header("authorization").expect("authorization").to_owned();
    let err = prepared.send_raw().await.expect("send").into_service_error();
    assert_error_ec(&err, 403, "SignatureDoesNotMatch", "0002-00000201");
    assert_eq!(err.extra("OSSAccessKeyId"), Some(target.primary.access_key_id.as_str()));
    assert_eq!(err.extra("SignatureProvided"), Some(provided_signature(&authorization)));
    assert_eq!(err.extra("StringToSign"), Some(sts.as_str()));
    assert_string_to_sign_bytes(&err, &sts);
}

/// A header added after signing changes what the server signs.
#[tokio::test]
async fn header_added_after_signing_is_signature_does_not_match() {
    let target = Target::start().await;
    let bucket = target.bucket("tamper").await;
    for (version, ec) in [(SignatureVersion::V1, "0002-00000040"), (SignatureVersion::V4, "0002-00000201")] {
        let prepared = target
            .client()
            .request(Method::PUT, Some(&bucket.name), Some("k"))
            .signature_version(version)
            .body(&b"payload"[..])
            .unsigned_header("x-oss-meta-extra", "1")
            .prepare()
            .expect("prepare");
        let client_sts = prepared.string_to_sign.clone().expect("string to sign");
        assert!(!client_sts.contains("x-oss-meta-extra"));
        let err = prepared.send_raw().await.expect("send").into_service_error();
        assert_error_ec(&err, 403, "SignatureDoesNotMatch", ec);
        let server_sts = err.extra("StringToSign").expect("<StringToSign>");
        assert_ne!(server_sts, client_sts, "{version:?}");
        if version == SignatureVersion::V1 {
            assert!(server_sts.contains("x-oss-meta-extra:1\n"), "{server_sts}");
        }
        if let Some(canonical) = err.extra("CanonicalRequest") {
            assert!(canonical.contains("x-oss-meta-extra:1\n"), "{canonical}");
        }
    }
    // Nothing was stored.
    let err = service_error(target.client().head_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 404, "NoSuchKey");
}

// ---------------------------------------------------------------------------------------------
// Dates and skew

#[tokio::test]
async fn missing_date_is_access_denied() {
    let target = Target::start().await;
    let bucket = target.bucket("nodate").await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let resp = target
            .client()
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .signature_version(version)
            .without_header("date")
            .without_header("x-oss-date")
            .send_raw()
            .await
            .expect("send");
        let err = resp.into_service_error();
        assert_error_ec(&err, 403, "AccessDenied", "0002-00000503");
        assert_eq!(err.message, NEEDS_DATE, "{version:?}");
    }
}

#[tokio::test]
async fn malformed_date_is_access_denied() {
    let target = Target::start().await;
    let bucket = target.bucket("baddate").await;
    let resp = target
        .client_v1()
        .request(Method::GET, Some(&bucket.name), Some("k"))
        .header("date", "yesterday at noon")
        .send_raw()
        .await
        .expect("send");
    let err = resp.into_service_error();
    assert_error_ec(&err, 403, "AccessDenied", "0002-00000502");
    assert_eq!(err.message, NEEDS_DATE);
    // V4: the right day, but not YYYYMMDDTHHMMSSZ.
    let malformed = format_v4_datetime(SystemTime::now()).trim_end_matches('Z').to_owned();
    let resp = target
        .client()
        .request(Method::GET, Some(&bucket.name), Some("k"))
        .header("x-oss-date", malformed)
        .send_raw()
        .await
        .expect("send");
    let err = resp.into_service_error();
    assert_error_ec(&err, 403, "AccessDenied", "0002-00000502");
    assert_eq!(err.message, NEEDS_DATE);
}

#[tokio::test]
async fn clock_skew_over_fifteen_minutes_is_rejected_both_ways() {
    let target = Target::start().await;
    let bucket = target.bucket("skew").await;
    let client = target.client();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        for offset in [-16 * 60i64, 16 * 60] {
            let now = SystemTime::now();
            let request_time = if offset < 0 {
                now - Duration::from_secs(offset.unsigned_abs())
            } else {
                now + Duration::from_secs(offset as u64)
            };
            let resp = client
                .request(Method::GET, Some(&bucket.name), None)
                .query("acl", "")
                .signature_version(version)
                .date(request_time)
                .send_raw()
                .await
                .expect("send");
            let err = resp.into_service_error();
            assert_error_ec(&err, 403, "RequestTimeTooSkewed", "0002-00000504");
            assert_eq!(
                err.message, "The difference between the request time and the current time is too large.",
                "{version:?} {offset}"
            );
            assert_eq!(err.extra("MaxAllowedSkewMilliseconds"), Some("900000"));
            let sent = err.extra("RequestTime").and_then(parse_iso8601).expect("<RequestTime> ISO-8601");
            assert_eq!(sent, truncate_to_seconds(request_time), "{version:?} {offset}: RequestTime");
            let server = err.extra("ServerTime").expect("<ServerTime>");
            assert!(server.len() == 24 && server.ends_with('Z'), "ServerTime {server:?} is yyyy-MM-ddTHH:mm:ss.SSSZ");
            let server = parse_iso8601(server).expect("<ServerTime> ISO-8601");
            let drift = server.duration_since(now).unwrap_or_else(|e| e.duration());
            assert!(drift < Duration::from_secs(60), "ServerTime is the server's now");
        }
    }
}

#[tokio::test]
async fn clock_skew_of_fourteen_minutes_is_accepted() {
    let target = Target::start().await;
    let bucket = target.bucket("skewok").await;
    let client = target.client();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        for request_time in
            [SystemTime::now() - Duration::from_secs(14 * 60), SystemTime::now() + Duration::from_secs(14 * 60)]
        {
            let resp = client
                .request(Method::GET, Some(&bucket.name), None)
                .query("acl", "")
                .signature_version(version)
                .date(request_time)
                .send_raw()
                .await
                .expect("send");
            assert_eq!(resp.status, 200, "{version:?}: {}", resp.text());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed Authorization, V4 scope

#[tokio::test]
async fn malformed_authorization_is_invalid_argument() {
    let target = Target::start().await;
    let bucket = target.bucket("badauth").await;
    let ak = &target.primary.access_key_id;
    let date = format_v4_datetime(SystemTime::now());
    let cases = [
        format!("OSS {ak}"),
        "OSS :c2lnbmF0dXJl".to_owned(),
        format!("OSS {ak}:"),
        "Bearer abcdef".to_owned(),
        // V4 without Signature.
        format!("OSS4-HMAC-SHA256 Credential={ak}/{}/{}/oss/aliyun_v4_request", &date[..8], target.region),
        // V4 with an unknown field.
        format!(
            "OSS4-HMAC-SHA256 Credential={ak}/{}/{}/oss/aliyun_v4_request,SignedHeaders=host,Signature={}",
            &date[..8],
            target.region,
            "0".repeat(64)
        ),
    ];
    for authorization in cases {
        let resp = target
            .client()
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .header("authorization", authorization.clone())
            .send_raw()
            .await
            .expect("send");
        let err = resp.into_service_error();
        assert_error(&err, 400, "InvalidArgument");
        if authorization.starts_with("OSS4-HMAC-SHA256") {
            assert_eq!(err.ec.as_deref(), Some("0002-00000202"), "{authorization}");
        }
    }
}

#[tokio::test]
async fn v4_scope_with_another_region_is_invalid_argument() {
    let target = Target::start().await;
    let bucket = target.bucket("scoperegion").await;
    put(&target.client(), &bucket.name, "k", b"x").await;
    let resp = target
        .client()
        .request(Method::GET, Some(&bucket.name), Some("k"))
        .region(foreign_region(&target))
        .send_raw()
        .await
        .expect("send");
    let err = resp.into_service_error();
    assert_error(&err, 400, "InvalidArgument");
    let ec = err.ec.as_deref().unwrap_or_default();
    assert!(ec == "0002-00000228" || ec == "0002-00000226", "EC {ec:?}");
}

#[tokio::test]
async fn v4_scope_with_another_product_is_invalid_argument() {
    let target = Target::start().await;
    let bucket = target.bucket("scopeproduct").await;
    let config = Config::new(&target.endpoint, &target.region)
        .credentials(&target.primary.access_key_id, &target.primary.access_key_secret)
        .product("s3");
    let client = Client::new(config).expect("client");
    let prepared = client.request(Method::GET, Some(&bucket.name), Some("k")).prepare().expect("prepare");
    assert!(prepared.header("authorization").unwrap().contains(&format!("/{}/s3/aliyun_v4_request", target.region)));
    let err = prepared.send_raw().await.expect("send").into_service_error();
    assert_error_ec(&err, 400, "InvalidArgument", "0002-00000227");
    assert_eq!(err.message, "Invalid signing product in Authorization header.");
}

/// SDKs always send `x-oss-content-sha256: UNSIGNED-PAYLOAD`; any other value is refused.
#[tokio::test]
async fn v4_content_sha256_other_than_unsigned_payload_is_refused() {
    let target = Target::start().await;
    let bucket = target.bucket("sha256").await;
    // The true SHA-256 of the (empty) body, as S3 clients would send it.
    let empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let resp = target
        .client()
        .request(Method::PUT, Some(&bucket.name), Some("k"))
        .header("x-oss-content-sha256", empty_sha256)
        .send_raw()
        .await
        .expect("send");
    let err = resp.into_service_error();
    assert_error_ec(&err, 400, "InvalidArgument", "0002-00000214");
    let err = service_error(target.client().head_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 404, "NoSuchKey");
}

// ---------------------------------------------------------------------------------------------
// Presigned URLs

#[tokio::test]
async fn presigned_get_and_put_work_in_v1_and_v4() {
    let target = Target::start().await;
    let bucket = target.bucket("presign").await;
    let client = target.client();
    for (version, tag) in [(SignatureVersion::V1, "v1"), (SignatureVersion::V4, "v4")] {
        let key = format!("{tag}/a b+c.bin");
        let body = data(5000, if tag == "v1" { 11 } else { 12 });
        let mut req = PresignRequest::new(Method::PUT, Some(&bucket.name), Some(&key), Duration::from_secs(300));
        req.signature = Some(version);
        let url = client.presign_request(&req).expect("presign PUT");
        if version == SignatureVersion::V1 {
            assert!(url.contains("OSSAccessKeyId=") && url.contains("Signature="), "{url}");
        } else {
            assert!(url.contains("x-oss-signature-version=OSS4-HMAC-SHA256") && url.contains("x-oss-signature="));
        }
        let resp = fetch(&target, Method::PUT, &url, Some(body.clone())).await;
        assert_eq!(resp.status, 200, "{tag} presigned PUT: {:?}", resp.body);
        assert_eq!(resp.headers.get("etag").and_then(|v| v.to_str().ok()), Some(md5_etag(&body).as_str()));
        assert_eq!(get_body(&client, &bucket.name, &key).await, body, "{tag}: stored by the presigned PUT");

        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some(&key), Duration::from_secs(300));
        req.signature = Some(version);
        let url = client.presign_request(&req).expect("presign GET");
        let resp = fetch(&target, Method::GET, &url, None).await;
        assert_eq!(resp.status, 200, "{tag} presigned GET");
        assert_eq!(resp.body.as_ref(), body.as_slice());
        // A presigned URL with a sub-resource in its signature.
        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some(&key), Duration::from_secs(300));
        req.signature = Some(version);
        req.query.push(("response-content-type".into(), "text/x-test".into()));
        let url = client.presign_request(&req).expect("presign GET with override");
        let resp = fetch(&target, Method::GET, &url, None).await;
        assert_eq!(resp.status, 200, "{tag} presigned GET with response-content-type");
        assert_eq!(resp.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/x-test"));
    }
}

#[tokio::test]
async fn tampered_presigned_urls_are_signature_does_not_match() {
    let target = Target::start().await;
    let bucket = target.bucket("presigntamper").await;
    let client = target.client();
    put(&client, &bucket.name, "signed-key", b"a").await;
    put(&client, &bucket.name, "other-key", b"b").await;
    for (version, ec) in [(SignatureVersion::V1, "0002-00000040"), (SignatureVersion::V4, "0002-00000201")] {
        let mut req =
            PresignRequest::new(Method::GET, Some(&bucket.name), Some("signed-key"), Duration::from_secs(300));
        req.signature = Some(version);
        let url = client.presign_request(&req).expect("presign");
        // Another object with the same signature.
        let moved = url.replacen("/signed-key?", "/other-key?", 1);
        assert_ne!(moved, url);
        let err = fetch(&target, Method::GET, &moved, None).await.error();
        assert_error_ec(&err, 403, "SignatureDoesNotMatch", ec);
        assert!(err.extra("StringToSign").is_some(), "{version:?}: <StringToSign>");
        // The same object with another method.
        let err = fetch(&target, Method::DELETE, &url, None).await.error();
        assert_error_ec(&err, 403, "SignatureDoesNotMatch", ec);
    }
    assert_eq!(get_body(&client, &bucket.name, "signed-key").await, b"a", "the DELETE did nothing");
}

#[tokio::test]
async fn expired_presigned_urls_are_access_denied() {
    let target = Target::start().await;
    let bucket = target.bucket("presignexp").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"old").await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(60));
        req.signature = Some(version);
        req.time = Some(SystemTime::now() - Duration::from_secs(3600));
        let url = client.presign_request(&req).expect("presign");
        let err = fetch(&target, Method::GET, &url, None).await.error();
        assert_error_ec(&err, 403, "AccessDenied", "0002-00000069");
        assert_eq!(err.message, EXPIRED, "{version:?}");
        // V1 checks expiry before the signature: a tampered, expired URL is still "expired".
        if version == SignatureVersion::V1 {
            let tampered = url.replacen("/k?", "/zz?", 1);
            let err = fetch(&target, Method::GET, &tampered, None).await.error();
            assert_error_ec(&err, 403, "AccessDenied", "0002-00000069");
        }
    }
}

/// A V4 URL whose validity starts beyond the allowed clock skew is not valid yet.
#[tokio::test]
async fn v4_presigned_urls_from_the_future_are_refused() {
    let target = Target::start().await;
    let bucket = target.bucket("presignfut").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"soon").await;
    let url_at = |offset: Duration| {
        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(3600));
        req.signature = Some(SignatureVersion::V4);
        req.time = Some(SystemTime::now() + offset);
        client.presign_request(&req).expect("presign")
    };
    let err = fetch(&target, Method::GET, &url_at(Duration::from_secs(3600)), None).await.error();
    assert_error_ec(&err, 403, "AccessDenied", "0002-00000235");
    let near = fetch(&target, Method::GET, &url_at(Duration::from_secs(60)), None).await;
    assert_eq!(near.status, 200, "a minute ahead is within the skew");
}

#[tokio::test]
async fn v1_presign_with_missing_parameters_is_access_denied() {
    let target = Target::start().await;
    let bucket = target.bucket("presignmiss").await;
    let client = target.client_v1();
    put(&client, &bucket.name, "k", b"x").await;
    let url = client.presign(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(300), &[], &[]).unwrap();
    let (base, query) = url.split_once('?').expect("query");
    for drop in ["Signature", "Expires", "OSSAccessKeyId"] {
        let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with(&format!("{drop}="))).collect();
        assert_eq!(kept.len(), 2);
        let err = fetch(&target, Method::GET, &format!("{base}?{}", kept.join("&")), None).await.error();
        assert_error_ec(&err, 403, "AccessDenied", "0002-00000067");
        assert_eq!(
            err.message, "Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters",
            "without {drop}"
        );
    }
    // Present but empty, and not a number.
    let with_expires = |value: &str| {
        let pairs: Vec<String> = query
            .split('&')
            .map(|p| if p.starts_with("Expires=") { format!("Expires={value}") } else { p.to_owned() })
            .collect();
        format!("{base}?{}", pairs.join("&"))
    };
    let err = fetch(&target, Method::GET, &with_expires(""), None).await.error();
    assert_error_ec(&err, 403, "AccessDenied", "0002-00000068");
    let err = fetch(&target, Method::GET, &with_expires("tomorrow"), None).await.error();
    assert_error_ec(&err, 403, "AccessDenied", "0002-00000070");
    assert_eq!(err.message, "Invalid date (should be seconds since epoch).");
    // A repeated parameter: the first one counts.
    let resp = fetch(&target, Method::GET, &format!("{url}&Expires=1"), None).await;
    assert_eq!(resp.status, 200, "the first Expires wins: {:?}", resp.body);
    assert_eq!(resp.body.as_ref(), b"x");
}

#[tokio::test]
async fn signature_in_both_url_and_header_is_invalid_argument() {
    let target = Target::start().await;
    let bucket = target.bucket("twoauth").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"x").await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(300));
        req.signature = Some(version);
        let url = client.presign_request(&req).expect("presign");
        let query = url.split_once('?').expect("query").1.to_owned();
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .signature_version(version)
            .raw_query(query)
            .send_raw()
            .await
            .expect("send");
        assert_error(&resp.into_service_error(), 400, "InvalidArgument");
    }
}

// ---------------------------------------------------------------------------------------------
// Anonymous access

#[tokio::test]
async fn anonymous_is_denied_on_private_buckets() {
    let target = Target::start().await;
    let bucket = target.bucket("anonpriv").await;
    put(&target.client(), &bucket.name, "k", b"secret").await;
    let anonymous = target.anonymous();
    let err = service_error(anonymous.get_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.message, "You have no right to access this object because of bucket acl.");
    let err = service_error(anonymous.head_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(anonymous.put_object(&bucket.name, "k", &b"evil"[..], &put_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(anonymous.delete_object(&bucket.name, "k").await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(get_body(&target.client(), &bucket.name, "k").await, b"secret");
}

#[tokio::test]
async fn anonymous_reads_public_read_buckets_but_cannot_write() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket_with(&client, "anonread", Some("public-read")).await;
    put(&client, &bucket.name, "k", b"public").await;
    let anonymous = target.anonymous();
    let got = anonymous.get_object(&bucket.name, "k", &get_opts()).await.expect("anonymous GET");
    assert_eq!(got.body.as_ref(), b"public");
    assert_eq!(got.meta.etag.as_deref(), Some(md5_etag(b"public").as_str()));
    let err = service_error(anonymous.put_object(&bucket.name, "new", &b"evil"[..], &put_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(anonymous.delete_object(&bucket.name, "k").await);
    assert_error(&err, 403, "AccessDenied");
    assert_error(&service_error(client.head_object(&bucket.name, "new", &get_opts()).await), 404, "NoSuchKey");
}

#[tokio::test]
async fn anonymous_writes_public_read_write_buckets() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket_with(&client, "anonrw", Some("public-read-write")).await;
    let anonymous = target.anonymous();
    let put = anonymous.put_object(&bucket.name, "anon/k", &b"from nobody"[..], &put_opts()).await.expect("PUT");
    assert_eq!(put.etag(), Some(md5_etag(b"from nobody").as_str()));
    assert_eq!(get_body(&client, &bucket.name, "anon/k").await, b"from nobody", "the owner sees it");
    assert_eq!(get_body(&anonymous, &bucket.name, "anon/k").await, b"from nobody");
    anonymous.delete_object(&bucket.name, "anon/k").await.expect("anonymous DELETE");
    assert_error(&service_error(client.head_object(&bucket.name, "anon/k", &get_opts()).await), 404, "NoSuchKey");
}

#[tokio::test]
async fn object_acl_beats_bucket_acl_both_ways() {
    let target = Target::start().await;
    let client = target.client();
    let anonymous = target.anonymous();
    // Private bucket, public-read object.
    let private = target.bucket("aclpriv").await;
    put(&client, &private.name, "open", b"open").await;
    put(&client, &private.name, "closed", b"closed").await;
    client.put_object_acl(&private.name, "open", "public-read", None).await.expect("PutObjectAcl");
    assert_eq!(get_body(&anonymous, &private.name, "open").await, b"open");
    assert_error(&service_error(anonymous.get_object(&private.name, "closed", &get_opts()).await), 403, "AccessDenied");
    // public-read-write on the object lets anonymous overwrite it, and only it.
    client.put_object_acl(&private.name, "open", "public-read-write", None).await.expect("PutObjectAcl");
    anonymous.put_object(&private.name, "open", &b"rewritten"[..], &put_opts()).await.expect("anonymous overwrite");
    assert_eq!(get_body(&client, &private.name, "open").await, b"rewritten");
    assert_error(
        &service_error(anonymous.put_object(&private.name, "closed", &b"x"[..], &put_opts()).await),
        403,
        "AccessDenied",
    );

    // Public-read bucket, private object; back to default follows the bucket again.
    let public = target.bucket_with(&client, "aclpub", Some("public-read")).await;
    put(&client, &public.name, "hidden", b"hidden").await;
    client.put_object_acl(&public.name, "hidden", "private", None).await.expect("PutObjectAcl");
    assert_error(&service_error(anonymous.get_object(&public.name, "hidden", &get_opts()).await), 403, "AccessDenied");
    client.put_object_acl(&public.name, "hidden", "default", None).await.expect("PutObjectAcl default");
    assert_eq!(get_body(&anonymous, &public.name, "hidden").await, b"hidden");
}

#[tokio::test]
async fn list_buckets_and_put_bucket_are_never_anonymous() {
    let target = Target::start().await;
    let anonymous = target.anonymous();
    let err = service_error(anonymous.list_buckets(&ListBucketsOptions::default()).await);
    assert_error(&err, 403, "AccessDenied");
    let name = target.bucket_name("anonput");
    let err = service_error(anonymous.put_bucket(&name, None, None).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(anonymous.put_bucket(&name, Some("public-read-write"), None).await);
    assert_error(&err, 403, "AccessDenied");
    // Nothing was created.
    let err = service_error(target.client().get_bucket_info(&name).await);
    assert_error(&err, 404, "NoSuchBucket");
}

// ---------------------------------------------------------------------------------------------
// Emulator-only: strictness switch and frozen clock

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs an emulator auth mode")]
async fn expiry_only_mode_accepts_any_signature_but_not_expired_urls() {
    let target = Target::start_with(|b| b.auth(AuthMode::ExpiryOnly)).await;
    target.require_emulator();
    let bucket = target.bucket("expiryonly").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"lenient").await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .signature_version(version)
            .credentials(Some(wrong_secret(&target)))
            .send_raw()
            .await
            .expect("send");
        assert_eq!(resp.status, 200, "{version:?} wrong secret: {}", resp.text());
        // Any key acts as the first account; any clock is fine.
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some("k"))
            .signature_version(version)
            .credentials(Some(Keys::new("any-key", "any-secret")))
            .date(SystemTime::now() - Duration::from_secs(3 * 3600))
            .send_raw()
            .await
            .expect("send");
        assert_eq!(resp.status, 200, "{version:?} unknown key, skewed: {}", resp.text());
        assert_eq!(resp.body.as_ref(), b"lenient");
        // Expired presigned URLs stay expired.
        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(60));
        req.signature = Some(version);
        req.time = Some(SystemTime::now() - Duration::from_secs(3600));
        let url = client.presign_request(&req).expect("presign");
        let err = fetch(&target, Method::GET, &url, None).await.error();
        assert_error_ec(&err, 403, "AccessDenied", "0002-00000069");
        assert_eq!(err.message, EXPIRED);
    }
    // Anonymous is still anonymous.
    assert_error(
        &service_error(target.anonymous().get_object(&bucket.name, "k", &get_opts()).await),
        403,
        "AccessDenied",
    );
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs an emulator auth mode")]
async fn off_mode_treats_anonymous_requests_as_the_owner() {
    let target = Target::start_with(|b| b.auth(AuthMode::Off)).await;
    target.require_emulator();
    let anonymous = target.anonymous();
    let bucket = target.bucket_with(&anonymous, "authoff", None).await;
    let owner = target.client();
    put(&anonymous, &bucket.name, "k", b"no auth").await;
    assert_eq!(get_body(&owner, &bucket.name, "k").await, b"no auth", "the bucket belongs to the first account");
    let listed = anonymous.list_buckets(&ListBucketsOptions::default()).await.expect("anonymous ListBuckets");
    assert!(listed.buckets.bucket.iter().any(|b| b.name == bucket.name));
    let info = anonymous.get_bucket_info(&bucket.name).await.expect("owner-only GetBucketInfo");
    assert_eq!(info.bucket.access_control_list.grant, "private");
    // Neither signatures nor expiry are checked.
    let resp = owner
        .request(Method::GET, Some(&bucket.name), Some("k"))
        .credentials(Some(wrong_secret(&target)))
        .send_raw()
        .await
        .expect("send");
    assert_eq!(resp.status, 200);
    let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(60));
    req.time = Some(SystemTime::now() - Duration::from_secs(3600));
    let url = owner.presign_request(&req).expect("presign");
    let resp = fetch(&target, Method::GET, &url, None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.as_ref(), b"no auth");
}

/// Exact boundaries under the frozen clock: 900 s of skew passes and 901 s does not, either way;
/// a V4 URL works through its last second and expires one second later.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's clock")]
async fn frozen_clock_gives_exact_skew_and_expiry_boundaries() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let bucket = target.bucket("frozen").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"tick").await;
    let t = truncate_to_seconds(SystemTime::now());
    emulator.clock().freeze(t);
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        for (request_time, ok) in [
            (t - Duration::from_secs(900), true),
            (t + Duration::from_secs(900), true),
            (t - Duration::from_secs(901), false),
            (t + Duration::from_secs(901), false),
        ] {
            let resp = client
                .request(Method::GET, Some(&bucket.name), Some("k"))
                .signature_version(version)
                .date(request_time)
                .send_raw()
                .await
                .expect("send");
            if ok {
                assert_eq!(resp.status, 200, "{version:?}: {}", resp.text());
            } else {
                let err = resp.into_service_error();
                assert_error_ec(&err, 403, "RequestTimeTooSkewed", "0002-00000504");
                assert_eq!(err.extra("ServerTime"), Some(format_iso8601(t).as_str()), "ServerTime is the frozen now");
                assert_eq!(err.extra("RequestTime"), Some(format_iso8601(request_time).as_str()));
            }
        }
    }
    let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("k"), Duration::from_secs(120));
    req.signature = Some(SignatureVersion::V4);
    req.time = Some(t);
    let url = client.presign_request(&req).expect("presign");
    emulator.clock().freeze(t + Duration::from_secs(120));
    assert_eq!(fetch(&target, Method::GET, &url, None).await.status, 200, "valid through its last second");
    emulator.clock().freeze(t + Duration::from_secs(121));
    let err = fetch(&target, Method::GET, &url, None).await.error();
    assert_error_ec(&err, 403, "AccessDenied", "0002-00000069");
    assert_eq!(err.message, EXPIRED);
    emulator.clock().reset();
}

/// A shift of minutes makes real-time signatures skewed (clients' skew handling is tested so);
/// a shift of days is time travel, and requests signed with the real time are still in time.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's clock")]
async fn a_clock_shifted_by_minutes_is_skew_and_by_days_is_time_travel() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let bucket = target.bucket("travel").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"v").await;
    let get = || client.request(Method::GET, Some(&bucket.name), Some("k")).send_raw();
    emulator.clock().offset_millis(20 * 60 * 1000);
    let skewed = get().await.expect("send").into_service_error();
    assert_error_ec(&skewed, 403, "RequestTimeTooSkewed", "0002-00000504");
    emulator.clock().offset_millis(2 * 86_400_000);
    assert_eq!(get().await.expect("send").status, 200, "after a shift of two days");
    emulator.clock().offset_millis(-31 * 86_400_000);
    assert_eq!(get().await.expect("send").status, 200, "and of a month back");
    emulator.clock().reset();
}
