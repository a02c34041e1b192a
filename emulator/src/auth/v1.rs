//! V1: `Authorization: OSS ak:signature` and `?OSSAccessKeyId=&Expires=&Signature=`.

use oss_protocol::sign::{constant_time_eq, v1_canonical_resource, v1_signature, v1_string_to_sign, V1Resource};
use oss_protocol::time::{from_unix_seconds, parse_http_date};

use super::{invalid_date, signature_mismatch, AuthKind, AuthRequest, Authenticator, Principal};
use crate::error::{Code, OssError, Result};

/// Clients canonicalise the resource differently (oss2 and Go sign the documented sub-resources,
/// Go v2 also every `x-oss-*` parameter, ali-oss all of its parameters): a signature matching any
/// of these readings is the client's honest one.
const READINGS: [V1Resource; 3] =
    [V1Resource::SubResources, V1Resource::SubResourcesAndOssParams, V1Resource::AllParams];

/// Sub-resources some SDKs leave out of the signature although OSS's list names them (oss2 does
/// not sign these): a signature with or without them is honest.
const SOMETIMES_UNSIGNED: &[&str] = &["responseHeader", "dataRedundancyTransition"];

/// Every string-to-sign an honest client may have signed for this request and date.
fn strings_to_sign(req: &AuthRequest<'_>, date: &str) -> Vec<String> {
    let mut queries = vec![req.query.to_vec()];
    if req.query.iter().any(|(n, _)| SOMETIMES_UNSIGNED.contains(&n.as_str())) {
        queries.push(req.query.iter().filter(|(n, _)| !SOMETIMES_UNSIGNED.contains(&n.as_str())).cloned().collect());
    }
    let mut out = Vec::new();
    for query in &queries {
        let signable = oss_protocol::sign::SignableRequest { query, ..req.signable() };
        for which in READINGS {
            let sts = v1_string_to_sign(&signable, date, which);
            // Path-style clients (opendal) sign a bucket as `/bucket`, the rest as `/bucket/`.
            let short = match (req.bucket, req.key) {
                (Some(bucket), None) => {
                    let resource = v1_canonical_resource(req.bucket, None, query, which);
                    let head = &sts[..sts.len() - resource.len()];
                    Some(format!("{head}/{bucket}{}", &resource[bucket.len() + 2..]))
                }
                _ => None,
            };
            out.push(sts);
            out.extend(short);
        }
    }
    out
}

/// Checks `signature` against every reading for each candidate date; `Err` carries the
/// string-to-sign of the first (most standard) reading for the error body.
fn verify(secret: &str, req: &AuthRequest<'_>, dates: &[&str], signature: &str) -> Result<(), String> {
    let mut first = None;
    for date in dates {
        for sts in strings_to_sign(req, date) {
            if constant_time_eq(&v1_signature(secret, &sts), signature) {
                return Ok(());
            }
            first.get_or_insert(sts);
        }
    }
    Err(first.unwrap_or_default())
}

pub(super) fn header(auth: &Authenticator<'_>, req: &AuthRequest<'_>, value: &str) -> Result<Principal> {
    let credentials = value.strip_prefix("OSS ").unwrap_or_default().trim();
    let (access_key_id, signature) = match credentials.split_once(':') {
        Some((ak, sig)) if !ak.is_empty() && !sig.is_empty() => (ak, sig),
        _ => {
            return Err(OssError::new(Code::InvalidArgument)
                .message("AccessKeyId or Signature is missing in Authorization header value.")
                .with("ArgumentName", "Authorization"))
        }
    };
    // `x-oss-date` overrides `Date` (ali-oss sends only the former). Python SDKs put it in the
    // signature's date slot, Go SDKs put `Date` there: both are tried below.
    let date_value =
        req.header("x-oss-date").or_else(|| req.header("date")).ok_or_else(|| invalid_date("0002-00000503"))?;
    let request_time = parse_http_date(date_value.trim()).ok_or_else(|| invalid_date("0002-00000502"))?;
    let account = auth.account(access_key_id)?;
    auth.check_skew(request_time)?;
    if auth.verifies_signatures() {
        let mut dates: Vec<&str> = Vec::with_capacity(2);
        // The standard slot first: Date when sent, for the error body's StringToSign.
        for name in ["date", "x-oss-date"] {
            if let Some(v) = req.header(name) {
                dates.push(v.trim());
            }
        }
        verify(&account.access_key_secret, req, &dates, signature)
            .map_err(|sts| signature_mismatch("0002-00000040", access_key_id, signature, &sts))?;
    }
    Ok(Principal { kind: AuthKind::V1, access_key_id: Some(access_key_id.to_owned()), account: Some(account) })
}

pub(super) fn presigned(auth: &Authenticator<'_>, req: &AuthRequest<'_>) -> Result<Principal> {
    const MISSING: &str = "Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters";
    let (Some(access_key_id), Some(expires), Some(signature)) =
        (req.param("OSSAccessKeyId"), req.param("Expires"), req.param("Signature"))
    else {
        return Err(OssError::access_denied(MISSING).ec("0002-00000067"));
    };
    if access_key_id.is_empty() || expires.is_empty() || signature.is_empty() {
        return Err(OssError::access_denied(MISSING).ec("0002-00000068"));
    }
    let expires_at = expires
        .parse::<i64>()
        .map(from_unix_seconds)
        .map_err(|_| OssError::access_denied("Invalid date (should be seconds since epoch).").ec("0002-00000070"))?;
    // OSS checks expiry before the signature: an expired URL is "expired" even if tampered.
    auth.check_expiry(expires_at)?;
    let account = auth.account(access_key_id)?;
    if auth.verifies_signatures() {
        verify(&account.access_key_secret, req, &[expires], signature)
            .map_err(|sts| signature_mismatch("0002-00000040", access_key_id, signature, &sts))?;
    }
    Ok(Principal { kind: AuthKind::V1Presigned, access_key_id: Some(access_key_id.to_owned()), account: Some(account) })
}
