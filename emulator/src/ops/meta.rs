//! Object metadata on the wire: what a request asks to store (PutObject, CopyObject REPLACE,
//! InitiateMultipartUpload), what a response shows (GetObject, HeadObject), and the conditional
//! and range rules shared by reads and copies.

use std::time::SystemTime;

use http::Response;
use oss_protocol::headers::{
    HASH_CRC64ECMA, META_PREFIX, OBJECT_ACL, OBJECT_TYPE, SERVER_SIDE_DATA_ENCRYPTION, SERVER_SIDE_ENCRYPTION,
    SERVER_SIDE_ENCRYPTION_KEY_ID, STORAGE_CLASS, TAGGING_COUNT,
};
use oss_protocol::time::{parse_http_date_lenient, truncate_to_seconds};
use oss_protocol::{Acl, StorageClass};

use super::{from_ms, http_date, Ctx};
use crate::body::Body;
use crate::error::{Code, OssError, Result};
use crate::respond::set_header;
use crate::store::{BucketMeta, ObjectMeta};

/// Standard headers stored with an object and returned on reads.
pub const STORED_HEADERS: &[&str] =
    &["content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires"];

/// What a new object without a Content-Type gets. The SDKs guess a type from the key's extension
/// on their side; the server does not.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The headers and settings a write request asks to store, validated. Size, digests and
/// segments are filled in by the caller, and so is a Content-Type the request did not send
/// (a new object's default differs from a copy's).
pub fn object_template(ctx: &Ctx, key: &str, bucket: &BucketMeta) -> Result<ObjectMeta> {
    let mut headers = Vec::new();
    for name in STORED_HEADERS {
        if let Some(v) = ctx.header(name) {
            headers.push(((*name).to_owned(), v.to_owned()));
        }
    }
    let mut sse = server_side_encryption(ctx)?;
    // Without its own, a new object gets the bucket's default encryption (and says so on every
    // answer, as OSS's do).
    let default = bucket.configs.encryption.as_ref().filter(|_| sse.is_none());
    if let Some(rule) = default {
        sse = Some(rule.sse_algorithm.clone());
    }
    let key_header = default.map_or(ctx.header(SERVER_SIDE_ENCRYPTION_KEY_ID), |r| r.kms_master_key_id.as_deref());
    let sse_key_id = match (sse.as_deref(), key_header) {
        (Some("KMS"), Some(id)) if !id.is_empty() => Some(id.to_owned()),
        (Some("KMS"), _) => Some(default_kms_key_id(&bucket.owner_id)),
        (_, id) => id.map(str::to_owned),
    };
    let data_header = default.map_or(ctx.header(SERVER_SIDE_DATA_ENCRYPTION), |r| r.kms_data_encryption.as_deref());
    let sse_data_encryption = match data_header {
        None => None,
        Some("SM4") if sse.as_deref() == Some("KMS") => Some("SM4".to_owned()),
        Some(v) => {
            return Err(OssError::invalid_argument(
                "The data encryption algorithm you specified is not valid.",
                SERVER_SIDE_DATA_ENCRYPTION,
                v,
            ))
        }
    };
    let mut meta = ObjectMeta::new(key, storage_class(ctx)?.unwrap_or(bucket.storage_class));
    meta.headers = headers;
    meta.user_meta = user_metadata(ctx)?;
    meta.acl = object_acl(ctx)?.unwrap_or(Acl::Default);
    meta.sse = sse;
    meta.sse_key_id = sse_key_id;
    meta.sse_data_encryption = sse_data_encryption;
    meta.tags = super::tagging::header_tags(ctx)?;
    Ok(meta)
}

/// The KMS key an account's SSE-KMS objects use when the request names none: stable per account,
/// shaped like a KMS key id, as OSS answers with the account's default OSS-managed CMK.
pub fn default_kms_key_id(account_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = hex::encode(Sha256::digest(format!("oss-emulator-kms:{account_id}")));
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Puts the encryption headers of a stored object (or upload) on a response.
pub fn write_sse_headers(resp: &mut Response<Body>, meta: &ObjectMeta) {
    if let Some(sse) = &meta.sse {
        set_header(resp, SERVER_SIDE_ENCRYPTION, sse);
        if let Some(key_id) = &meta.sse_key_id {
            set_header(resp, SERVER_SIDE_ENCRYPTION_KEY_ID, key_id);
        }
        if let Some(data) = &meta.sse_data_encryption {
            set_header(resp, SERVER_SIDE_DATA_ENCRYPTION, data);
        }
    }
}

/// `x-oss-meta-*`, names lowercased, at most 8 KB of names and values together.
pub fn user_metadata(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut total = 0usize;
    for (name, value) in &ctx.headers {
        let name = name.as_str();
        if let Some(suffix) = name.strip_prefix(META_PREFIX) {
            let value = String::from_utf8_lossy(value.as_bytes()).trim().to_owned();
            total += suffix.len() + value.len();
            out.push((name.to_owned(), value));
        }
    }
    if total > ctx.limits().max_user_metadata {
        return Err(OssError::invalid_argument(
            "Your metadata headers exceed the maximum allowed metadata size.",
            "x-oss-meta-*",
            &total.to_string(),
        )
        .ec("0011-00000002"));
    }
    out.sort();
    Ok(out)
}

pub fn object_acl(ctx: &Ctx) -> Result<Option<Acl>> {
    ctx.header(OBJECT_ACL)
        .map(|acl| {
            acl.parse().map_err(|_| OssError::invalid_argument("no such object access control exists", OBJECT_ACL, acl))
        })
        .transpose()
}

pub fn storage_class(ctx: &Ctx) -> Result<Option<StorageClass>> {
    ctx.header(STORAGE_CLASS)
        .map(|class| {
            class.parse().map_err(|_| OssError::invalid_argument("Invalid storage class.", STORAGE_CLASS, class))
        })
        .transpose()
}

/// Validated and recorded; the emulator stores plaintext (encryption at rest is not observable
/// through the API).
pub fn server_side_encryption(ctx: &Ctx) -> Result<Option<String>> {
    match ctx.header(SERVER_SIDE_ENCRYPTION) {
        None => Ok(None),
        Some(v @ ("AES256" | "KMS" | "SM4")) => Ok(Some(v.to_owned())),
        Some(_) => Err(OssError::new(Code::InvalidEncryptionAlgorithmError).ec("0016-00000208")),
    }
}

/// Headers describing a stored object (GetObject, HeadObject).
/// The headers GetObject and HeadObject describe an object with (as of `now_ms`, for a restore).
pub fn write_object_headers(resp: &mut Response<Body>, meta: &ObjectMeta, now_ms: i64) {
    for (name, value) in &meta.headers {
        set_header(resp, name, value);
    }
    set_header(resp, "etag", &meta.etag);
    set_header(resp, "last-modified", &http_date(meta.last_modified_ms));
    set_header(resp, OBJECT_TYPE, meta.object_type.as_str());
    set_header(resp, STORAGE_CLASS, meta.storage_class.as_str());
    set_header(resp, HASH_CRC64ECMA, &meta.crc64.to_string());
    set_header(resp, "accept-ranges", "bytes");
    if let Some(md5) = &meta.content_md5 {
        set_header(resp, "content-md5", md5);
    }
    for (name, value) in &meta.user_meta {
        set_header(resp, name, value);
    }
    write_sse_headers(resp, meta);
    if !meta.tags.is_empty() {
        set_header(resp, TAGGING_COUNT, &meta.tags.len().to_string());
    }
    if let Some(info) = super::restore::restore_info(meta, now_ms) {
        set_header(resp, oss_protocol::headers::RESTORE, &info);
    }
    if meta.object_type == oss_protocol::ObjectType::Appendable {
        set_header(resp, oss_protocol::headers::NEXT_APPEND_POSITION, &meta.size.to_string());
    }
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let etag = oss_protocol::trim_etag(etag);
    list.split(',')
        .map(oss_protocol::trim_etag)
        .any(|candidate| candidate == "*" || candidate.eq_ignore_ascii_case(etag))
}

/// A header as `<Condition>` names it: `If-Match`, `x-oss-copy-source-if-match`.
fn condition_name(header: &str) -> String {
    if header.starts_with("x-oss-") {
        return header.to_owned();
    }
    header
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The four conditional headers under the given names. Precedence follows RFC 7232 (as S3 does;
/// OSS's own precedence is unconfirmed): If-Match, else If-Unmodified-Since → 412; then
/// If-None-Match, else If-Modified-Since → 304. Unparsable dates are ignored, as OSS does.
pub fn check_conditions(ctx: &Ctx, names: [&str; 4], meta: &ObjectMeta) -> Result<()> {
    let [if_match, if_none_match, if_unmodified_since, if_modified_since] = names;
    let modified = truncate_to_seconds(from_ms(meta.last_modified_ms));
    let date = |name: &str| ctx.header(name).and_then(parse_http_date_lenient);
    let failed = |name: &str| {
        Err(OssError::new(Code::PreconditionFailed).with("Condition", condition_name(name)).ec("0026-00000101"))
    };
    match ctx.header(if_match) {
        Some(list) if !etag_matches(list, &meta.etag) => return failed(if_match),
        Some(_) => {}
        None => {
            if date(if_unmodified_since).is_some_and(|since: SystemTime| modified > since) {
                return failed(if_unmodified_since);
            }
        }
    }
    let not_modified = || Err(OssError::new(Code::NotModified));
    match ctx.header(if_none_match) {
        Some(list) if etag_matches(list, &meta.etag) => return not_modified(),
        Some(_) => {}
        None => {
            if date(if_modified_since).is_some_and(|since: SystemTime| modified <= since) {
                return not_modified();
            }
        }
    }
    Ok(())
}

/// An inclusive byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }
}

fn invalid_range(size: u64) -> OssError {
    OssError::new(Code::InvalidRange).header("content-range", format!("bytes */{size}")).ec("0026-00000102")
}

/// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` against an object of `size` bytes.
///
/// Legacy behaviour (the default): anything unsatisfiable or malformed is ignored and the whole
/// object is served, except `bytes=-0` → 416. With `x-oss-range-behavior: standard` an end past
/// the object is clamped and a start past it is 416. Several ranges (`bytes=0-1,5-6`) are
/// treated as malformed: the current 416 doc says they are unsupported, the old one that only
/// the first is served; ignoring them (legacy) or refusing them (standard) is the reading that
/// never returns bytes the client did not ask for.
pub fn parse_range(spec: &str, size: u64, standard: bool) -> Result<Option<ByteRange>> {
    let Some(spec) = spec.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return if standard { Err(invalid_range(size)) } else { Ok(None) };
    }
    let Some((a, b)) = spec.split_once('-') else { return Ok(None) };
    let num = |s: &str| if s.bytes().all(|c| c.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    let unsatisfiable = |standard: bool| if standard { Err(invalid_range(size)) } else { Ok(None) };
    match (a.trim(), b.trim()) {
        ("", n) => {
            let Some(n) = num(n) else { return Ok(None) };
            if n == 0 {
                return Err(invalid_range(size));
            }
            if size == 0 {
                return unsatisfiable(standard);
            }
            if n > size {
                return if standard { Ok(Some(ByteRange { first: 0, last: size - 1 })) } else { Ok(None) };
            }
            Ok(Some(ByteRange { first: size - n, last: size - 1 }))
        }
        (a, "") => {
            let Some(first) = num(a) else { return Ok(None) };
            if first >= size {
                return unsatisfiable(standard);
            }
            Ok(Some(ByteRange { first, last: size - 1 }))
        }
        (a, b) => {
            let (Some(first), Some(last)) = (num(a), num(b)) else { return Ok(None) };
            if first > last {
                return Ok(None);
            }
            if first >= size {
                return unsatisfiable(standard);
            }
            if last >= size {
                return if standard { Ok(Some(ByteRange { first, last: size - 1 })) } else { Ok(None) };
            }
            Ok(Some(ByteRange { first, last }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(spec: &str, size: u64, standard: bool) -> std::result::Result<Option<(u64, u64)>, Code> {
        parse_range(spec, size, standard).map(|o| o.map(|r| (r.first, r.last))).map_err(|e| e.code)
    }

    #[test]
    fn legacy_ranges() {
        assert_eq!(r("bytes=0-9", 1000, false), Ok(Some((0, 9))));
        assert_eq!(r("bytes=990-", 1000, false), Ok(Some((990, 999))));
        assert_eq!(r("bytes=-10", 1000, false), Ok(Some((990, 999))));
        for ignored in
            ["byte=0-1", "bytes=0-1000", "bytes=1000-", "bytes=5-1", "bytes=-2000", "bytes=0-1,5-6", "bytes=a-b"]
        {
            assert_eq!(r(ignored, 1000, false), Ok(None), "{ignored}");
        }
        assert_eq!(r("bytes=-0", 1000, false), Err(Code::InvalidRange));
        assert_eq!(r("bytes=0-0", 0, false), Ok(None));
    }

    #[test]
    fn standard_ranges() {
        assert_eq!(r("bytes=500-2000", 1000, true), Ok(Some((500, 999))));
        assert_eq!(r("bytes=0-2000", 1000, true), Ok(Some((0, 999))));
        assert_eq!(r("bytes=1000-", 1000, true), Err(Code::InvalidRange));
        assert_eq!(r("bytes=1000-1001", 1000, true), Err(Code::InvalidRange));
        assert_eq!(r("bytes=-2000", 1000, true), Ok(Some((0, 999))));
        assert_eq!(r("bytes=0-1,5-6", 1000, true), Err(Code::InvalidRange));
    }

    proptest::proptest! {
        /// Any Range header against any size, in both behaviours: no range, a 416, or a range
        /// inside the object; never a panic.
        #[test]
        fn ranges_stay_inside_the_object(
            spec in "bytes=[0-9]{0,6}-[0-9]{0,6}|bytes=[0-9,-]{0,14}|\\PC{0,24}",
            size in 0u64..1_000_000,
            standard in proptest::bool::ANY,
        ) {
            if let Ok(Some(r)) = parse_range(&spec, size, standard) {
                proptest::prop_assert!(r.first <= r.last && r.last < size, "{:?} of {}", r, size);
            }
        }
    }
}
