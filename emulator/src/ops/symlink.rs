//! PutSymlink and GetSymlink, and reading through a link: GetObject and HeadObject of a link
//! answer the target's bytes (one level; a link to a link is InvalidTargetType).

use http::{Response, StatusCode};
use oss_protocol::encoding::{percent_decode, uri_encode};
use oss_protocol::headers::SYMLINK_TARGET;
use oss_protocol::ObjectType;

use super::meta::{object_template, write_object_headers, DEFAULT_CONTENT_TYPE};
use super::object::overwrite_check;
use super::{validate_key, Ctx};
use crate::body::Body;
use crate::error::{Code, OssError, Result};
use crate::respond::{self, set_header};
use crate::store::Opened;

/// A link is an object of its own (type Symlink, no data, its own metadata and ACL). Its target
/// need not exist, as on OSS; it is looked up when the link is read.
pub async fn put_symlink(ctx: &Ctx) -> Result<Response<Body>> {
    let key = ctx.key().to_owned();
    validate_key(&key)?;
    let bucket = ctx.bucket()?;
    let raw = ctx
        .header(SYMLINK_TARGET)
        .ok_or_else(|| OssError::new(Code::MissingArgument).with("ArgumentName", SYMLINK_TARGET))?;
    let target = String::from_utf8(percent_decode(raw, false))
        .map_err(|_| OssError::invalid_argument("The symlink target is not valid UTF-8.", SYMLINK_TARGET, raw))?;
    validate_key(&target)?;
    let mut meta = object_template(ctx, &key, &bucket)?;
    meta.set_default_header("content-type", DEFAULT_CONTENT_TYPE);
    meta.object_type = ObjectType::Symlink;
    meta.etag = {
        use md5::Digest;
        let digest: [u8; 16] = md5::Md5::digest(target.as_bytes()).into();
        oss_protocol::etag_from_md5(&digest)
    };
    meta.symlink_target = Some(target);
    meta.last_modified_ms = ctx.now_ms();
    meta.version_id = ctx.new_version_id();
    let check = overwrite_check(ctx.forbid_overwrite());
    let stored = ctx.store().copy_object(&bucket.name, meta, &key, check).await?;
    let mut resp = respond::empty(StatusCode::OK);
    set_header(&mut resp, "etag", &stored.etag);
    super::set_version_header(&mut resp, &bucket, &stored.version_id);
    Ok(resp)
}

/// The link itself: its target in `x-oss-symlink-target`, its own metadata, no body.
pub async fn get_symlink(ctx: &Ctx) -> Result<Response<Body>> {
    let meta = ctx.head().await?;
    let Some(target) = meta.symlink_target.as_deref().filter(|_| meta.object_type == ObjectType::Symlink) else {
        return Err(OssError::new(Code::NotSymlink));
    };
    let mut resp = respond::empty(StatusCode::OK);
    write_object_headers(&mut resp, &meta, ctx.now_ms());
    set_header(&mut resp, SYMLINK_TARGET, &uri_encode(target, true));
    set_header(&mut resp, "content-length", "0");
    super::set_version_header(&mut resp, ctx.bucket()?.as_ref(), &meta.version_id);
    Ok(resp)
}

/// What a GET or HEAD of `opened` shows: the object itself, or for a link its target's bytes,
/// with the target's length, ETag, MD5 and CRC and the later of the two modification times; every
/// other header is the link's. The caller must be allowed to read the target as well.
pub async fn follow(ctx: &Ctx, opened: Opened) -> Result<Opened> {
    let Some(target_key) =
        opened.meta.symlink_target.clone().filter(|_| opened.meta.object_type == ObjectType::Symlink)
    else {
        return Ok(opened);
    };
    // Reading through a link needs the right to read the target, judged as a GetObject of it.
    let found = ctx.open_for_read(&target_key).await?;
    let Some(mut target) = found.filter(|t| !t.meta.delete_marker) else {
        return Err(OssError::new(Code::SymlinkTargetNotExist).with("Key", target_key));
    };
    if target.meta.object_type == ObjectType::Symlink {
        return Err(OssError::new(Code::InvalidTargetType).ec("0026-00000011"));
    }
    super::restore::check_readable(&target.meta, ctx.now_ms()).or_else(|e| match ctx.endpoint.operation() {
        // HEAD reads no data: an archived target is still described.
        crate::endpoint::Operation::HeadObject => Ok(()),
        _ => Err(e),
    })?;
    let link = opened.meta;
    let mut shown = link.clone();
    shown.size = target.meta.size;
    shown.etag = std::mem::take(&mut target.meta.etag);
    shown.content_md5 = target.meta.content_md5.take();
    shown.crc64 = target.meta.crc64;
    shown.last_modified_ms = link.last_modified_ms.max(target.meta.last_modified_ms);
    shown.segments = std::mem::take(&mut target.meta.segments);
    target.meta = shown;
    Ok(target)
}
