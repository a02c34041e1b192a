//! PutObject, GetObject, HeadObject, GetObjectMeta, DeleteObject, DeleteMultipleObjects,
//! PutObjectAcl, GetObjectAcl.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{Response, StatusCode};
use oss_protocol::headers::{HASH_CRC64ECMA, OBJECT_ACL, RANGE_BEHAVIOR};
use oss_protocol::xml::{self, AccessControlList, AccessControlPolicy, DeleteResult, DeletedObject, Owner};

use super::meta::{
    check_conditions, object_template, parse_range, write_object_headers, write_sse_headers, DEFAULT_CONTENT_TYPE,
};
use super::{
    blocking, check_body_md5, content_md5, encode_if, read_small_body, receive_body, require_length, validate_key, Ctx,
};
use crate::body::{self, Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond::{self, set_header};
use crate::store::{blob, Bucket, ObjectMeta, ObjectVersion};

/// The existing object a write replaces may not be replaced when `forbid` is set.
pub fn overwrite_check(forbid: bool) -> impl FnOnce(Option<&ObjectVersion>) -> Result<()> {
    move |current| {
        if forbid && current.is_some() {
            Err(OssError::new(Code::FileAlreadyExists).ec("0026-00000002"))
        } else {
            Ok(())
        }
    }
}

/// Headers OSS does not support on PutObject: conditional writes are refused, not ignored.
/// (lookup name, the name `<Header>` shows, as OSS's documentation does).
const UNSUPPORTED_PUT_HEADERS: &[(&str, &str)] = &[
    ("if-match", "If-Match"),
    ("if-none-match", "If-None-Match"),
    ("if-modified-since", "If-Modified-Since"),
    ("if-unmodified-since", "If-Unmodified-Since"),
];

pub async fn put_object(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let key = ctx.key().to_owned();
    validate_key(&key)?;
    let bucket = ctx.bucket()?;
    let bucket_meta = bucket.meta();
    if let Some((_, name)) = UNSUPPORTED_PUT_HEADERS.iter().find(|(h, _)| ctx.headers.contains_key(*h)) {
        return Err(OssError::new(Code::NotImplemented).with("Header", *name).ec("0017-00000245"));
    }
    let mut meta = object_template(ctx, &key, &bucket_meta)?;
    meta.set_default_header("content-type", DEFAULT_CONTENT_TYPE);
    let declared = require_length(ctx)?;
    let limit = ctx.limits().max_object_size;
    if declared.is_some_and(|len| len > limit) {
        return Err(OssError::invalid_argument(
            "Your proposed upload exceeds the maximum allowed size.",
            "Content-Length",
            &declared.unwrap_or(0).to_string(),
        ));
    }
    let expected_md5 = content_md5(ctx)?;
    let written = receive_body(&bucket, body, limit).await?;
    if expected_md5.is_some_and(|md5| md5 != written.md5) {
        written.discard();
        return Err(OssError::new(Code::InvalidDigest).ec("0016-00000102"));
    }
    meta.size = written.len;
    meta.crc64 = written.crc64;
    meta.etag = oss_protocol::etag_from_md5(&written.md5);
    meta.content_md5 = Some(base64::engine::general_purpose::STANDARD.encode(written.md5));
    meta.last_modified_ms = ctx.now_ms();
    let check = overwrite_check(ctx.forbid_overwrite());
    let version = blocking(move || {
        meta.segments = vec![bucket.adopt(written)?];
        bucket.publish(meta, check)
    })
    .await?;
    let mut resp = respond::empty(StatusCode::OK);
    set_header(&mut resp, "etag", &version.meta.etag);
    set_header(&mut resp, HASH_CRC64ECMA, &version.meta.crc64.to_string());
    if let Some(md5) = &version.meta.content_md5 {
        set_header(&mut resp, "content-md5", md5);
    }
    write_sse_headers(&mut resp, &version.meta);
    Ok(resp)
}

/// The object a read names (authorization has already judged the caller).
pub fn readable_object(ctx: &Ctx) -> Result<(Arc<Bucket>, Arc<ObjectVersion>)> {
    let bucket = ctx.bucket()?;
    let version = ctx.grant.object.clone().ok_or_else(|| OssError::no_such_key(ctx.key()))?;
    Ok((bucket, version))
}

const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

pub fn get_object(ctx: &Ctx) -> Result<Response<Body>> {
    let (_, version) = readable_object(ctx)?;
    let meta = &version.meta;
    check_conditions(ctx, ["if-match", "if-none-match", "if-unmodified-since", "if-modified-since"], meta)?;
    let overrides: Vec<(&str, &str)> =
        RESPONSE_OVERRIDES.iter().filter_map(|(param, header)| ctx.param(param).map(|v| (*header, v))).collect();
    if !overrides.is_empty() && ctx.principal.account.is_none() {
        return Err(OssError::new(Code::InvalidRequest)
            .message("Request specific response headers cannot be used for anonymous GET requests."));
    }
    let standard = ctx.header(RANGE_BEHAVIOR).is_some_and(|v| v.eq_ignore_ascii_case("standard"));
    let range = match ctx.header("range") {
        Some(spec) => parse_range(spec, meta.size, standard)?,
        None => None,
    };
    let (start, len) = range.map_or((0, meta.size), |r| (r.first, r.len()));
    let mut resp = Response::new(stream_object(version.clone(), start, len));
    write_object_headers(&mut resp, meta);
    for (header, value) in overrides {
        set_header(&mut resp, header, value);
    }
    set_header(&mut resp, "content-length", &len.to_string());
    if let Some(r) = range {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        set_header(&mut resp, "content-range", &format!("bytes {}-{}/{}", r.first, r.last, meta.size));
    }
    Ok(resp)
}

/// Streams `len` bytes from `start` of a version. The reading thread holds the version, so its
/// files outlive any concurrent overwrite or delete until the response is done.
fn stream_object(version: Arc<ObjectVersion>, start: u64, len: u64) -> Body {
    if len == 0 {
        return body::empty();
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let sent = blob::for_each_chunk(version.blobs_dir(), &version.meta.segments, start, len, |chunk| {
            tx.blocking_send(Ok(Bytes::copy_from_slice(chunk)))
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
        });
        if let Err(e) = sent {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                tracing::error!("reading {}: {e}", version.meta.key);
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    body::stream(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
}

pub fn head_object(ctx: &Ctx) -> Result<Response<Body>> {
    let (_, version) = readable_object(ctx)?;
    check_conditions(ctx, ["if-match", "if-none-match", "if-unmodified-since", "if-modified-since"], &version.meta)?;
    let mut resp = respond::empty(StatusCode::OK);
    write_object_headers(&mut resp, &version.meta);
    set_header(&mut resp, "content-length", &version.meta.size.to_string());
    Ok(resp)
}

pub fn get_object_meta(ctx: &Ctx) -> Result<Response<Body>> {
    let (_, version) = readable_object(ctx)?;
    let mut resp = respond::empty(StatusCode::OK);
    set_header(&mut resp, "etag", &version.meta.etag);
    set_header(&mut resp, "last-modified", &super::http_date(version.meta.last_modified_ms));
    set_header(&mut resp, "content-length", &version.meta.size.to_string());
    Ok(resp)
}

/// 204 whether or not the object existed.
pub async fn delete_object(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let key = ctx.key().to_owned();
    blocking(move || Ok(bucket.delete(&key)?)).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

/// At most 1000 keys in a body of at most 2 MB.
const MAX_DELETE_KEYS: usize = 1000;
const MAX_DELETE_BODY: usize = 2 * 1024 * 1024;

pub async fn delete_multiple_objects(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let (body, _reserved) = read_small_body(ctx, body, MAX_DELETE_BODY).await?.into_parts();
    // [UNCONFIRMED] OSS documents Content-MD5 as required here; every SDK sends it, so a missing
    // one is accepted and a wrong one refused.
    check_body_md5(ctx, &body)?;
    let text = super::body_text(body)?;
    if xml::root_name(&text).as_deref() != Some("Delete") {
        return Err(OssError::malformed_xml("the root node is not named Delete."));
    }
    // Keys may begin or end with spaces: the exact parser keeps them.
    let request: xml::Delete = xml::from_xml(&text).map_err(OssError::malformed_xml)?;
    if request.objects.len() > MAX_DELETE_KEYS {
        return Err(OssError::malformed_xml("You have attempted to delete more objects than allowed."));
    }
    let quiet = request.quiet.as_deref().is_some_and(|q| q.trim().eq_ignore_ascii_case("true"));
    let keys: Vec<String> = request.objects.into_iter().map(|o| o.key).collect();
    for key in &keys {
        validate_key(key)?;
    }
    let deleted = keys.clone();
    let target = bucket.clone();
    blocking(move || {
        for key in &keys {
            target.delete(key)?;
        }
        Ok(())
    })
    .await?;
    let url = ctx.url_encoding();
    // Keys that did not exist are reported as deleted too (S3-like; OSS reports no error).
    let result = DeleteResult {
        encoding_type: url.then(|| "url".to_owned()),
        deleted: if quiet {
            Vec::new()
        } else {
            deleted.iter().map(|k| DeletedObject { key: encode_if(url, k) }).collect()
        },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("DeleteResult", &result)))
}

pub fn owner_of(bucket: &Bucket) -> Owner {
    let id = bucket.meta().owner_id;
    Owner { display_name: id.clone(), id }
}

pub async fn put_object_acl(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let acl = super::meta::object_acl(ctx)?
        .ok_or_else(|| OssError::invalid_argument("no such object access control exists", OBJECT_ACL, ""))?
        .to_owned();
    let key = ctx.key().to_owned();
    blocking(move || rewrite_meta(&bucket, &key, |meta| meta.acl = acl.clone())).await?;
    Ok(respond::empty(StatusCode::OK))
}

/// Publishes a new version of `key` with the same data and changed metadata. The data is shared
/// by links, never rewritten; a concurrent write in between wins and this retries on top of it.
pub fn rewrite_meta(bucket: &Bucket, key: &str, change: impl Fn(&mut ObjectMeta)) -> Result<Arc<ObjectVersion>> {
    for _ in 0..8 {
        let current = bucket.get(key).ok_or_else(|| OssError::no_such_key(key))?;
        let mut meta = current.meta.clone();
        change(&mut meta);
        let pieces: Vec<_> = current.meta.segments.iter().map(|s| (s, 0, s.len)).collect();
        meta.segments = bucket.link(current.blobs_dir(), &pieces)?;
        let raced = std::cell::Cell::new(false);
        let published = bucket.publish(meta, |now| match now {
            Some(v) if std::ptr::eq(v, &*current) => Ok(()),
            _ => {
                raced.set(true);
                Err(OssError::new(Code::InternalError))
            }
        });
        match published {
            Err(_) if raced.get() => continue,
            other => return other,
        }
    }
    Err(OssError::internal("rewrite_meta", "object kept changing"))
}

pub fn get_object_acl(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let version = bucket.get(ctx.key()).ok_or_else(|| OssError::no_such_key(ctx.key()))?;
    let policy = AccessControlPolicy {
        owner: owner_of(&bucket),
        access_control_list: AccessControlList { grant: version.meta.acl.clone() },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("AccessControlPolicy", &policy)))
}
