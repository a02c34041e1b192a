//! The verifying side of the golden vectors in `fixtures/signatures.json`, plus the error cases.

use std::time::Duration;

use oss_protocol::time::{format_v4_datetime, from_unix_seconds};
use serde_json::Value;

use super::*;
use crate::config::Account;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("../../../fixtures/signatures.json")).unwrap()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array().unwrap().iter().map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into())).collect()
}

fn accounts() -> Vec<Account> {
    vec![Account::new("ak", "sk")]
}

fn authenticate(accounts: &[Account], now: i64, req: &AuthRequest<'_>) -> Result<Principal> {
    let regions = ["cn-hangzhou".to_owned(), "cn-shanghai".to_owned()];
    Authenticator {
        accounts,
        regions: &regions,
        mode: AuthMode::Strict,
        now: from_unix_seconds(now),
        max_skew: Duration::from_secs(900),
    }
    .authenticate(req)
}

fn request<'a>(
    case: &'a Value,
    query: &'a [(String, String)],
    headers: &'a [(String, String)],
    region: &'a str,
) -> AuthRequest<'a> {
    AuthRequest {
        method: case["method"].as_str().unwrap(),
        bucket: case["bucket"].as_str(),
        key: case["key"].as_str(),
        query,
        headers,
        region,
    }
}

fn tamper(headers: &mut [(String, String)], name: &str) {
    for (n, v) in headers.iter_mut() {
        if n == name {
            v.push('x');
        }
    }
}

#[test]
fn v1_header_vectors_verify() {
    let accounts = accounts();
    for case in fixtures()["v1_header"].as_array().unwrap() {
        let query = pairs(&case["query"]);
        let mut headers = pairs(&case["headers"]);
        headers.push(("authorization".into(), case["authorization"].as_str().unwrap().into()));
        let now = 1672223261; // the vectors' x-oss-date
        let p = authenticate(&accounts, now, &request(case, &query, &headers, "cn-hangzhou")).unwrap();
        assert_eq!(p.kind, AuthKind::V1);
        tamper(&mut headers, "x-oss-date");
        let mut bad = headers.clone();
        bad.retain(|(n, _)| n != "x-oss-date");
        bad.push(("x-oss-date".into(), "Wed, 28 Dec 2022 10:27:42 GMT".into()));
        let err = authenticate(&accounts, now, &request(case, &query, &bad, "cn-hangzhou")).unwrap_err();
        assert_eq!(err.code, Code::SignatureDoesNotMatch, "{}", case["name"]);
        assert_eq!(err.ec, Some("0002-00000040"));
    }
}

#[test]
fn v1_presign_vectors_verify() {
    let accounts = accounts();
    for case in fixtures()["v1_presign"].as_array().unwrap() {
        let mut query = pairs(&case["query"]);
        if let Some(t) = case["security_token"].as_str() {
            query.push(("security-token".into(), t.into()));
        }
        let expires = case["expires"].as_i64().unwrap();
        query.push(("OSSAccessKeyId".into(), "ak".into()));
        query.push(("Expires".into(), expires.to_string()));
        query.push(("Signature".into(), case["signature"].as_str().unwrap().into()));
        let p = authenticate(&accounts, expires - 10, &request(case, &query, &[], "cn-hangzhou")).unwrap();
        assert_eq!(p.kind, AuthKind::V1Presigned);
        let expired = authenticate(&accounts, expires + 1, &request(case, &query, &[], "cn-hangzhou")).unwrap_err();
        assert_eq!((expired.code, expired.message.as_ref()), (Code::AccessDenied, "Request has expired."));
        let mut tampered = query.clone();
        tampered[0].1.push('x');
        let err = authenticate(&accounts, expires - 10, &request(case, &tampered, &[], "cn-hangzhou")).unwrap_err();
        assert_eq!(err.code, Code::SignatureDoesNotMatch);
    }
}

#[test]
fn v4_header_vectors_verify() {
    let accounts = accounts();
    for case in fixtures()["v4_header"].as_array().unwrap() {
        let time = case["time"].as_i64().unwrap();
        let query = pairs(&case["query"]);
        let mut headers = pairs(&case["headers"]);
        headers.push(("x-oss-date".into(), format_v4_datetime(from_unix_seconds(time))));
        if let Some(t) = case["security_token"].as_str() {
            headers.push(("x-oss-security-token".into(), t.into()));
        }
        headers.push(("authorization".into(), case["authorization"].as_str().unwrap().into()));
        let region = case["region"].as_str().unwrap();
        let result = authenticate(&accounts, time, &request(case, &query, &headers, region));
        if case["product"] != "oss" {
            assert_eq!(result.unwrap_err().ec, Some("0002-00000227"), "cloudbox is not emulated");
            continue;
        }
        assert_eq!(result.unwrap().kind, AuthKind::V4, "{}", case["name"]);
        let wrong_region = authenticate(&accounts, time, &request(case, &query, &headers, "cn-beijing")).unwrap_err();
        let signed_region_served = ["cn-hangzhou", "cn-shanghai"].contains(&region);
        let want = if signed_region_served { "0002-00000228" } else { "0002-00000226" };
        assert_eq!((wrong_region.code, wrong_region.ec), (Code::InvalidArgument, Some(want)), "{}", case["name"]);
        tamper(&mut headers, "x-oss-head1");
        let err = authenticate(&accounts, time, &request(case, &query, &headers, region)).unwrap_err();
        assert_eq!((err.code, err.ec), (Code::SignatureDoesNotMatch, Some("0002-00000201")));
        let skewed = authenticate(&accounts, time + 901, &request(case, &query, &headers, region)).unwrap_err();
        assert_eq!(skewed.code, Code::RequestTimeTooSkewed);
    }
}

#[test]
fn v4_presign_vectors_verify() {
    let accounts = accounts();
    for case in fixtures()["v4_presign"].as_array().unwrap() {
        if case["product"] != "oss" {
            continue;
        }
        let time = case["time"].as_i64().unwrap();
        let mut query = pairs(&case["query"]);
        let additional: Vec<&str> =
            case["additional_headers"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let headers = pairs(&case["headers"]);
        let additional = oss_protocol::sign::v4_additional_headers(&additional, &headers);
        query.push(("x-oss-signature-version".into(), "OSS4-HMAC-SHA256".into()));
        query.push((
            "x-oss-credential".into(),
            format!("ak/{}/cn-hangzhou/oss/aliyun_v4_request", &case["x_oss_date"].as_str().unwrap()[..8]),
        ));
        query.push(("x-oss-date".into(), case["x_oss_date"].as_str().unwrap().into()));
        query.push(("x-oss-expires".into(), case["expires"].to_string()));
        if !additional.is_empty() {
            query.push(("x-oss-additional-headers".into(), additional.join(";")));
        }
        if let Some(t) = case["security_token"].as_str() {
            query.push(("x-oss-security-token".into(), t.into()));
        }
        query.push(("x-oss-signature".into(), case["signature"].as_str().unwrap().into()));
        let p = authenticate(&accounts, time + 100, &request(case, &query, &headers, "cn-hangzhou")).unwrap();
        assert_eq!(p.kind, AuthKind::V4Presigned, "{}", case["name"]);
        let expired = authenticate(&accounts, time + 600, &request(case, &query, &headers, "cn-hangzhou")).unwrap_err();
        assert_eq!(expired.message, "Request has expired.");
        let early = authenticate(&accounts, time - 901, &request(case, &query, &headers, "cn-hangzhou")).unwrap_err();
        assert_eq!((early.code, early.ec), (Code::AccessDenied, Some("0002-00000235")), "{}", case["name"]);
        let allowed = authenticate(&accounts, time - 899, &request(case, &query, &headers, "cn-hangzhou"));
        assert!(allowed.is_ok(), "within the skew: {allowed:?}");
    }
}

/// `GET /` in cn-hangzhou with these headers.
fn service_get(headers: &[(String, String)]) -> AuthRequest<'_> {
    AuthRequest { method: "GET", bucket: None, key: None, query: &[], headers, region: "cn-hangzhou" }
}

#[test]
fn date_and_key_errors() {
    let accounts = accounts();
    let req = |headers: &[(String, String)]| {
        authenticate(&accounts, 1672223261, &service_get(headers)).map(|p| p.kind).map_err(|e| (e.code, e.ec))
    };
    let auth = |v: &str| ("authorization".to_owned(), v.to_owned());
    let date = |v: &str| ("date".to_owned(), v.to_owned());
    assert_eq!(req(&[auth("OSS ak:sig")]), Err((Code::AccessDenied, Some("0002-00000503"))));
    assert_eq!(req(&[auth("OSS ak:sig"), date("28 Dec 2022")]), Err((Code::AccessDenied, Some("0002-00000502"))));
    assert_eq!(
        req(&[auth("OSS nobody:sig"), date("Wed, 28 Dec 2022 10:27:41 GMT")]),
        Err((Code::InvalidAccessKeyId, Some("0002-00000902")))
    );
    assert_eq!(req(&[auth("OSS ak")]).unwrap_err().0, Code::InvalidArgument);
    assert_eq!(req(&[auth("Bearer x")]).unwrap_err().0, Code::InvalidArgument);
    assert_eq!(req(&[]), Ok(AuthKind::Anonymous));
}

/// V1 signatures the SDKs compute differently are all accepted: the path-style bucket as `/b` or
/// `/b/`, and sub-resources oss2 does not sign.
#[test]
fn v1_readings_of_the_resource() {
    let accounts = accounts();
    let date = "Wed, 28 Dec 2022 10:27:41 GMT";
    let check = |query: &[(String, String)], resource: &str| {
        let sts = format!("GET\n\n\n{date}\n{resource}");
        let auth = format!("OSS ak:{}", oss_protocol::sign::v1_signature("sk", &sts));
        let headers = vec![("date".to_owned(), date.to_owned()), ("authorization".to_owned(), auth)];
        let r = AuthRequest {
            method: "GET",
            bucket: Some("b"),
            key: None,
            query,
            headers: &headers,
            region: "cn-hangzhou",
        };
        authenticate(&accounts, 1672223261, &r).map(|p| p.kind).map_err(|e| e.code)
    };
    assert_eq!(check(&[], "/b/"), Ok(AuthKind::V1));
    assert_eq!(check(&[], "/b"), Ok(AuthKind::V1));
    let list = [("prefix".to_owned(), "a".to_owned())];
    assert_eq!(check(&list, "/b"), Ok(AuthKind::V1));
    let acl = [("acl".to_owned(), String::new())];
    assert_eq!(check(&acl, "/b?acl"), Ok(AuthKind::V1));
    assert_eq!(check(&acl, "/b/?acl"), Ok(AuthKind::V1));
    let header = [("responseHeader".to_owned(), String::new())];
    assert_eq!(check(&header, "/b/?responseHeader"), Ok(AuthKind::V1));
    assert_eq!(check(&header, "/b/"), Ok(AuthKind::V1));
    assert_eq!(check(&acl, "/b/"), Err(Code::SignatureDoesNotMatch), "acl is always signed");
    assert_eq!(check(&[], "/c"), Err(Code::SignatureDoesNotMatch));
}

#[test]
fn v4_scope_regions() {
    let accounts = accounts();
    let scope = |credential_region: &str| {
        let auth =
            format!("OSS4-HMAC-SHA256 Credential=ak/20221228/{credential_region}/oss/aliyun_v4_request,Signature=00");
        let headers =
            vec![("x-oss-date".to_owned(), "20221228T102741Z".to_owned()), ("authorization".to_owned(), auth)];
        let e = authenticate(&accounts, 1672223261, &service_get(&headers)).unwrap_err();
        (e.code, e.ec, e.message.into_owned())
    };
    let invalid = "Invalid signing region in Authorization header.".to_owned();
    assert_eq!(scope("cn-shanghai"), (Code::InvalidArgument, Some("0002-00000228"), invalid.clone()));
    assert_eq!(scope("cn-beijing"), (Code::InvalidArgument, Some("0002-00000226"), invalid));
    let (code, ec, message) = scope("");
    assert_eq!((code, ec), (Code::InvalidArgument, Some("0002-00000226")), "{message}");
    assert_eq!(message, "The signing region in credential is invalid.");
    assert_eq!(scope("cn-hangzhou").0, Code::SignatureDoesNotMatch);
}

proptest::proptest! {
    /// Whatever the Authorization, Date and x-oss-date headers and the signing parameters of the
    /// query say, authentication answers a principal or an OSS error; it never panics.
    #[test]
    fn authentication_never_panics(
        authorization in proptest::option::of("(OSS |OSS4-HMAC-SHA256 )?\\PC{0,80}"),
        date in proptest::option::of("\\PC{0,32}"),
        oss_date in proptest::option::of("[0-9T Z]{0,20}|\\PC{0,20}"),
        query in proptest::collection::vec(
            ("(OSSAccessKeyId|Expires|Signature|x-oss-signature-version|x-oss-credential|x-oss-date|x-oss-expires|x-oss-signature|x-oss-additional-headers|acl)", "\\PC{0,40}"),
            0..6,
        ),
    ) {
        let accounts = accounts();
        let mut headers = Vec::new();
        for (name, value) in [("authorization", authorization), ("date", date), ("x-oss-date", oss_date)] {
            if let Some(v) = value {
                headers.push((name.to_owned(), v));
            }
        }
        let query: Vec<(String, String)> = query.into_iter().map(|(n, v)| (n.to_owned(), v)).collect();
        let r = AuthRequest { method: "GET", bucket: Some("b"), key: Some("k"), query: &query, headers: &headers, region: "cn-hangzhou" };
        let _ = authenticate(&accounts, 1672223261, &r);
    }
}

#[test]
fn a_mismatch_explains_what_the_emulator_signed() {
    let accounts = accounts();
    let case = &fixtures()["v4_header"].as_array().unwrap().iter().find(|c| c["product"] == "oss").unwrap().clone();
    let time = case["time"].as_i64().unwrap();
    let query = pairs(&case["query"]);
    let mut headers = pairs(&case["headers"]);
    headers.push(("x-oss-date".into(), format_v4_datetime(from_unix_seconds(time))));
    headers.push(("authorization".into(), case["authorization"].as_str().unwrap().into()));
    tamper(&mut headers, "x-oss-head1");
    let region = case["region"].as_str().unwrap();
    let err = authenticate(&accounts, time, &request(case, &query, &headers, region)).unwrap_err();
    let detail = signature_detail(&err).expect("a mismatch has details");
    assert_eq!(detail.version, "v4");
    let canonical = detail.canonical_request.as_deref().unwrap();
    assert!(detail.string_to_sign.starts_with("OSS4-HMAC-SHA256\n"), "{}", detail.string_to_sign);
    assert!(detail.signed_headers.iter().any(|h| h == "x-oss-head1"), "{:?} from {canonical}", detail.signed_headers);
    assert!(detail.signed_headers.iter().all(|h| h.starts_with("x-oss-") || h.starts_with("content-") || h == "host"));

    let v1 = fixtures()["v1_header"].as_array().unwrap()[0].clone();
    let query = pairs(&v1["query"]);
    let mut headers = pairs(&v1["headers"]);
    headers.push(("authorization".into(), v1["authorization"].as_str().unwrap().into()));
    headers.retain(|(n, _)| n != "x-oss-date");
    headers.push(("x-oss-date".into(), "Wed, 28 Dec 2022 10:27:42 GMT".into()));
    let err = authenticate(&accounts, 1672223261, &request(&v1, &query, &headers, "cn-hangzhou")).unwrap_err();
    let detail = signature_detail(&err).expect("a V1 mismatch has details");
    assert_eq!((detail.version.as_str(), detail.canonical_request.as_ref()), ("v1", None));
    assert_eq!(&detail.signed_headers[..3], ["content-md5", "content-type", "date"]);
    assert!(detail.signed_headers.iter().any(|h| h == "x-oss-date"), "{:?}", detail.signed_headers);
    // Other errors have none.
    assert!(signature_detail(&OssError::new(Code::AccessDenied)).is_none());
}
