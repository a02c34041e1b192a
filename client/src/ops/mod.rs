//! Typed operations, one `async fn` per OSS operation, named after it in snake_case. Every one
//! goes through [`crate::RequestBuilder`], so what they send can also be sent by hand.

mod append;
mod bucket;
mod callback;
mod configs;
mod lifecycle;
mod multipart;
mod object;
mod policy;
mod restore;
mod tagging;
mod versioning;
mod worm;

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use oss_protocol::crc64::Crc64;

use http::{HeaderMap, StatusCode};
use oss_protocol::headers as h;
use oss_protocol::time::parse_http_date;

use crate::error::Error;
use crate::request::{header_str, header_u64, Response};

pub use append::{AppendObjectResult, SymlinkInfo};
pub use bucket::ListBucketsOptions;
pub use callback::{Callback, CallbackBodyType};
pub use configs::Preflight;
pub use multipart::{
    complete_part, CompleteMultipartUploadOptions, InitiateMultipartUploadOptions, ListMultipartUploadsOptions,
    ListPartsOptions, UploadPartCopyRequest, UploadPartOptions, UploadPartResult,
};
pub use object::{
    copy_source, CopyObjectRequest, GetObjectOptions, GetObjectResult, ListObjectsOptions, ListObjectsV2Options,
    ObjectStream, PutObjectOptions, PutObjectResult,
};
pub use restore::{RestoreOptions, RestoreResult, RestoreStatus};
pub use versioning::{DeleteObjectResult, ListObjectVersionsOptions};

/// A typed result plus the answer's status and headers. Derefs to the result.
#[derive(Debug, Clone)]
pub struct Output<T> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
    pub data: T,
}

impl<T> Output<T> {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, data: T) -> Self {
        let request_id = header_str(&headers, h::REQUEST_ID).map(str::to_owned);
        Output { status, headers, request_id, data }
    }

    pub(crate) fn from_response(response: Response, data: T) -> Self {
        Output::new(response.status, response.headers, data)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// `ETag` header.
    pub fn etag(&self) -> Option<&str> {
        self.header("etag")
    }

    /// `x-oss-hash-crc64ecma` header.
    pub fn crc64(&self) -> Result<Option<u64>, Error> {
        header_u64(self.status, &self.headers, h::HASH_CRC64ECMA)
    }

    pub fn into_inner(self) -> T {
        self.data
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Output<U> {
        Output { status: self.status, headers: self.headers, request_id: self.request_id, data: f(self.data) }
    }
}

impl<T> Deref for Output<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

/// Object metadata read from HEAD / GET / GetObjectMeta headers. Fields are `None` when the
/// header is absent; a header present in a malformed form (a `Last-Modified` that is not strict
/// RFC 1123, a non-numeric CRC) is an [`Error::InvalidResponse`], since SDKs choke on those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    pub content_length: Option<u64>,
    pub etag: Option<String>,
    pub last_modified: Option<SystemTime>,
    pub object_type: Option<String>,
    pub storage_class: Option<String>,
    pub crc64: Option<u64>,
    pub content_type: Option<String>,
    pub content_md5: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub cache_control: Option<String>,
    pub expires: Option<String>,
    pub version_id: Option<String>,
    /// `x-oss-delete-marker: true` (on the 404 of a key whose current version is a marker).
    pub delete_marker: bool,
    pub server_side_encryption: Option<String>,
    pub tagging_count: Option<u64>,
    /// `x-oss-restore` of an archived object (see [`ObjectMeta::restore_status`]).
    pub restore: Option<String>,
    /// `x-oss-meta-*` by lowercase suffix; values decoded as UTF-8 (lossily).
    pub metadata: BTreeMap<String, String>,
    pub request_id: Option<String>,
}

impl ObjectMeta {
    pub fn from_headers(status: StatusCode, headers: &HeaderMap) -> Result<ObjectMeta, Error> {
        let text = |name: &str| header_str(headers, name).map(str::to_owned);
        let last_modified = match headers.get("last-modified") {
            None => None,
            Some(v) => Some(
                std::str::from_utf8(v.as_bytes())
                    .ok()
                    .and_then(parse_http_date)
                    .ok_or_else(|| Error::invalid(format!("Last-Modified {v:?} is not RFC 1123"), status, headers))?,
            ),
        };
        let metadata = headers
            .iter()
            .filter_map(|(name, value)| {
                let suffix = name.as_str().strip_prefix(h::META_PREFIX)?;
                Some((suffix.to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            })
            .collect();
        Ok(ObjectMeta {
            content_length: header_u64(status, headers, "content-length")?,
            etag: text("etag"),
            last_modified,
            object_type: text(h::OBJECT_TYPE),
            storage_class: text(h::STORAGE_CLASS),
            crc64: header_u64(status, headers, h::HASH_CRC64ECMA)?,
            content_type: text("content-type"),
            content_md5: text("content-md5"),
            content_encoding: text("content-encoding"),
            content_disposition: text("content-disposition"),
            content_language: text("content-language"),
            cache_control: text("cache-control"),
            expires: text("expires"),
            version_id: text(h::VERSION_ID),
            delete_marker: text(h::DELETE_MARKER).is_some_and(|v| v.eq_ignore_ascii_case("true")),
            server_side_encryption: text(h::SERVER_SIDE_ENCRYPTION),
            tagging_count: header_u64(status, headers, h::TAGGING_COUNT)?,
            restore: text(h::RESTORE),
            metadata,
            request_id: text(h::REQUEST_ID),
        })
    }

    /// The ETag without quotes.
    pub fn etag_trimmed(&self) -> Option<&str> {
        self.etag.as_deref().map(oss_protocol::trim_etag)
    }

    /// Where a restore of this archived object stands; `None` when none is ongoing or done.
    pub fn restore_status(&self) -> Option<RestoreStatus> {
        self.restore.as_deref().map(RestoreStatus::parse)
    }

    pub fn meta(&self, name: &str) -> Option<&str> {
        self.metadata.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// Base64 MD5, the `Content-MD5` value for a body.
pub fn content_md5(data: &[u8]) -> String {
    use base64::Engine;
    use md5::{Digest, Md5};
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// Compares a CRC computed over what was sent or received with the server's header; a missing
/// header is accepted, as the SDKs do.
pub(crate) fn check_crc(
    operation: &'static str,
    client_crc: u64,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<(), Error> {
    match header_u64(status, headers, h::HASH_CRC64ECMA)? {
        Some(server_crc) if server_crc != client_crc => Err(Error::Integrity {
            operation,
            client_crc,
            server_crc,
            request_id: header_str(headers, h::REQUEST_ID).map(str::to_owned),
        }),
        _ => Ok(()),
    }
}

/// A CRC-64 computed over a streamed body as the HTTP stack pulls it.
pub(crate) struct CrcTap(Arc<Mutex<Crc64>>);

impl CrcTap {
    pub(crate) fn wrap<S, E>(body: S) -> (impl Stream<Item = Result<Bytes, E>> + Send + 'static, CrcTap)
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: 'static,
    {
        let crc = Arc::new(Mutex::new(Crc64::new()));
        let tap = Arc::clone(&crc);
        let body = body.map_ok(move |chunk| {
            // A poisoned lock only means another update panicked; the digest itself is intact.
            tap.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).update(&chunk);
            chunk
        });
        (body, CrcTap(crc))
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).finish()
    }
}

/// Percent-decodes a field of an `encoding-type=url` listing in place.
pub(crate) fn url_decode(s: &mut String) {
    *s = oss_protocol::encoding::percent_decode_lossy(s, false);
}

pub(crate) fn url_decode_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        url_decode(s);
    }
}

pub(crate) fn is_url_encoded(encoding_type: &Option<String>) -> bool {
    encoding_type.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("url"))
}

/// The output of an operation whose answer has no body worth reading.
pub(crate) fn empty(response: Response) -> Output<()> {
    Output::from_response(response, ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn object_meta_from_headers() {
        let mut hm = HeaderMap::new();
        hm.insert("content-length", HeaderValue::from_static("11"));
        hm.insert("etag", HeaderValue::from_static("\"ABC\""));
        hm.insert("last-modified", HeaderValue::from_static("Wed, 28 Dec 2022 10:27:41 GMT"));
        hm.insert("x-oss-object-type", HeaderValue::from_static("Normal"));
        hm.insert("x-oss-hash-crc64ecma", HeaderValue::from_static("11051210869376104954"));
        hm.insert("x-oss-meta-author", HeaderValue::from_bytes("爱丽丝".as_bytes()).unwrap());
        hm.insert("x-oss-request-id", HeaderValue::from_static("RID"));
        let m = ObjectMeta::from_headers(StatusCode::OK, &hm).unwrap();
        assert_eq!(m.content_length, Some(11));
        assert_eq!(m.etag_trimmed(), Some("ABC"));
        assert_eq!(m.last_modified, Some(oss_protocol::time::from_unix_seconds(1672223261)));
        assert_eq!(m.crc64, Some(0x995DC9BBDF1939FA));
        assert_eq!(m.meta("Author"), Some("爱丽丝"));
        assert_eq!(m.request_id.as_deref(), Some("RID"));

        hm.insert("last-modified", HeaderValue::from_static("Wed, 8 Dec 2022 10:27:41 GMT"));
        assert!(matches!(ObjectMeta::from_headers(StatusCode::OK, &hm), Err(Error::InvalidResponse { .. })));
        hm.insert("last-modified", HeaderValue::from_static("Wed, 28 Dec 2022 10:27:41 GMT"));
        hm.insert("x-oss-hash-crc64ecma", HeaderValue::from_static("0x12"));
        assert!(matches!(ObjectMeta::from_headers(StatusCode::OK, &hm), Err(Error::InvalidResponse { .. })));
    }

    #[test]
    fn crc_check() {
        let mut hm = HeaderMap::new();
        assert!(check_crc("put", 5, StatusCode::OK, &hm).is_ok());
        hm.insert("x-oss-hash-crc64ecma", HeaderValue::from_static("5"));
        assert!(check_crc("put", 5, StatusCode::OK, &hm).is_ok());
        let e = check_crc("put", 6, StatusCode::OK, &hm).unwrap_err();
        assert!(matches!(e, Error::Integrity { client_crc: 6, server_crc: 5, .. }));
    }

    #[test]
    fn md5_base64() {
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }
}
