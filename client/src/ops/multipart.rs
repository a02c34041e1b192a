//! Multipart upload operations.

use std::time::SystemTime;

use bytes::Bytes;
use futures_util::Stream;
use oss_protocol::crc64;
use oss_protocol::headers as h;
use oss_protocol::xml::{
    self, CompleteMultipartUpload, CompleteMultipartUploadResult, CompletePart, CopyPartResult,
    InitiateMultipartUploadResult, ListMultipartUploadsResult, ListPartsResult,
};
use reqwest::Method;

use super::callback::Callback;
use super::object::{apply_headers, callback_answer, copy_conditions, copy_source, PutObjectOptions};
use super::{check_crc, content_md5, empty, is_url_encoded, url_decode, CrcTap, Output};
use crate::client::Client;
use crate::error::Error;
use crate::request::{header_str, header_u64, RequestBuilder, Response};

/// A `<Part>` of a Complete body. The number is text in the model so that tests can send
/// malformed ones; this helper covers the ordinary case.
pub fn complete_part(part_number: u32, etag: impl Into<String>) -> CompletePart {
    CompletePart { part_number: part_number.to_string(), etag: etag.into() }
}

#[derive(Debug, Clone, Default)]
pub struct InitiateMultipartUploadOptions {
    /// Headers of the object to be (content type, metadata, ACL, storage class, …).
    pub object: PutObjectOptions,
    pub encoding_type: Option<String>,
    /// `?sequential`.
    pub sequential: bool,
}

#[derive(Debug, Clone, Default)]
pub struct UploadPartOptions {
    pub content_md5: Option<String>,
    pub headers: Vec<(String, String)>,
}

/// What UploadPart answers in headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadPartResult {
    pub etag: Option<String>,
    pub crc64: Option<u64>,
}

/// UploadPartCopy: UploadPart with `x-oss-copy-source`.
#[derive(Debug, Clone, Default)]
pub struct UploadPartCopyRequest {
    pub source_bucket: String,
    pub source_key: String,
    pub source_version_id: Option<String>,
    pub bucket: String,
    pub key: String,
    pub upload_id: String,
    pub part_number: u32,
    /// `x-oss-copy-source-range` verbatim (`bytes=0-102399`, `bytes=102400-`, or malformed).
    pub range: Option<String>,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<SystemTime>,
    pub if_unmodified_since: Option<SystemTime>,
    pub headers: Vec<(String, String)>,
}

impl UploadPartCopyRequest {
    pub fn new(
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
    ) -> Self {
        UploadPartCopyRequest {
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
            part_number,
            ..Default::default()
        }
    }

    /// Sets the range to `bytes=start-end` (inclusive; open-ended when `end` is `None`).
    pub fn with_range(mut self, start: u64, end: Option<u64>) -> Self {
        self.range = Some(match end {
            Some(end) => format!("bytes={start}-{end}"),
            None => format!("bytes={start}-"),
        });
        self
    }
}

#[derive(Debug, Clone, Default)]
pub struct CompleteMultipartUploadOptions {
    pub encoding_type: Option<String>,
    pub forbid_overwrite: Option<bool>,
    /// `x-oss-object-acl` of the completed object (wins over the one given at Initiate).
    pub object_acl: Option<String>,
    /// Send the body's Content-MD5 (as ali-oss does).
    pub content_md5: bool,
    /// An upload callback; its server's JSON is then the result's `callback_answer`.
    pub callback: Option<Callback>,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct ListPartsOptions {
    pub max_parts: Option<u32>,
    pub part_number_marker: Option<u32>,
    pub encoding_type: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ListMultipartUploadsOptions {
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    pub key_marker: Option<String>,
    pub upload_id_marker: Option<String>,
    pub max_uploads: Option<u32>,
    pub encoding_type: Option<String>,
}

fn part_request(client: &Client, bucket: &str, key: &str, upload_id: &str, part_number: u32) -> RequestBuilder {
    client
        .request(Method::PUT, Some(bucket), Some(key))
        .query("partNumber", part_number.to_string())
        .query("uploadId", upload_id)
}

fn part_output(resp: Response) -> Result<Output<UploadPartResult>, Error> {
    let data = UploadPartResult {
        etag: header_str(&resp.headers, "etag").map(str::to_owned),
        crc64: header_u64(resp.status, &resp.headers, h::HASH_CRC64ECMA)?,
    };
    Ok(Output::from_response(resp, data))
}

impl Client {
    /// InitiateMultipartUpload (`POST ?uploads`).
    pub async fn initiate_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        opts: &InitiateMultipartUploadOptions,
    ) -> Result<Output<InitiateMultipartUploadResult>, Error> {
        if opts.object.callback.is_some() {
            // OSS calls back when the object exists, so the callback belongs to Complete; sent
            // at Initiate it would be ignored and the caller would wait for a call that never comes.
            return Err(Error::usage(
                "an upload callback is given to CompleteMultipartUpload (CompleteMultipartUploadOptions::callback), not to InitiateMultipartUpload; multipart uploads (upload_file, upload_reader) cannot carry one",
            ));
        }
        let mut req = self.request(Method::POST, Some(bucket), Some(key)).query("uploads", "");
        if opts.sequential {
            req = req.query("sequential", "");
        }
        req = req.query_opt("encoding-type", opts.encoding_type.clone());
        let resp = opts.object.apply(req).send().await?;
        let mut data: InitiateMultipartUploadResult = resp.xml("InitiateMultipartUploadResult")?;
        if is_url_encoded(&data.encoding_type) {
            url_decode(&mut data.key);
        }
        Ok(Output::from_response(resp, data))
    }

    /// UploadPart; the part's CRC-64 is compared with the answer's.
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: impl Into<Bytes>,
        opts: &UploadPartOptions,
    ) -> Result<Output<UploadPartResult>, Error> {
        let body = body.into();
        let client_crc = self.config().verify_crc.then(|| crc64::checksum(&body));
        let req =
            part_request(self, bucket, key, upload_id, part_number).header_opt("content-md5", opts.content_md5.clone());
        let resp = apply_headers(req, &opts.headers).body(body).send().await?;
        if let Some(crc) = client_crc {
            check_crc("upload part", crc, resp.status, &resp.headers)?;
        }
        part_output(resp)
    }

    /// UploadPart from a stream (chunked unless `content_length` is given).
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_part_stream<S, E>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: S,
        content_length: Option<u64>,
        opts: &UploadPartOptions,
    ) -> Result<Output<UploadPartResult>, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        let (body, crc) = CrcTap::wrap(body);
        let req = part_request(self, bucket, key, upload_id, part_number)
            .header_opt("content-md5", opts.content_md5.clone())
            .header_opt("content-length", content_length.map(|n| n.to_string()));
        let resp = apply_headers(req, &opts.headers).body_stream(body).send().await?;
        if self.config().verify_crc {
            check_crc("upload part", crc.finish(), resp.status, &resp.headers)?;
        }
        part_output(resp)
    }

    /// UploadPartCopy. The part ETag is in the body and in the `ETag` header (`Output::etag`).
    pub async fn upload_part_copy(&self, req: &UploadPartCopyRequest) -> Result<Output<CopyPartResult>, Error> {
        let mut b = part_request(self, &req.bucket, &req.key, &req.upload_id, req.part_number)
            .header(h::COPY_SOURCE, copy_source(&req.source_bucket, &req.source_key, req.source_version_id.as_deref()))
            .header_opt(h::COPY_SOURCE_RANGE, req.range.clone());
        b = copy_conditions(b, &req.if_match, &req.if_none_match, req.if_modified_since, req.if_unmodified_since);
        let resp = apply_headers(b, &req.headers).send().await?;
        let data = resp.xml("CopyPartResult")?;
        Ok(Output::from_response(resp, data))
    }

    /// CompleteMultipartUpload with an explicit part list, sent in the order given.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[CompletePart],
        opts: &CompleteMultipartUploadOptions,
    ) -> Result<Output<CompleteMultipartUploadResult>, Error> {
        let body = xml::to_xml("CompleteMultipartUpload", &CompleteMultipartUpload { parts: parts.to_vec() });
        let mut req = self.complete_request(bucket, key, upload_id, opts);
        if opts.content_md5 {
            req = req.header("content-md5", content_md5(body.as_bytes()));
        }
        self.finish_complete(apply_headers(req, &opts.headers).body(body)).await
    }

    /// CompleteMultipartUpload with `x-oss-complete-all: yes` and no body.
    pub async fn complete_multipart_upload_all(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        opts: &CompleteMultipartUploadOptions,
    ) -> Result<Output<CompleteMultipartUploadResult>, Error> {
        let req = self.complete_request(bucket, key, upload_id, opts).header(h::COMPLETE_ALL, "yes");
        self.finish_complete(apply_headers(req, &opts.headers)).await
    }

    fn complete_request(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        opts: &CompleteMultipartUploadOptions,
    ) -> RequestBuilder {
        let req = self
            .request(Method::POST, Some(bucket), Some(key))
            .query("uploadId", upload_id)
            .query_opt("encoding-type", opts.encoding_type.clone())
            .header_opt(h::FORBID_OVERWRITE, opts.forbid_overwrite.map(|b| b.to_string()))
            .header_opt(h::OBJECT_ACL, opts.object_acl.clone());
        match &opts.callback {
            Some(callback) => callback.apply(req),
            None => req,
        }
    }

    async fn finish_complete(&self, req: RequestBuilder) -> Result<Output<CompleteMultipartUploadResult>, Error> {
        let resp = req.send().await?;
        if let Some(answer) = callback_answer(&resp) {
            let etag = resp.header("etag").unwrap_or_default().to_owned();
            let data = CompleteMultipartUploadResult { etag, callback_answer: Some(answer), ..Default::default() };
            return Ok(Output::from_response(resp, data));
        }
        let mut data: CompleteMultipartUploadResult = resp.xml("CompleteMultipartUploadResult")?;
        if is_url_encoded(&data.encoding_type) {
            url_decode(&mut data.key);
        }
        Ok(Output::from_response(resp, data))
    }

    pub async fn abort_multipart_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<Output<()>, Error> {
        let req = self.request(Method::DELETE, Some(bucket), Some(key)).query("uploadId", upload_id);
        Ok(empty(req.send().await?))
    }

    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        opts: &ListPartsOptions,
    ) -> Result<Output<ListPartsResult>, Error> {
        let resp = self
            .request(Method::GET, Some(bucket), Some(key))
            .query("uploadId", upload_id)
            .query_opt("max-parts", opts.max_parts.map(|n| n.to_string()))
            .query_opt("part-number-marker", opts.part_number_marker.map(|n| n.to_string()))
            .query_opt("encoding-type", opts.encoding_type.clone())
            .send()
            .await?;
        let mut data: ListPartsResult = resp.xml("ListPartsResult")?;
        if is_url_encoded(&data.encoding_type) {
            url_decode(&mut data.key);
        }
        Ok(Output::from_response(resp, data))
    }

    /// ListMultipartUploads (`GET /?uploads`).
    pub async fn list_multipart_uploads(
        &self,
        bucket: &str,
        opts: &ListMultipartUploadsOptions,
    ) -> Result<Output<ListMultipartUploadsResult>, Error> {
        let resp = self
            .request(Method::GET, Some(bucket), None)
            .query("uploads", "")
            .query_opt("prefix", opts.prefix.clone())
            .query_opt("delimiter", opts.delimiter.clone())
            .query_opt("key-marker", opts.key_marker.clone())
            .query_opt("upload-id-marker", opts.upload_id_marker.clone())
            .query_opt("max-uploads", opts.max_uploads.map(|n| n.to_string()))
            .query_opt("encoding-type", opts.encoding_type.clone())
            .send()
            .await?;
        let mut data: ListMultipartUploadsResult = resp.xml("ListMultipartUploadsResult")?;
        if is_url_encoded(&data.encoding_type) {
            for s in [&mut data.prefix, &mut data.delimiter, &mut data.key_marker, &mut data.next_key_marker] {
                url_decode(s);
            }
            for u in &mut data.uploads {
                url_decode(&mut u.key);
            }
            for p in &mut data.common_prefixes {
                url_decode(&mut p.prefix);
            }
        }
        Ok(Output::from_response(resp, data))
    }
}
