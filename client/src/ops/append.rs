//! AppendObject, PutSymlink, GetSymlink.

use bytes::Bytes;
use oss_protocol::crc64;
use oss_protocol::encoding::{percent_decode, uri_encode};
use oss_protocol::headers as h;
use reqwest::Method;

use super::{check_crc, ObjectMeta, Output, PutObjectOptions};
use crate::client::Client;
use crate::error::Error;
use crate::request::{header_str, header_u64};

/// What AppendObject answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendObjectResult {
    /// `x-oss-next-append-position`: the object's length now.
    pub next_position: Option<u64>,
    /// CRC-64 of the whole object after the append.
    pub crc64: Option<u64>,
    pub etag: Option<String>,
    pub version_id: Option<String>,
}

/// GetSymlink: the target and the link's own metadata.
#[derive(Debug, Clone)]
pub struct SymlinkInfo {
    pub target: String,
    pub meta: ObjectMeta,
}

impl Client {
    /// AppendObject at `position` (0 creates the object; `opts` count only then). The answer's
    /// CRC covers the whole object; with `verify_crc` it is checked against `previous_crc`
    /// continued over `body` when that is given.
    pub async fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        body: impl Into<Bytes>,
        previous_crc: Option<u64>,
        opts: &PutObjectOptions,
    ) -> Result<Output<AppendObjectResult>, Error> {
        let body = body.into();
        let expected = previous_crc.map(|crc| crc64::combine(crc, crc64::checksum(&body), body.len() as u64));
        let req = self
            .request(Method::POST, Some(bucket), Some(key))
            .query("append", "")
            .query("position", position.to_string());
        let resp = opts.apply(req).body(body).send().await?;
        if let Some(crc) = expected.filter(|_| self.config().verify_crc) {
            check_crc("append object", crc, resp.status, &resp.headers)?;
        }
        let data = AppendObjectResult {
            next_position: header_u64(resp.status, &resp.headers, h::NEXT_APPEND_POSITION)?,
            crc64: header_u64(resp.status, &resp.headers, h::HASH_CRC64ECMA)?,
            etag: header_str(&resp.headers, "etag").map(str::to_owned),
            version_id: header_str(&resp.headers, h::VERSION_ID).map(str::to_owned),
        };
        Ok(Output::from_response(resp, data))
    }

    /// PutSymlink: `key` becomes a link to `target` (which need not exist).
    pub async fn put_symlink(
        &self,
        bucket: &str,
        key: &str,
        target: &str,
        opts: &PutObjectOptions,
    ) -> Result<Output<Option<String>>, Error> {
        let req = self
            .request(Method::PUT, Some(bucket), Some(key))
            .query("symlink", "")
            .header(h::SYMLINK_TARGET, uri_encode(target, true));
        let resp = opts.apply(req).send().await?;
        let version = resp.header(h::VERSION_ID).map(str::to_owned);
        Ok(Output::from_response(resp, version))
    }

    /// GetSymlink of the current link, or of `version_id`.
    pub async fn get_symlink(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Output<SymlinkInfo>, Error> {
        let req =
            self.request(Method::GET, Some(bucket), Some(key)).query("symlink", "").query_opt("versionId", version_id);
        let resp = req.send().await?;
        let raw = resp.header(h::SYMLINK_TARGET).unwrap_or_default();
        let target = String::from_utf8_lossy(&percent_decode(raw, false)).into_owned();
        let meta = ObjectMeta::from_headers(resp.status, &resp.headers)?;
        Ok(Output::from_response(resp, SymlinkInfo { target, meta }))
    }
}
