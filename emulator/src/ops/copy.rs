//! CopyObject and UploadPartCopy: source parsing, the same-region and permission rules, the
//! copy-source conditions, and data sharing (copies link the source's blobs, never rewrite them).

use http::{Response, StatusCode};
use oss_protocol::headers::{
    COPY_SOURCE_IF_MATCH, COPY_SOURCE_IF_MODIFIED_SINCE, COPY_SOURCE_IF_NONE_MATCH, COPY_SOURCE_IF_UNMODIFIED_SINCE,
    COPY_SOURCE_RANGE, COPY_SOURCE_VERSION_ID, HASH_CRC64ECMA, METADATA_DIRECTIVE, TAGGING_DIRECTIVE,
};
use oss_protocol::xml::{self, CopyObjectResult, CopyPartResult};
use oss_protocol::VersionId;

use super::meta::{
    check_conditions, object_template, server_side_encryption, storage_class, write_sse_headers, ByteRange,
};
use super::multipart::{part_response, target_upload};
use super::object::overwrite_check;
use super::{iso, validate_key, Ctx};
use crate::body::Body;
use crate::endpoint::{CopySource, PartNumber, UploadId};
use crate::error::{Code, OssError, Result};
use crate::respond::{self, set_header};
use crate::store::{blob, Opened, PartData, PartMeta};

/// The copy's source object, under the copy rules (authorization has checked the caller may
/// read it): it must exist, be the version asked for, and satisfy the copy-source conditions.
fn readable_source(ctx: &Ctx, source: &CopySource) -> Result<Opened> {
    let found = ctx.grant.take_source_object();
    let version = crate::store::require_live(found, |o| &o.meta, &source.key, source.version_id.as_ref())
        // A delete marker named by its id is no copy source either: 404, as the CopyObject
        // reference says, not GetObject's 405.
        .map_err(|e| if e.code == Code::MethodNotAllowed { OssError::no_such_key(&source.key) } else { e })?;
    check_conditions(
        ctx,
        [
            COPY_SOURCE_IF_MATCH,
            COPY_SOURCE_IF_NONE_MATCH,
            COPY_SOURCE_IF_UNMODIFIED_SINCE,
            COPY_SOURCE_IF_MODIFIED_SINCE,
        ],
        &version.meta,
    )?;
    super::restore::check_readable(&version.meta, ctx.now_ms())?;
    Ok(version)
}

/// `x-oss-copy-source-version-id`: the version read (the current one when none was named), when
/// the source bucket is versioned or a version was named.
fn copy_source_version_header(ctx: &Ctx, source: &CopySource, read: &VersionId, resp: &mut Response<Body>) {
    let versioned = ctx.grant.source.as_ref().is_some_and(|b| b.versioning.is_some());
    if versioned || source.version_id.is_some() {
        set_header(resp, COPY_SOURCE_VERSION_ID, read.as_str());
    }
}

fn directive(ctx: &Ctx, name: &'static str) -> Result<bool> {
    match ctx.header(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(v) => Err(OssError::invalid_argument(format!("The {name} you specified is not valid."), name, v)),
    }
}

/// User metadata the client-side encryption clients keep their envelope in.
const CLIENT_SIDE_ENCRYPTION_META: &str = "x-oss-meta-client-side-encryption-";

fn too_large() -> OssError {
    OssError::new(Code::EntityTooLarge).message("Source object Length exceeds the maximum allowed size.")
}

pub async fn copy_object(ctx: &Ctx, source: &CopySource) -> Result<Response<Body>> {
    let key = ctx.key().to_owned();
    validate_key(&key)?;
    let bucket = ctx.bucket()?;
    let src = readable_source(ctx, source)?;
    let replace_meta = directive(ctx, METADATA_DIRECTIVE)?;
    let replace_tags = directive(ctx, TAGGING_DIRECTIVE)?;

    let requested_class = storage_class(ctx)?;
    let sse = server_side_encryption(ctx)?;
    let changes_class = requested_class.is_some_and(|c| c != src.meta.storage_class);
    let changes_sse = sse.is_some() && sse != src.meta.sse;
    let limits = ctx.limits();
    let limit = if changes_class || changes_sse {
        Some(limits.copy_with_change_max)
    } else if source.bucket == bucket.name {
        limits.copy_same_bucket_max
    } else {
        Some(limits.copy_cross_bucket_max)
    };
    if limit.is_some_and(|max| src.meta.size > max) {
        return Err(too_large());
    }

    // Data and its digests come from the source; metadata from the source (COPY, the default, also
    // for a copy onto itself) or the request (REPLACE). REPLACE without a Content-Type keeps the
    // source's, and never drops the client-side-encryption entries: without them the data
    // could not be decrypted any more.
    let template = object_template(ctx, &key, &bucket)?;
    let mut meta = if replace_meta { template.clone() } else { src.meta.clone() };
    if replace_meta {
        if let Some(content_type) = src.meta.header("content-type") {
            meta.set_default_header("content-type", content_type);
        }
        let kept = src.meta.user_meta.iter().filter(|(n, _)| n.starts_with(CLIENT_SIDE_ENCRYPTION_META));
        for (name, value) in kept {
            if !meta.user_meta.iter().any(|(n, _)| n == name) {
                meta.user_meta.push((name.clone(), value.clone()));
            }
        }
        meta.user_meta.sort();
    }
    meta.key = key;
    meta.size = src.meta.size;
    meta.etag = src.meta.etag.clone();
    meta.crc64 = src.meta.crc64;
    meta.content_md5 = src.meta.content_md5.clone();
    meta.object_type = src.meta.object_type;
    meta.acl = template.acl;
    meta.storage_class = requested_class.unwrap_or(src.meta.storage_class);
    // A copy is a new object: an archived one starts frozen, whatever the source's restore.
    meta.restore = None;
    // Encryption is never copied: the target is encrypted as this request asks, or else as the
    // target bucket's default encryption says.
    meta.sse = template.sse.clone();
    meta.sse_key_id = if meta.sse.is_some() { template.sse_key_id } else { None };
    meta.sse_data_encryption = if meta.sse.is_some() { template.sse_data_encryption } else { None };
    meta.tags = if replace_tags { super::tagging::header_tags(ctx)? } else { src.meta.tags.clone() };
    meta.last_modified_ms = ctx.now_ms();

    // The copy lists the source's blobs: no bytes move, whatever the size.
    meta.segments = src.meta.segments.clone();
    meta.version_id = ctx.new_version_id();
    let check = overwrite_check(ctx.forbid_overwrite());
    let stored = ctx.store().copy_object(&bucket.name, meta, &source.key, check).await?;
    ctx.pace_copy(stored.size).await?;
    let source_version = src.meta.version_id.clone();
    drop(src);
    let result = CopyObjectResult { etag: stored.etag.clone(), last_modified: iso(stored.last_modified_ms) };
    let mut resp = respond::xml(StatusCode::OK, xml::to_xml("CopyObjectResult", &result));
    copy_source_version_header(ctx, source, &source_version, &mut resp);
    super::set_version_header(&mut resp, &bucket, &stored.version_id);
    set_header(&mut resp, "etag", &stored.etag);
    set_header(&mut resp, HASH_CRC64ECMA, &stored.crc64.to_string());
    write_sse_headers(&mut resp, &stored);
    Ok(resp)
}

/// `x-oss-copy-source-range: bytes=a-b` (inclusive), `bytes=a-`, or `bytes=-n`. Missing or
/// syntactically invalid → the whole source (per the UploadPartCopy doc). A well-formed range
/// outside the source → InvalidArgument: [UNCONFIRMED] for native OSS, but its S3-compatible
/// mode refuses it and copying bytes the client did not ask for would be worse.
fn copy_range(spec: Option<&str>, size: u64) -> Result<ByteRange> {
    let whole = ByteRange { first: 0, last: size.saturating_sub(1) };
    let Some(spec) = spec.and_then(|s| s.trim().strip_prefix("bytes=")) else { return Ok(whole) };
    let Some((a, b)) = spec.split_once('-') else { return Ok(whole) };
    let num =
        |s: &str| (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse::<u64>().ok()).flatten();
    let out_of_bounds = || {
        OssError::invalid_argument(
            "The specified copy source range is not valid for the source object.",
            COPY_SOURCE_RANGE,
            spec,
        )
    };
    let range = match (num(a.trim()), num(b.trim()), a.trim().is_empty(), b.trim().is_empty()) {
        (Some(first), Some(last), _, _) if first <= last => ByteRange { first, last },
        (Some(first), None, _, true) => ByteRange { first, last: size.saturating_sub(1) },
        (None, Some(n), true, _) if n > 0 => ByteRange { first: size.saturating_sub(n), last: size.saturating_sub(1) },
        _ => return Ok(whole),
    };
    if size == 0 || range.first >= size || range.last >= size {
        return Err(out_of_bounds());
    }
    Ok(range)
}

pub async fn upload_part_copy(
    ctx: &Ctx,
    upload_id: &UploadId,
    number: PartNumber,
    source: &CopySource,
) -> Result<Response<Body>> {
    let upload = target_upload(ctx, upload_id).await?;
    super::multipart::require_in_sequence(ctx, &upload, number).await?;
    let src = readable_source(ctx, source)?;
    let (start, len) = if src.meta.size == 0 {
        (0, 0)
    } else {
        let r = copy_range(ctx.header(COPY_SOURCE_RANGE), src.meta.size)?;
        (r.first, r.len())
    };
    if len > ctx.limits().max_object_size {
        return Err(too_large());
    }
    // The part's ETag is the MD5 of its bytes, as for an uploaded part: reading is required,
    // writing is not (the part lists the source's blobs).
    let (md5, crc64) = ctx.store().digest(&src, start, len).await?;
    let part = PartMeta {
        number: number.0,
        etag: oss_protocol::etag_from_md5(&md5),
        size: len,
        crc64,
        last_modified_ms: ctx.now_ms(),
        segments: Vec::new(),
    };
    let shared = PartData::Shared {
        segments: blob::sub_segments(&src.meta.segments, start, len),
        source_key: source.key.clone(),
    };
    let src_size = src.meta.size;
    let source_version = src.meta.version_id.clone();
    let part = ctx.store().put_part(ctx.bucket_name(), &upload.upload_id, part, shared).await?;
    drop(src);
    ctx.pace_copy(part.size).await?;
    let result = CopyPartResult { last_modified: iso(part.last_modified_ms), etag: part.etag.clone() };
    let mut resp = respond::xml(StatusCode::OK, xml::to_xml("CopyPartResult", &result));
    part_response(&upload, &part, &mut resp);
    copy_source_version_header(ctx, source, &source_version, &mut resp);
    if part.size > 0 {
        set_header(&mut resp, "content-range", &format!("bytes {}-{}/{}", start, start + part.size - 1, src_size));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_ranges() {
        let r = |s: Option<&str>| copy_range(s, 1000).map(|r| (r.first, r.last)).map_err(|e| e.code);
        assert_eq!(r(None), Ok((0, 999)));
        assert_eq!(r(Some("bytes=0-99")), Ok((0, 99)));
        assert_eq!(r(Some("bytes=100-")), Ok((100, 999)));
        assert_eq!(r(Some("bytes=-100")), Ok((900, 999)));
        assert_eq!(r(Some("garbage")), Ok((0, 999)));
        assert_eq!(r(Some("bytes=9-1")), Ok((0, 999)));
        assert_eq!(r(Some("bytes=0-1000")), Err(Code::InvalidArgument));
        assert_eq!(r(Some("bytes=1000-")), Err(Code::InvalidArgument));
    }

    proptest::proptest! {
        /// Any copy range against any size: the whole source or a range inside it, never a panic.
        #[test]
        fn copy_ranges_stay_inside_the_source(spec in "(bytes=)?[0-9 -]{0,12}|\\PC{0,20}", size in 0u64..5000) {
            if let Ok(r) = copy_range(Some(&spec), size) {
                proptest::prop_assert!(r.first <= r.last || size == 0);
                proptest::prop_assert!(size == 0 || r.last < size);
            }
        }
    }
}
