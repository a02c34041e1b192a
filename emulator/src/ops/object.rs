//! PutObject, GetObject, HeadObject, GetObjectMeta, DeleteObject, DeleteMultipleObjects,
//! PutObjectAcl, GetObjectAcl.

use base64::Engine;
use http::{Response, StatusCode};
use oss_protocol::headers::{DELETE_MARKER, HASH_CRC64ECMA, OBJECT_ACL, RANGE_BEHAVIOR};
use oss_protocol::xml::{self, AccessControlList, AccessControlPolicy, DeleteResult, DeletedObject, Owner};
use oss_protocol::VersionId;

use super::meta::{
    check_conditions, object_template, parse_range, write_object_headers, write_sse_headers, DEFAULT_CONTENT_TYPE,
};
use super::{check_body_md5, encode_if, read_small_body, receive_checked, require_length, validate_key, Ctx};
use crate::body::{self, Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond::{self, set_header};
use crate::store::{BucketMeta, Check, Delete, Deleted, ObjectMeta, Received};

/// The existing object a write replaces may not be replaced when `forbid` is set.
pub fn overwrite_check(forbid: bool) -> Check {
    Box::new(move |current| {
        if forbid && current.is_some() {
            Err(OssError::new(Code::FileAlreadyExists).ec("0026-00000002"))
        } else {
            Ok(())
        }
    })
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
    if let Some((_, name)) = UNSUPPORTED_PUT_HEADERS.iter().find(|(h, _)| ctx.headers.contains_key(*h)) {
        return Err(OssError::new(Code::NotImplemented).with("Header", *name).ec("0017-00000245"));
    }
    let callback = super::callback::requested(ctx)?;
    let mut meta = object_template(ctx, &key, &bucket)?;
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
    let received = receive_checked(ctx, body, limit).await?;
    let stored = store_received(ctx, &bucket, meta, received).await?;
    let mut resp = respond::empty(StatusCode::OK);
    write_stored_headers(&mut resp, &bucket, &stored);
    if let Some(md5) = &stored.content_md5 {
        set_header(&mut resp, "content-md5", md5);
    }
    super::callback::answer(ctx, callback, &stored, resp).await
}

/// Stores a whole received body as the new version of `meta`'s key (PutObject, PostObject): its
/// size and digests, a fresh version id, and `x-oss-forbid-overwrite` honoured in the commit.
pub(super) async fn store_received(
    ctx: &Ctx,
    bucket: &BucketMeta,
    mut meta: ObjectMeta,
    received: Received,
) -> Result<ObjectMeta> {
    meta.size = received.len;
    meta.crc64 = received.crc64;
    meta.etag = oss_protocol::etag_from_md5(&received.md5);
    meta.content_md5 = Some(base64::engine::general_purpose::STANDARD.encode(received.md5));
    meta.last_modified_ms = ctx.now_ms();
    meta.version_id = ctx.new_version_id();
    let check = overwrite_check(ctx.forbid_overwrite());
    ctx.store().put_object(&bucket.name, meta, received.data, check).await
}

/// The headers every answer of a stored upload carries: version id, ETag, CRC-64, encryption.
pub(super) fn write_stored_headers(resp: &mut Response<Body>, bucket: &BucketMeta, stored: &ObjectMeta) {
    super::set_version_header(resp, bucket, &stored.version_id);
    set_header(resp, "etag", &stored.etag);
    set_header(resp, HASH_CRC64ECMA, &stored.crc64.to_string());
    write_sse_headers(resp, stored);
}

const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

pub async fn get_object(ctx: &Ctx) -> Result<Response<Body>> {
    let found = match ctx.object().await {
        Err(missing) if missing.code == Code::NoSuchKey => match super::website::fallback(ctx).await? {
            Some(super::website::Served::Response(resp)) => return Ok(resp),
            Some(super::website::Served::Object(opened, status)) => {
                let mut resp = send_object(ctx, *opened).await?;
                if resp.status() == StatusCode::OK {
                    *resp.status_mut() = status;
                }
                return Ok(resp);
            }
            None => return Err(missing),
        },
        other => other?,
    };
    send_object(ctx, found).await
}

/// GetObject's answer for an object found: through its symlink, under the request's conditions
/// and range.
async fn send_object(ctx: &Ctx, opened: crate::store::Opened) -> Result<Response<Body>> {
    let opened = super::symlink::follow(ctx, opened).await?;
    let meta = &opened.meta;
    check_conditions(ctx, ["if-match", "if-none-match", "if-unmodified-since", "if-modified-since"], meta)?;
    super::restore::check_readable(meta, ctx.now_ms())?;
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
    let mut resp = Response::new(body::empty());
    write_object_headers(&mut resp, meta, ctx.now_ms());
    super::set_version_header(&mut resp, ctx.bucket()?.as_ref(), &meta.version_id);
    for (header, value) in overrides {
        set_header(&mut resp, header, value);
    }
    if range.is_none() && compresses(ctx, meta) {
        // HTTP compression as OSS does it: gzip, chunked, so no Content-Length; and no ETag,
        // which names the stored bytes, not these.
        set_header(&mut resp, "content-encoding", "gzip");
        resp.headers_mut().remove("etag");
        *resp.body_mut() = body::stream(gzip(ctx.store().stream(opened, start, len)));
        return Ok(resp);
    }
    set_header(&mut resp, "content-length", &len.to_string());
    if let Some(r) = range {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        set_header(&mut resp, "content-range", &format!("bytes {}-{}/{}", r.first, r.last, meta.size));
    }
    *resp.body_mut() = body::stream(ctx.store().stream(opened, start, len));
    Ok(resp)
}

/// Whether a whole-object GET is sent gzip-compressed: the caller accepts gzip, the object is
/// text-like and at least 1 KiB (what oss2's suite relies on; OSS's exact type list is
/// UNCONFIRMED), and it is not already encoded.
fn compresses(ctx: &Ctx, meta: &ObjectMeta) -> bool {
    const TYPES: &[&str] =
        &["text/", "application/json", "application/xml", "application/javascript", "application/x-javascript"];
    let accepts = ctx.header("accept-encoding").is_some_and(|v| {
        v.split(',').any(|c| c.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip")))
    });
    let content_type = meta.header("content-type").unwrap_or_default().to_ascii_lowercase();
    accepts
        && meta.size >= 1024
        && meta.header("content-encoding").is_none()
        && TYPES.iter().any(|t| content_type.starts_with(t))
}

/// Compresses a byte stream chunk by chunk, never holding more than one chunk's output.
fn gzip(input: crate::store::blob::ByteStream) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> {
    use flate2::write::GzEncoder;
    use futures_util::StreamExt;
    use std::io::Write;
    let encoder = Some(GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    futures_util::stream::unfold((input, encoder), |(mut input, encoder)| async move {
        let mut encoder = encoder?;
        loop {
            match input.next().await {
                Some(Ok(chunk)) => {
                    if let Err(e) = encoder.write_all(&chunk) {
                        return Some((Err(e), (input, None)));
                    }
                    if !encoder.get_ref().is_empty() {
                        let out = std::mem::take(encoder.get_mut());
                        return Some((Ok(bytes::Bytes::from(out)), (input, Some(encoder))));
                    }
                }
                Some(Err(e)) => return Some((Err(e), (input, None))),
                None => {
                    return match encoder.finish() {
                        Ok(rest) => Some((Ok(bytes::Bytes::from(rest)), (input, None))),
                        Err(e) => Some((Err(e), (input, None))),
                    }
                }
            }
        }
    })
}

pub async fn head_object(ctx: &Ctx) -> Result<Response<Body>> {
    let opened = super::symlink::follow(ctx, ctx.object().await?).await?;
    check_conditions(ctx, ["if-match", "if-none-match", "if-unmodified-since", "if-modified-since"], &opened.meta)?;
    let mut resp = respond::empty(StatusCode::OK);
    write_object_headers(&mut resp, &opened.meta, ctx.now_ms());
    super::set_version_header(&mut resp, ctx.bucket()?.as_ref(), &opened.meta.version_id);
    set_header(&mut resp, "content-length", &opened.meta.size.to_string());
    Ok(resp)
}

pub async fn get_object_meta(ctx: &Ctx) -> Result<Response<Body>> {
    let meta = ctx.object().await?.meta;
    let mut resp = respond::empty(StatusCode::OK);
    let bucket = ctx.bucket()?;
    super::set_version_header(&mut resp, &bucket, &meta.version_id);
    // [UNCONFIRMED] OSS records reads; the emulator does not write on every read, so the last
    // access it reports is the last write.
    if bucket.configs.access_monitor {
        set_header(&mut resp, "x-oss-last-access-time", &super::http_date(meta.last_modified_ms));
    }
    set_header(&mut resp, "etag", &meta.etag);
    set_header(&mut resp, "last-modified", &super::http_date(meta.last_modified_ms));
    set_header(&mut resp, "content-length", &meta.size.to_string());
    Ok(resp)
}

/// 204 whether or not the object existed. In a versioned bucket: without `versionId`, a new
/// delete marker; with it, that version is gone for good.
pub async fn delete_object(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let delete = delete_request(ctx, ctx.key().to_owned(), ctx.version().cloned());
    let deleted = ctx.store().delete_object(&bucket.name, delete).await?;
    let mut resp = respond::empty(StatusCode::NO_CONTENT);
    if let Some(version) = &deleted.version_id {
        super::set_version_header(&mut resp, &bucket, version);
    }
    // Only ever `true`: oss2 reads any value of this header as true.
    if deleted.delete_marker && bucket.versioning.is_some() {
        set_header(&mut resp, DELETE_MARKER, "true");
    }
    Ok(resp)
}

fn delete_request(ctx: &Ctx, key: String, version: Option<VersionId>) -> Delete {
    Delete { key, version, marker_id: ctx.new_version_id(), now_ms: ctx.now_ms() }
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
    let mut deletes = Vec::with_capacity(request.objects.len());
    for object in request.objects {
        validate_key(&object.key)?;
        // One bad id fails the whole request, before anything is deleted.
        let version = object.version_id.as_deref().map(crate::endpoint::parse_version_id).transpose()?;
        deletes.push(delete_request(ctx, object.key, version));
    }
    let asked: Vec<(String, Option<VersionId>)> = deletes.iter().map(|d| (d.key.clone(), d.version.clone())).collect();
    let outcomes = ctx.store().delete_objects(&bucket.name, deletes).await?;
    let url = ctx.url_encoding();
    let versioned = bucket.versioning.is_some();
    // Keys and versions that did not exist are reported as deleted too (S3-like; OSS reports no
    // error, and oss2's tests repeat a delete of versions already gone). An unversioned bucket
    // reports keys only.
    let entry = |((key, version), done): (&(String, Option<VersionId>), &Deleted)| {
        let mut entry = DeletedObject { key: encode_if(url, key), ..Default::default() };
        if versioned {
            entry.version_id = version.as_ref().map(VersionId::to_string);
            if done.delete_marker {
                entry.delete_marker = Some(true);
                entry.delete_marker_version_id = done.version_id.as_ref().map(VersionId::to_string);
            }
        }
        entry
    };
    let result = DeleteResult {
        encoding_type: url.then(|| "url".to_owned()),
        deleted: if quiet { Vec::new() } else { asked.iter().zip(&outcomes).map(entry).collect() },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("DeleteResult", &result)))
}

pub fn owner_of(bucket: &BucketMeta) -> Owner {
    let id = bucket.owner_id.clone();
    Owner { display_name: id.clone(), id }
}

pub async fn put_object_acl(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let acl = super::meta::object_acl(ctx)?
        .ok_or_else(|| OssError::invalid_argument("no such object access control exists", OBJECT_ACL, ""))?;
    // The data stays; only the ACL changes, atomically with every other write of the key.
    let version = ctx
        .store()
        .update_object(&bucket.name, ctx.key(), ctx.version(), move |meta| {
            meta.acl = acl;
            Ok(meta.version_id.clone())
        })
        .await?;
    let mut resp = respond::empty(StatusCode::OK);
    super::set_version_header(&mut resp, &bucket, &version);
    Ok(resp)
}

pub async fn get_object_acl(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let meta = ctx.head().await?;
    let policy = AccessControlPolicy {
        owner: owner_of(&bucket),
        access_control_list: AccessControlList { grant: meta.acl.to_string() },
    };
    let mut resp = respond::xml(StatusCode::OK, xml::to_xml("AccessControlPolicy", &policy));
    super::set_version_header(&mut resp, &bucket, &meta.version_id);
    Ok(resp)
}
