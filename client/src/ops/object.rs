//! Object operations: put, get, head, delete, list, ACL, copy.

use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http::{HeaderMap, StatusCode};
use oss_protocol::crc64::{self, Crc64};
use oss_protocol::encoding::uri_encode;
use oss_protocol::headers as h;
use oss_protocol::time::format_http_date;
use oss_protocol::xml::{
    self, AccessControlPolicy, CopyObjectResult, Delete, DeleteObjectEntry, DeleteResult, ListBucketResult,
};
use reqwest::Method;

use super::callback::Callback;
use super::versioning::DeleteObjectResult;
use super::{check_crc, content_md5, empty, is_url_encoded, url_decode, url_decode_opt, CrcTap, ObjectMeta, Output};
use crate::client::Client;
use crate::error::Error;
use crate::request::{header_str, header_u64, RequestBuilder, Response, StreamingResponse};

/// Headers of PutObject (and the object-creating part of other operations).
#[derive(Debug, Clone, Default)]
pub struct PutObjectOptions {
    pub content_type: Option<String>,
    /// Sent verbatim; see [`crate::content_md5`] to compute one.
    pub content_md5: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub expires: Option<String>,
    /// User metadata: `name` becomes `x-oss-meta-name` (a name already carrying the prefix is
    /// sent as is).
    pub metadata: Vec<(String, String)>,
    /// `x-oss-object-acl`.
    pub acl: Option<String>,
    pub storage_class: Option<String>,
    pub forbid_overwrite: Option<bool>,
    pub server_side_encryption: Option<String>,
    /// `x-oss-tagging`, already URL-encoded (`k=v&k2=v2`).
    pub tagging: Option<String>,
    /// `x-oss-traffic-limit`: the upload's bandwidth cap in bits per second (819200 to
    /// 838860800).
    pub traffic_limit: Option<u64>,
    /// An upload callback (PutObject and, given at Complete, multipart uploads).
    pub callback: Option<Callback>,
    /// Anything else, sent and signed as given.
    pub headers: Vec<(String, String)>,
}

pub(crate) fn meta_header(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with(h::META_PREFIX) {
        lower
    } else {
        format!("{}{lower}", h::META_PREFIX)
    }
}

pub(crate) fn apply_headers(mut req: RequestBuilder, headers: &[(String, String)]) -> RequestBuilder {
    for (n, v) in headers {
        req = req.header(n, v.clone());
    }
    req
}

impl PutObjectOptions {
    pub(crate) fn apply(&self, req: RequestBuilder) -> RequestBuilder {
        let mut req = req
            .header_opt("content-type", self.content_type.clone())
            .header_opt("content-md5", self.content_md5.clone())
            .header_opt("cache-control", self.cache_control.clone())
            .header_opt("content-disposition", self.content_disposition.clone())
            .header_opt("content-encoding", self.content_encoding.clone())
            .header_opt("expires", self.expires.clone())
            .header_opt(h::OBJECT_ACL, self.acl.clone())
            .header_opt(h::STORAGE_CLASS, self.storage_class.clone())
            .header_opt(h::FORBID_OVERWRITE, self.forbid_overwrite.map(|b| b.to_string()))
            .header_opt(h::SERVER_SIDE_ENCRYPTION, self.server_side_encryption.clone())
            .header_opt(h::TAGGING, self.tagging.clone())
            .header_opt(h::TRAFFIC_LIMIT, self.traffic_limit.map(|b| b.to_string()));
        for (n, v) in &self.metadata {
            req = req.header(meta_header(n), v.clone());
        }
        if let Some(callback) = &self.callback {
            req = callback.apply(req);
        }
        apply_headers(req, &self.headers)
    }
}

/// What PutObject answers in headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutObjectResult {
    pub etag: Option<String>,
    pub crc64: Option<u64>,
    pub content_md5: Option<String>,
    pub version_id: Option<String>,
    /// The callback server's JSON, when the upload asked for a callback.
    pub callback_answer: Option<String>,
}

impl PutObjectResult {
    fn from_response(resp: &Response) -> Result<Self, Error> {
        let headers = &resp.headers;
        Ok(PutObjectResult {
            etag: header_str(headers, "etag").map(str::to_owned),
            crc64: header_u64(resp.status, headers, h::HASH_CRC64ECMA)?,
            content_md5: header_str(headers, "content-md5").map(str::to_owned),
            version_id: header_str(headers, "x-oss-version-id").map(str::to_owned),
            callback_answer: callback_answer(resp),
        })
    }
}

/// The body of an upload's answer when a callback server wrote it.
pub(crate) fn callback_answer(resp: &Response) -> Option<String> {
    let json = resp.header("content-type").is_some_and(|t| t.starts_with("application/json"));
    json.then(|| String::from_utf8_lossy(&resp.body).into_owned())
}

/// GetObject / HeadObject request options.
#[derive(Debug, Clone, Default)]
pub struct GetObjectOptions {
    /// The `Range` header verbatim (`bytes=0-9`, `bytes=5-`, `bytes=-3`, or anything malformed).
    pub range: Option<String>,
    /// `x-oss-range-behavior` (`standard`).
    pub range_behavior: Option<String>,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<SystemTime>,
    pub if_unmodified_since: Option<SystemTime>,
    pub response_content_type: Option<String>,
    pub response_content_language: Option<String>,
    pub response_expires: Option<String>,
    pub response_cache_control: Option<String>,
    pub response_content_disposition: Option<String>,
    pub response_content_encoding: Option<String>,
    pub version_id: Option<String>,
    /// `x-oss-traffic-limit`: the download's bandwidth cap in bits per second.
    pub traffic_limit: Option<u64>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
}

impl GetObjectOptions {
    /// `Range: bytes=start-end` (inclusive; open-ended when `end` is `None`).
    pub fn range(start: u64, end: Option<u64>) -> Self {
        let range = match end {
            Some(end) => format!("bytes={start}-{end}"),
            None => format!("bytes={start}-"),
        };
        GetObjectOptions { range: Some(range), ..Default::default() }
    }

    fn apply(&self, req: RequestBuilder) -> RequestBuilder {
        let mut req = req
            .query_opt("response-content-type", self.response_content_type.clone())
            .query_opt("response-content-language", self.response_content_language.clone())
            .query_opt("response-expires", self.response_expires.clone())
            .query_opt("response-cache-control", self.response_cache_control.clone())
            .query_opt("response-content-disposition", self.response_content_disposition.clone())
            .query_opt("response-content-encoding", self.response_content_encoding.clone())
            .query_opt("versionId", self.version_id.clone())
            .header_opt("range", self.range.clone())
            .header_opt(h::RANGE_BEHAVIOR, self.range_behavior.clone())
            .header_opt("if-match", self.if_match.clone())
            .header_opt("if-none-match", self.if_none_match.clone())
            .header_opt("if-modified-since", self.if_modified_since.map(format_http_date))
            .header_opt("if-unmodified-since", self.if_unmodified_since.map(format_http_date))
            .header_opt(h::TRAFFIC_LIMIT, self.traffic_limit.map(|b| b.to_string()));
        for (n, v) in &self.query {
            req = req.query(n.clone(), v.clone());
        }
        apply_headers(req, &self.headers)
    }
}

/// A downloaded object.
#[derive(Debug, Clone)]
pub struct GetObjectResult {
    pub meta: ObjectMeta,
    pub body: Bytes,
    /// `Content-Range` of a 206.
    pub content_range: Option<String>,
}

/// A download whose body is read piece by piece. The CRC of a whole-object (200) answer is
/// checked when the end is reached.
pub struct ObjectStream {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub meta: ObjectMeta,
    pub content_range: Option<String>,
    inner: StreamingResponse,
    crc: Option<Crc64>,
}

impl std::fmt::Debug for ObjectStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStream")
            .field("status", &self.status)
            .field("meta", &self.meta)
            .field("content_range", &self.content_range)
            .field("verifying_crc", &self.crc.is_some())
            .finish_non_exhaustive()
    }
}

impl ObjectStream {
    /// The next piece; `None` at the end, after the CRC check.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match self.inner.chunk().await? {
            Some(b) => {
                if let Some(crc) = &mut self.crc {
                    crc.update(&b);
                }
                Ok(Some(b))
            }
            None => {
                if let Some(crc) = self.crc.take() {
                    check_crc("get object", crc.finish(), self.status, &self.headers)?;
                }
                Ok(None)
            }
        }
    }

    /// Reads the rest into memory.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let mut out = BytesMut::new();
        while let Some(b) = self.chunk().await? {
            out.extend_from_slice(&b);
        }
        Ok(out.freeze())
    }
}

/// ListObjects (v1) parameters.
#[derive(Debug, Clone, Default)]
pub struct ListObjectsOptions {
    pub prefix: Option<String>,
    pub marker: Option<String>,
    pub delimiter: Option<String>,
    pub max_keys: Option<u32>,
    /// `url` makes the server percent-encode keys; the client decodes them again when the
    /// answer says `<EncodingType>url</EncodingType>`.
    pub encoding_type: Option<String>,
}

/// ListObjectsV2 parameters.
#[derive(Debug, Clone, Default)]
pub struct ListObjectsV2Options {
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    pub start_after: Option<String>,
    pub continuation_token: Option<String>,
    pub max_keys: Option<u32>,
    pub fetch_owner: Option<bool>,
    pub encoding_type: Option<String>,
}

/// CopyObject: `PUT` on the destination with `x-oss-copy-source`.
#[derive(Debug, Clone, Default)]
pub struct CopyObjectRequest {
    pub source_bucket: String,
    pub source_key: String,
    pub source_version_id: Option<String>,
    pub bucket: String,
    pub key: String,
    /// `COPY` or `REPLACE`.
    pub metadata_directive: Option<String>,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<SystemTime>,
    pub if_unmodified_since: Option<SystemTime>,
    pub forbid_overwrite: Option<bool>,
    pub acl: Option<String>,
    pub storage_class: Option<String>,
    pub server_side_encryption: Option<String>,
    pub server_side_encryption_key_id: Option<String>,
    /// `Copy` or `Replace`.
    pub tagging_directive: Option<String>,
    pub tagging: Option<String>,
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl CopyObjectRequest {
    pub fn new(
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        CopyObjectRequest {
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            bucket: bucket.into(),
            key: key.into(),
            ..Default::default()
        }
    }
}

/// The `x-oss-copy-source` value: `/bucket/key` with the key percent-encoded and `/` kept (as
/// the Go SDK v2 sends it), plus `?versionId=`.
pub fn copy_source(bucket: &str, key: &str, version_id: Option<&str>) -> String {
    let mut s = format!("/{bucket}/{}", uri_encode(key, true));
    if let Some(v) = version_id {
        s.push_str("?versionId=");
        s.push_str(&uri_encode(v, false));
    }
    s
}

/// The conditional copy-source headers shared by CopyObject and UploadPartCopy.
pub(crate) fn copy_conditions(
    req: RequestBuilder,
    if_match: &Option<String>,
    if_none_match: &Option<String>,
    if_modified_since: Option<SystemTime>,
    if_unmodified_since: Option<SystemTime>,
) -> RequestBuilder {
    req.header_opt(h::COPY_SOURCE_IF_MATCH, if_match.clone())
        .header_opt(h::COPY_SOURCE_IF_NONE_MATCH, if_none_match.clone())
        .header_opt(h::COPY_SOURCE_IF_MODIFIED_SINCE, if_modified_since.map(format_http_date))
        .header_opt(h::COPY_SOURCE_IF_UNMODIFIED_SINCE, if_unmodified_since.map(format_http_date))
}

impl Client {
    /// PutObject. The body's CRC-64 is compared with the answer's `x-oss-hash-crc64ecma`.
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: impl Into<Bytes>,
        opts: &PutObjectOptions,
    ) -> Result<Output<PutObjectResult>, Error> {
        let body = body.into();
        let client_crc = self.config().verify_crc.then(|| crc64::checksum(&body));
        let req = opts.apply(self.request(Method::PUT, Some(bucket), Some(key))).body(body);
        let resp = req.send().await?;
        if let Some(crc) = client_crc {
            check_crc("put object", crc, resp.status, &resp.headers)?;
        }
        let data = PutObjectResult::from_response(&resp)?;
        Ok(Output::from_response(resp, data))
    }

    /// PutObject from a stream, never holding the whole body. With `content_length` the request
    /// carries that length, otherwise it is sent chunked. The CRC is computed as the data goes.
    pub async fn put_object_stream<S, E>(
        &self,
        bucket: &str,
        key: &str,
        body: S,
        content_length: Option<u64>,
        opts: &PutObjectOptions,
    ) -> Result<Output<PutObjectResult>, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        let (body, crc) = CrcTap::wrap(body);
        let req = opts
            .apply(self.request(Method::PUT, Some(bucket), Some(key)))
            .header_opt("content-length", content_length.map(|n| n.to_string()))
            .body_stream(body);
        let resp = req.send().await?;
        if self.config().verify_crc {
            check_crc("put object", crc.finish(), resp.status, &resp.headers)?;
        }
        let data = PutObjectResult::from_response(&resp)?;
        Ok(Output::from_response(resp, data))
    }

    /// GetObject into memory. A whole-object (200) answer is CRC-checked; a 206 is not.
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        opts: &GetObjectOptions,
    ) -> Result<Output<GetObjectResult>, Error> {
        let resp = opts.apply(self.request(Method::GET, Some(bucket), Some(key))).send().await?;
        let meta = ObjectMeta::from_headers(resp.status, &resp.headers)?;
        if self.config().verify_crc && resp.status == StatusCode::OK {
            check_crc("get object", crc64::checksum(&resp.body), resp.status, &resp.headers)?;
        }
        let content_range = resp.header("content-range").map(str::to_owned);
        let body = resp.body.clone();
        Ok(Output::from_response(resp, GetObjectResult { meta, body, content_range }))
    }

    /// GetObject without buffering the body.
    pub async fn get_object_stream(
        &self,
        bucket: &str,
        key: &str,
        opts: &GetObjectOptions,
    ) -> Result<ObjectStream, Error> {
        let inner = opts.apply(self.request(Method::GET, Some(bucket), Some(key))).send_streaming().await?;
        let status = inner.status;
        let headers = inner.headers.clone();
        let meta = ObjectMeta::from_headers(status, &headers)?;
        let content_range = header_str(&headers, "content-range").map(str::to_owned);
        let crc = (self.config().verify_crc && status == StatusCode::OK).then(Crc64::new);
        Ok(ObjectStream { status, headers, meta, content_range, inner, crc })
    }

    /// HeadObject. Errors come from `x-oss-err`, since HEAD answers have no body.
    pub async fn head_object(
        &self,
        bucket: &str,
        key: &str,
        opts: &GetObjectOptions,
    ) -> Result<Output<ObjectMeta>, Error> {
        let resp = opts.apply(self.request(Method::HEAD, Some(bucket), Some(key))).send().await?;
        let meta = ObjectMeta::from_headers(resp.status, &resp.headers)?;
        Ok(Output::from_response(resp, meta))
    }

    /// GetObjectMeta: `HEAD ?objectMeta`.
    pub async fn get_object_meta(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Output<ObjectMeta>, Error> {
        let req = self
            .request(Method::HEAD, Some(bucket), Some(key))
            .query("objectMeta", "")
            .query_opt("versionId", version_id);
        let resp = req.send().await?;
        let meta = ObjectMeta::from_headers(resp.status, &resp.headers)?;
        Ok(Output::from_response(resp, meta))
    }

    /// DeleteObject of the current version: in a versioned bucket, a new delete marker hides it
    /// (see [`Client::delete_object_version`] to remove a version for good).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<Output<DeleteObjectResult>, Error> {
        self.delete_object_at(bucket, key, None).await
    }

    pub(crate) async fn delete_object_at(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Output<DeleteObjectResult>, Error> {
        let req = self.request(Method::DELETE, Some(bucket), Some(key)).query_opt("versionId", version_id);
        let resp = req.send().await?;
        let data = DeleteObjectResult {
            version_id: resp.header(h::VERSION_ID).map(str::to_owned),
            delete_marker: resp.header(h::DELETE_MARKER).is_some_and(|v| v.eq_ignore_ascii_case("true")),
        };
        Ok(Output::from_response(resp, data))
    }

    /// DeleteMultipleObjects (`POST /?delete`) with a computed Content-MD5. Keys in the answer are
    /// decoded when it says `<EncodingType>url</EncodingType>`.
    pub async fn delete_multiple_objects<K: AsRef<str>>(
        &self,
        bucket: &str,
        keys: &[K],
        quiet: bool,
        encoding_type: Option<&str>,
    ) -> Result<Output<DeleteResult>, Error> {
        let doc = Delete {
            quiet: Some(quiet.to_string()),
            objects: keys.iter().map(|k| DeleteObjectEntry { key: k.as_ref().to_owned(), version_id: None }).collect(),
        };
        self.delete_entries(bucket, doc, encoding_type).await
    }

    pub(crate) async fn delete_entries(
        &self,
        bucket: &str,
        doc: Delete,
        encoding_type: Option<&str>,
    ) -> Result<Output<DeleteResult>, Error> {
        let body = xml::to_xml("Delete", &doc);
        let resp = self
            .request(Method::POST, Some(bucket), None)
            .query("delete", "")
            .query_opt("encoding-type", encoding_type)
            // Deleting what is already gone succeeds, so a repeat is harmless.
            .idempotent(true)
            .header("content-md5", content_md5(body.as_bytes()))
            .body(body)
            .send()
            .await?;
        let mut data: DeleteResult = resp.xml("DeleteResult")?;
        if is_url_encoded(&data.encoding_type) {
            for d in &mut data.deleted {
                url_decode(&mut d.key);
            }
        }
        Ok(Output::from_response(resp, data))
    }

    /// ListObjects (v1).
    pub async fn list_objects(
        &self,
        bucket: &str,
        opts: &ListObjectsOptions,
    ) -> Result<Output<ListBucketResult>, Error> {
        let resp = self
            .request(Method::GET, Some(bucket), None)
            .query_opt("prefix", opts.prefix.clone())
            .query_opt("marker", opts.marker.clone())
            .query_opt("delimiter", opts.delimiter.clone())
            .query_opt("max-keys", opts.max_keys.map(|n| n.to_string()))
            .query_opt("encoding-type", opts.encoding_type.clone())
            .send()
            .await?;
        let mut data: ListBucketResult = resp.xml("ListBucketResult")?;
        if is_url_encoded(&data.encoding_type) {
            url_decode(&mut data.prefix);
            url_decode_opt(&mut data.marker);
            url_decode_opt(&mut data.next_marker);
            decode_listing(&mut data);
        }
        Ok(Output::from_response(resp, data))
    }

    /// ListObjectsV2 (`list-type=2`).
    pub async fn list_objects_v2(
        &self,
        bucket: &str,
        opts: &ListObjectsV2Options,
    ) -> Result<Output<ListBucketResult>, Error> {
        let resp = self
            .request(Method::GET, Some(bucket), None)
            .query("list-type", "2")
            .query_opt("prefix", opts.prefix.clone())
            .query_opt("delimiter", opts.delimiter.clone())
            .query_opt("start-after", opts.start_after.clone())
            .query_opt("continuation-token", opts.continuation_token.clone())
            .query_opt("max-keys", opts.max_keys.map(|n| n.to_string()))
            .query_opt("fetch-owner", opts.fetch_owner.map(|b| b.to_string()))
            .query_opt("encoding-type", opts.encoding_type.clone())
            .send()
            .await?;
        let mut data: ListBucketResult = resp.xml("ListBucketResult")?;
        if is_url_encoded(&data.encoding_type) {
            // The fields the documentation lists as encoded; ContinuationToken is echoed as sent.
            url_decode(&mut data.prefix);
            url_decode_opt(&mut data.start_after);
            url_decode_opt(&mut data.next_continuation_token);
            decode_listing(&mut data);
        }
        Ok(Output::from_response(resp, data))
    }

    /// Sets the ACL of the current version, or of `version_id`.
    pub async fn put_object_acl(
        &self,
        bucket: &str,
        key: &str,
        acl: &str,
        version_id: Option<&str>,
    ) -> Result<Output<()>, Error> {
        let req = self
            .request(Method::PUT, Some(bucket), Some(key))
            .query("acl", "")
            .query_opt("versionId", version_id)
            .header(h::OBJECT_ACL, acl);
        Ok(empty(req.send().await?))
    }

    pub async fn get_object_acl(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Output<AccessControlPolicy>, Error> {
        let req =
            self.request(Method::GET, Some(bucket), Some(key)).query("acl", "").query_opt("versionId", version_id);
        let resp = req.send().await?;
        let data = resp.xml("AccessControlPolicy")?;
        Ok(Output::from_response(resp, data))
    }

    /// CopyObject. The ETag and CRC are also in the answer's headers (`Output::etag`, `crc64`).
    pub async fn copy_object(&self, req: &CopyObjectRequest) -> Result<Output<CopyObjectResult>, Error> {
        let mut b = self
            .request(Method::PUT, Some(&req.bucket), Some(&req.key))
            .header(h::COPY_SOURCE, copy_source(&req.source_bucket, &req.source_key, req.source_version_id.as_deref()))
            .header_opt(h::METADATA_DIRECTIVE, req.metadata_directive.clone())
            .header_opt(h::FORBID_OVERWRITE, req.forbid_overwrite.map(|b| b.to_string()))
            .header_opt(h::OBJECT_ACL, req.acl.clone())
            .header_opt(h::STORAGE_CLASS, req.storage_class.clone())
            .header_opt(h::SERVER_SIDE_ENCRYPTION, req.server_side_encryption.clone())
            .header_opt(h::SERVER_SIDE_ENCRYPTION_KEY_ID, req.server_side_encryption_key_id.clone())
            .header_opt(h::TAGGING_DIRECTIVE, req.tagging_directive.clone())
            .header_opt(h::TAGGING, req.tagging.clone())
            .header_opt("content-type", req.content_type.clone());
        b = copy_conditions(b, &req.if_match, &req.if_none_match, req.if_modified_since, req.if_unmodified_since);
        for (n, v) in &req.metadata {
            b = b.header(meta_header(n), v.clone());
        }
        let resp = apply_headers(b, &req.headers).send().await?;
        let data = resp.xml("CopyObjectResult")?;
        Ok(Output::from_response(resp, data))
    }
}

/// Decodes keys, common prefixes and the delimiter of an `encoding-type=url` listing.
fn decode_listing(data: &mut ListBucketResult) {
    url_decode(&mut data.delimiter);
    for c in &mut data.contents {
        url_decode(&mut c.key);
    }
    for p in &mut data.common_prefixes {
        url_decode(&mut p.prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_encoding() {
        assert_eq!(copy_source("b", "dir/a b+c", None), "/b/dir/a%20b%2Bc");
        assert_eq!(copy_source("b", "中", Some("v/1")), "/b/%E4%B8%AD?versionId=v%2F1");
    }

    #[test]
    fn meta_names() {
        assert_eq!(meta_header("Author"), "x-oss-meta-author");
        assert_eq!(meta_header("X-OSS-META-a"), "x-oss-meta-a");
    }
}
