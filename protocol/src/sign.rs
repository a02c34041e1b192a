//! Signature canonicalisation and signing for OSS V1 (`OSS ak:sig`, HMAC-SHA1) and V4
//! (`OSS4-HMAC-SHA256`), header and presigned forms. The client signs with these functions and the
//! emulator recomputes them to verify, so both sides provably agree with the golden vectors in
//! `fixtures/signatures.json`.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::encoding::uri_encode;

pub const V4_ALGORITHM: &str = "OSS4-HMAC-SHA256";
pub const V4_TERMINATOR: &str = "aliyun_v4_request";
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parts of a request a signature covers. Header names must be lowercase; the key is the
/// decoded object key; query pairs are decoded.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    pub method: &'a str,
    pub bucket: Option<&'a str>,
    pub key: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
}

impl SignableRequest<'_> {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).unwrap_or("")
    }
}

/// Query parameters that V1 signs (the union of the documented list and what the SDKs sign, fact
/// sheet §1.1): clients differ slightly, so the verifier accepts this union.
pub const V1_SUBRESOURCES: &[&str] = &[
    "acl",
    "uploads",
    "location",
    "cors",
    "logging",
    "website",
    "referer",
    "lifecycle",
    "delete",
    "append",
    "tagging",
    "objectMeta",
    "uploadId",
    "partNumber",
    "security-token",
    "position",
    "img",
    "style",
    "styleName",
    "replication",
    "replicationProgress",
    "replicationLocation",
    "cname",
    "bucketInfo",
    "comp",
    "qos",
    "live",
    "status",
    "vod",
    "startTime",
    "endTime",
    "symlink",
    "x-oss-process",
    "response-content-type",
    "response-content-language",
    "response-expires",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "udf",
    "udfName",
    "udfImage",
    "udfId",
    "udfImageDesc",
    "udfApplication",
    "udfApplicationLog",
    "restore",
    "callback",
    "callback-var",
    "qosInfo",
    "policy",
    "stat",
    "encryption",
    "versions",
    "versioning",
    "versionId",
    "requestPayment",
    "x-oss-request-payer",
    "sequential",
    "inventory",
    "inventoryId",
    "continuation-token",
    "asyncFetch",
    "worm",
    "wormId",
    "wormExtend",
    "withHashContext",
    "x-oss-enable-md5",
    "x-oss-enable-sha1",
    "x-oss-enable-sha256",
    "x-oss-hash-ctx",
    "x-oss-md5-ctx",
    "transferAcceleration",
    "regionList",
    "cloudboxes",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-ac-forward-allow",
    "metaQuery",
    "resourceGroup",
    "rtc",
    "x-oss-async-process",
    "responseHeader",
    "x-oss-traffic-limit",
    "objectInfo",
    "accessPoint",
    "publicAccessBlock",
    "bucketArchiveDirectRead",
    "policyStatus",
    "httpsConfig",
    "dataRedundancyTransition",
    "x-oss-target-redundancy-type",
    "redundancyTransitionTaskid",
];

/// Which query parameters make up the V1 canonical resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V1Resource {
    /// The documented sub-resources (oss2, Go, Java).
    SubResources,
    /// Sub-resources plus every `x-oss-*` query key (Go SDK v2).
    SubResourcesAndOssParams,
    /// Every query parameter but the presign ones (ali-oss signs all of its `subres`).
    AllParams,
}

const V1_PRESIGN_PARAMS: &[&str] = &["OSSAccessKeyId", "Expires", "Signature"];

/// `x-oss-*` headers, lowercased, trimmed, sorted; repeated names merged with `,`.
pub fn v1_canonical_headers(headers: &[(String, String)]) -> String {
    let mut oss: Vec<(&str, String)> = Vec::new();
    for (name, value) in headers {
        if !name.starts_with("x-oss-") {
            continue;
        }
        match oss.iter_mut().find(|(n, _)| *n == name.as_str()) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(value.trim());
            }
            None => oss.push((name.as_str(), value.trim().to_owned())),
        }
    }
    oss.sort_by(|a, b| a.0.cmp(b.0));
    oss.iter().map(|(n, v)| format!("{n}:{v}\n")).collect()
}

/// `/bucket/key?sub&res=v`, key raw (not encoded).
pub fn v1_canonical_resource(
    bucket: Option<&str>,
    key: Option<&str>,
    query: &[(String, String)],
    which: V1Resource,
) -> String {
    let mut out = match (bucket, key) {
        (None, _) => "/".to_owned(),
        (Some(b), None) => format!("/{b}/"),
        (Some(b), Some(k)) => format!("/{b}/{k}"),
    };
    let mut params: Vec<&(String, String)> = query
        .iter()
        .filter(|(n, _)| match which {
            V1Resource::SubResources => V1_SUBRESOURCES.contains(&n.as_str()),
            V1Resource::SubResourcesAndOssParams => V1_SUBRESOURCES.contains(&n.as_str()) || n.starts_with("x-oss-"),
            V1Resource::AllParams => !V1_PRESIGN_PARAMS.contains(&n.as_str()),
        })
        .collect();
    if !params.is_empty() {
        params.sort_by(|a, b| a.0.cmp(&b.0));
        out.push('?');
        let joined: Vec<String> =
            params.iter().map(|(n, v)| if v.is_empty() { n.clone() } else { format!("{n}={v}") }).collect();
        out.push_str(&joined.join("&"));
    }
    out
}

/// `VERB\nContent-MD5\nContent-Type\nDate\n` + canonical headers + canonical resource. `date` is the
/// `Date` header, the `x-oss-date` header (Python SDKs, ali-oss), or `Expires` for presigned URLs.
pub fn v1_string_to_sign(req: &SignableRequest<'_>, date: &str, which: V1Resource) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}{}",
        req.method,
        req.header("content-md5"),
        req.header("content-type"),
        date,
        v1_canonical_headers(req.headers),
        v1_canonical_resource(req.bucket, req.key, req.query, which)
    )
}

/// Base64 HMAC-SHA1.
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha1>>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `OSS ak:signature`
pub fn v1_authorization(access_key_id: &str, signature: &str) -> String {
    format!("OSS {access_key_id}:{signature}")
}

/// Headers V4 always signs when present.
fn v4_default_signed(name: &str) -> bool {
    name.starts_with("x-oss-") || name == "content-type" || name == "content-md5"
}

/// The AdditionalHeaders a signer should declare: lowercased, sorted, deduplicated, without the
/// ones V4 signs anyway and without those the request does not carry.
pub fn v4_additional_headers(requested: &[&str], headers: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = requested
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .filter(|h| !v4_default_signed(h) && headers.iter().any(|(n, _)| n == h))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `/bucket/key` with every byte but unreserved characters and `/` percent-encoded.
pub fn v4_canonical_uri(bucket: Option<&str>, key: Option<&str>) -> String {
    let raw = match (bucket, key) {
        (None, _) => "/".to_owned(),
        (Some(b), None) => format!("/{b}/"),
        (Some(b), Some(k)) => format!("/{b}/{k}"),
    };
    uri_encode(&raw, true)
}

/// Every query parameter, names and values encoded, sorted by encoded name. `skip` names one
/// parameter to leave out (the presigned signature itself).
pub fn v4_canonical_query(query: &[(String, String)], skip: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(n, _)| Some(n.as_str()) != skip)
        .map(|(n, v)| (uri_encode(n, false), uri_encode(v, false)))
        .collect();
    pairs.sort();
    pairs.iter().map(|(n, v)| if v.is_empty() { n.clone() } else { format!("{n}={v}") }).collect::<Vec<_>>().join("&")
}

/// Canonical headers block, each line `name:value\n`.
pub fn v4_canonical_headers(headers: &[(String, String)], additional: &[String]) -> String {
    let mut signed: Vec<(&str, String)> = Vec::new();
    for (name, value) in headers {
        if !(v4_default_signed(name) || additional.iter().any(|a| a == name)) {
            continue;
        }
        match signed.iter_mut().find(|(n, _)| *n == name.as_str()) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(value.trim());
            }
            None => signed.push((name.as_str(), value.trim().to_owned())),
        }
    }
    signed.sort_by(|a, b| a.0.cmp(b.0));
    signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect()
}

/// The V4 canonical request. `skip_query` leaves the presigned `x-oss-signature` out.
pub fn v4_canonical_request(
    req: &SignableRequest<'_>,
    additional: &[String],
    payload_hash: &str,
    skip_query: Option<&str>,
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        v4_canonical_uri(req.bucket, req.key),
        v4_canonical_query(req.query, skip_query),
        v4_canonical_headers(req.headers, additional),
        additional.join(";"),
        payload_hash
    )
}

/// The `YYYYMMDD` in front of a V4 datetime. A malformed datetime yields its longest prefix of
/// whole characters within 8 bytes rather than a panic: the signature then just fails to match.
fn scope_date(datetime: &str) -> &str {
    let mut end = datetime.len().min(8);
    while !datetime.is_char_boundary(end) {
        end -= 1;
    }
    datetime.get(..end).unwrap_or_default()
}

/// `YYYYMMDD/region/product/aliyun_v4_request`
pub fn v4_scope(date: &str, region: &str, product: &str) -> String {
    format!("{date}/{region}/{product}/{V4_TERMINATOR}")
}

pub fn v4_string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    format!("{V4_ALGORITHM}\n{datetime}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Lowercase hex HMAC-SHA256 with the derived V4 key.
pub fn v4_signature(secret: &str, date: &str, region: &str, product: &str, string_to_sign: &str) -> String {
    let mut key = hmac_sha256(format!("aliyun_v4{secret}").as_bytes(), date.as_bytes());
    for part in [region, product, V4_TERMINATOR] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// `OSS4-HMAC-SHA256 Credential=ak/scope[,AdditionalHeaders=a;b],Signature=hex`
pub fn v4_authorization(access_key_id: &str, scope: &str, additional: &[String], signature: &str) -> String {
    let extra =
        if additional.is_empty() { String::new() } else { format!(",AdditionalHeaders={}", additional.join(";")) };
    format!("{V4_ALGORITHM} Credential={access_key_id}/{scope}{extra},Signature={signature}")
}

/// The parts of a V4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4Authorization {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub product: String,
    pub additional_headers: Vec<String>,
    pub signature: String,
}

/// Parses the Credential list leniently: `,` or `, ` separators and any order (Python SDK v1 puts
/// AdditionalHeaders last with spaces). Exactly Credential and Signature are required.
pub fn parse_v4_authorization(value: &str) -> Option<V4Authorization> {
    let rest = value.strip_prefix(V4_ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signature, mut additional) = (None, None, None);
    for item in rest.split(',') {
        let (name, val) = item.trim().split_once('=')?;
        let slot = match name {
            "Credential" => &mut credential,
            "Signature" => &mut signature,
            "AdditionalHeaders" => &mut additional,
            _ => return None,
        };
        if slot.replace(val.to_owned()).is_some() {
            return None;
        }
    }
    let credential = parse_v4_credential(&credential?)?;
    Some(V4Authorization {
        additional_headers: additional
            .map(|a| a.split(';').filter(|h| !h.is_empty()).map(|h| h.to_ascii_lowercase()).collect())
            .unwrap_or_default(),
        signature: signature?,
        ..credential
    })
}

/// Parses `ak/YYYYMMDD/region/product/aliyun_v4_request`. The region may be empty (Python SDK v2
/// without a region), which the verifier then rejects with the OSS error.
pub fn parse_v4_credential(value: &str) -> Option<V4Authorization> {
    let mut parts = value.rsplitn(5, '/');
    let terminator = parts.next()?;
    let product = parts.next()?;
    let region = parts.next()?;
    let date = parts.next()?;
    let ak = parts.next()?;
    if terminator != V4_TERMINATOR || ak.is_empty() {
        return None;
    }
    Some(V4Authorization {
        access_key_id: ak.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        product: product.to_owned(),
        additional_headers: Vec::new(),
        signature: String::new(),
    })
}

/// Space-separated two-digit hex of each byte, the `<StringToSignBytes>` of SignatureDoesNotMatch.
pub fn string_to_sign_bytes(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// Compares two signatures in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Access key, secret and optional STS token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub security_token: Option<String>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self { access_key_id: access_key_id.into(), access_key_secret: access_key_secret.into(), security_token: None }
    }
}

/// The `Authorization` value for a V1 header-signed request. The request's headers must already
/// carry `x-oss-security-token` when the credentials have one.
pub fn sign_v1_header(req: &SignableRequest<'_>, creds: &Credentials, date: &str) -> String {
    let sts = v1_string_to_sign(req, date, V1Resource::SubResources);
    v1_authorization(&creds.access_key_id, &v1_signature(&creds.access_key_secret, &sts))
}

/// The query parameters a V1 presigned URL adds (`security-token` is signed as a sub-resource).
pub fn presign_v1(req: &SignableRequest<'_>, creds: &Credentials, expires_unix: i64) -> Vec<(String, String)> {
    let mut query = req.query.to_vec();
    let mut added = Vec::new();
    if let Some(token) = &creds.security_token {
        added.push(("security-token".to_owned(), token.clone()));
        query.push(("security-token".to_owned(), token.clone()));
    }
    let signed = SignableRequest { query: &query, ..*req };
    let sts = v1_string_to_sign(&signed, &expires_unix.to_string(), V1Resource::SubResources);
    added.push(("OSSAccessKeyId".to_owned(), creds.access_key_id.clone()));
    added.push(("Expires".to_owned(), expires_unix.to_string()));
    added.push(("Signature".to_owned(), v1_signature(&creds.access_key_secret, &sts)));
    added
}

/// The `Authorization` value for a V4 header-signed request. The request's headers must already
/// carry `x-oss-date` (= `datetime`), `x-oss-content-sha256` and any security token.
pub fn sign_v4_header(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    region: &str,
    product: &str,
    datetime: &str,
    additional: &[String],
) -> String {
    let hashed = req.headers.iter().find(|(n, _)| n == "x-oss-content-sha256").map(|(_, v)| v.as_str());
    let canonical = v4_canonical_request(req, additional, hashed.unwrap_or(UNSIGNED_PAYLOAD), None);
    let date = scope_date(datetime);
    let scope = v4_scope(date, region, product);
    let sts = v4_string_to_sign(datetime, &scope, &canonical);
    let sig = v4_signature(&creds.access_key_secret, date, region, product, &sts);
    v4_authorization(&creds.access_key_id, &scope, additional, &sig)
}

/// The query parameters a V4 presigned URL adds, `x-oss-signature` last.
pub fn presign_v4(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    region: &str,
    product: &str,
    datetime: &str,
    expires_secs: u64,
    additional: &[String],
) -> Vec<(String, String)> {
    let date = scope_date(datetime);
    let scope = v4_scope(date, region, product);
    let mut added = vec![
        ("x-oss-signature-version".to_owned(), V4_ALGORITHM.to_owned()),
        ("x-oss-credential".to_owned(), format!("{}/{scope}", creds.access_key_id)),
        ("x-oss-date".to_owned(), datetime.to_owned()),
        ("x-oss-expires".to_owned(), expires_secs.to_string()),
    ];
    if !additional.is_empty() {
        added.push(("x-oss-additional-headers".to_owned(), additional.join(";")));
    }
    if let Some(token) = &creds.security_token {
        added.push(("x-oss-security-token".to_owned(), token.clone()));
    }
    let mut query = req.query.to_vec();
    query.extend(added.iter().cloned());
    let signed = SignableRequest { query: &query, ..*req };
    let canonical = v4_canonical_request(&signed, additional, UNSIGNED_PAYLOAD, None);
    let sts = v4_string_to_sign(datetime, &scope, &canonical);
    added.push(("x-oss-signature".to_owned(), v4_signature(&creds.access_key_secret, date, region, product, &sts)));
    added
}

#[cfg(test)]
mod tests;
