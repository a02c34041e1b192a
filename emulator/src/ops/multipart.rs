//! InitiateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload,
//! ListParts, ListMultipartUploads. (UploadPartCopy lives with the copies in `copy.rs`.)

use std::collections::BTreeMap;

use base64::Engine;

use http::{Response, StatusCode};
use oss_protocol::headers::{COMPLETE_ALL, HASH_CRC64ECMA, SERVER_SIDE_ENCRYPTION};
use oss_protocol::xml::{
    self, CommonPrefix, CompleteMultipartUpload, CompleteMultipartUploadResult, InitiateMultipartUploadResult,
    ListMultipartUploadsResult, ListPartsResult, PartSummary, UploadSummary,
};

use super::meta::{object_acl, object_template, write_sse_headers, DEFAULT_CONTENT_TYPE};
use super::object::overwrite_check;
use super::{
    check_body_md5, encode_if, iso, parse_max, read_small_body, receive_checked, require_length, validate_key, Ctx,
};
use crate::body::{Body, RequestBody};
use crate::endpoint::{PartNumber, UploadId};
use crate::error::{Code, OssError, Result};
use crate::respond::{self, set_header};
use crate::store::{ObjectMeta, PartData, PartMeta, Step, UploadMeta};
use oss_protocol::ObjectType;

pub async fn initiate_multipart_upload(ctx: &Ctx) -> Result<Response<Body>> {
    let key = ctx.key().to_owned();
    validate_key(&key)?;
    let bucket = ctx.bucket()?;
    let forbid_overwrite = ctx.forbid_overwrite();
    if forbid_overwrite {
        // A versioned bucket replaces nothing, and a delete marker is no object (see `publish`).
        let existing = ctx.store().head(&bucket.name, &key, None).await?;
        overwrite_check(true)(existing.as_ref().filter(|m| bucket.versioning.is_none() && !m.delete_marker))?;
    }
    let mut template = object_template(ctx, &key, &bucket)?;
    template.set_default_header("content-type", DEFAULT_CONTENT_TYPE);
    template.object_type = ObjectType::Multipart;
    let meta = UploadMeta {
        upload_id: ctx.state.new_upload_id(),
        key: key.clone(),
        initiated_ms: ctx.now_ms(),
        template,
        forbid_overwrite,
        sequential: ctx.param("sequential").is_some(),
    };
    let upload_id = meta.upload_id.clone();
    let mut resp_template = meta.template.clone();
    resp_template.segments.clear();
    ctx.store().create_upload(&bucket.name, meta).await?;
    let url = ctx.url_encoding();
    let result = InitiateMultipartUploadResult {
        bucket: bucket.name.clone(),
        key: encode_if(url, &key),
        upload_id,
        encoding_type: url.then(|| "url".to_owned()),
    };
    let mut resp = respond::xml(StatusCode::OK, xml::to_xml("InitiateMultipartUploadResult", &result));
    write_sse_headers(&mut resp, &resp_template);
    Ok(resp)
}

/// Upload ids are ours: 32 uppercase hex characters. Anything else cannot name an upload.
fn well_formed(upload_id: &str) -> bool {
    upload_id.len() == 32 && upload_id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The upload a part request names, which must belong to the request's key.
pub async fn target_upload(ctx: &Ctx, upload_id: &UploadId) -> Result<UploadMeta> {
    let id = upload_id.0.as_str();
    let found = if well_formed(id) { ctx.store().upload(ctx.bucket_name(), id).await? } else { None };
    found.filter(|u| u.key == ctx.key()).ok_or_else(|| OssError::no_such_upload(id))
}

/// Encryption is chosen once, at InitiateMultipartUpload: a part or the Complete that names it
/// again is refused (oss2's functional tests expect InvalidArgument for both).
fn refuse_encryption_headers(ctx: &Ctx, operation: &str) -> Result<()> {
    match ctx.header(SERVER_SIDE_ENCRYPTION) {
        Some(value) => Err(OssError::invalid_argument(
            format!("Server side encryption is specified at InitiateMultipartUpload, not at {operation}."),
            SERVER_SIDE_ENCRYPTION,
            value,
        )),
        None => Ok(()),
    }
}

/// Headers every part response carries.
pub fn part_response(upload: &UploadMeta, part: &PartMeta, resp: &mut Response<Body>) {
    set_header(resp, "etag", &part.etag);
    set_header(resp, HASH_CRC64ECMA, &part.crc64.to_string());
    write_sse_headers(resp, &upload.template);
}

pub async fn upload_part(
    ctx: &Ctx,
    upload_id: &UploadId,
    number: PartNumber,
    body: RequestBody,
) -> Result<Response<Body>> {
    let upload = target_upload(ctx, upload_id).await?;
    refuse_encryption_headers(ctx, "UploadPart")?;
    require_length(ctx)?;
    require_in_sequence(ctx, &upload, number).await?;
    // The 100 KB minimum is deliberately not checked here: OSS checks it at Complete.
    let received = receive_checked(ctx, body, ctx.limits().max_object_size).await?;
    let part = PartMeta {
        number: number.0,
        etag: oss_protocol::etag_from_md5(&received.md5),
        size: received.len,
        crc64: received.crc64,
        last_modified_ms: ctx.now_ms(),
        segments: Vec::new(),
    };
    let md5 = received.md5;
    let part =
        ctx.store().put_part(ctx.bucket_name(), &upload.upload_id, part, PartData::Received(received.data)).await?;
    let mut resp = respond::empty(StatusCode::OK);
    part_response(&upload, &part, &mut resp);
    // As PutObject does: the SDKs check the part's bytes against it.
    set_header(&mut resp, "content-md5", &base64::engine::general_purpose::STANDARD.encode(md5));
    Ok(resp)
}

/// A `?sequential` upload takes part N only once part N-1 is in (a re-upload of a part is
/// fine): OSS hashes the parts as they come. UNCONFIRMED beyond oss2's suite, which expects
/// PartNotSequential from six threads uploading one sequential upload.
pub async fn require_in_sequence(ctx: &Ctx, upload: &UploadMeta, number: PartNumber) -> Result<()> {
    if !upload.sequential || number.0 <= 1 {
        return Ok(());
    }
    let before = ctx.store().parts(ctx.bucket_name(), &upload.upload_id, number.0 - 2, 1).await?;
    match before.first() {
        Some(part) if part.number == number.0 - 1 => Ok(()),
        _ => Err(OssError::new(Code::PartNotSequential)),
    }
}

/// Complete bodies list at most 10000 parts.
const MAX_COMPLETE_BODY: usize = 4 * 1024 * 1024;

/// The parts a Complete names, in its order, with their ETags as sent.
fn requested_parts(ctx: &Ctx, body: Vec<u8>) -> Result<Option<Vec<(u32, String)>>> {
    let complete_all = ctx.header(COMPLETE_ALL).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let empty_body = body.iter().all(u8::is_ascii_whitespace);
    if complete_all {
        if !empty_body {
            return Err(OssError::invalid_argument(
                "Should not speficy both complete all header and http body.",
                COMPLETE_ALL,
                "yes",
            )
            .ec("0042-00000216"));
        }
        return Ok(None);
    }
    check_body_md5(ctx, &body)?;
    let text = super::body_text(body)?;
    if xml::root_name(&text).as_deref() != Some("CompleteMultipartUpload") {
        return Err(OssError::malformed_xml("the root node is not named CompleteMultipartUpload."));
    }
    let doc: CompleteMultipartUpload = xml::from_xml(&text).map_err(OssError::malformed_xml)?;
    doc.parts
        .into_iter()
        .map(|p| {
            p.part_number
                .trim()
                .parse::<u32>()
                .map(|n| (n, p.etag))
                .map_err(|_| OssError::malformed_xml(format!("invalid PartNumber {:?}", p.part_number)))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Applies Complete's rules to the uploaded parts and builds the final object.
fn assemble(
    upload: &UploadMeta,
    requested: Option<Vec<(u32, String)>>,
    parts: &BTreeMap<u32, PartMeta>,
    acl: Option<oss_protocol::Acl>,
    min_part_size: u64,
    now_ms: i64,
) -> Result<ObjectMeta> {
    let chosen: Vec<&PartMeta> = match requested {
        // "Complete all" of an upload with no parts would make an empty object nobody asked for.
        None if parts.is_empty() => {
            return Err(OssError::new(Code::InvalidPart)
                .message("The upload has no parts: x-oss-complete-all needs at least one uploaded part.")
                .with("UploadId", upload.upload_id.as_str()))
        }
        None => parts.values().collect(),
        // An empty list completes an upload that has no parts (a 0-byte object, as the Java
        // SDK's live test shows), but never one that has: that list is almost always parts the
        // server could not read (`<part>`, a misspelt wrapper), and completing would discard
        // every uploaded byte. [UNCONFIRMED] for real OSS; refusing loses nothing.
        Some(list) if list.is_empty() && !parts.is_empty() => {
            return Err(OssError::malformed_xml("The XML names no Part, but the upload has uploaded parts."))
        }
        Some(list) => {
            // Strictly ascending; a repeated number counts as out of order ([UNCONFIRMED], the
            // reading that never lets one part be used twice).
            if list.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(OssError::new(Code::InvalidPartOrder).ec("0042-00000206"));
            }
            list.iter()
                .map(|(n, etag)| match parts.get(n) {
                    Some(p) if oss_protocol::trim_etag(&p.etag).eq_ignore_ascii_case(oss_protocol::trim_etag(etag)) => {
                        Ok(p)
                    }
                    _ => Err(OssError::new(Code::InvalidPart)
                        .with("PartNumber", n.to_string())
                        .with("ETag", etag.as_str())
                        .ec("0042-00000205")),
                })
                .collect::<Result<_>>()?
        }
    };
    if let Some((_, init)) = chosen.split_last() {
        if let Some(small) = init.iter().find(|p| p.size < min_part_size) {
            return Err(OssError::new(Code::EntityTooSmall)
                .with("MinSizeAllowed", min_part_size.to_string())
                .with("ProposedSize", small.size.to_string())
                .with("PartNumber", small.number.to_string())
                .ec("0042-00000207"));
        }
    }
    let mut meta = upload.template.clone();
    if let Some(acl) = acl {
        meta.acl = acl;
    }
    meta.object_type = ObjectType::Multipart;
    meta.content_md5 = None;
    meta.last_modified_ms = now_ms;
    meta.etag = oss_protocol::multipart_etag(chosen.iter().map(|p| p.etag.as_str()));
    for part in chosen {
        meta.crc64 = oss_protocol::crc64::combine(meta.crc64, part.crc64, part.size);
        meta.size += part.size;
        meta.segments.extend(part.segments.iter().cloned());
    }
    Ok(meta)
}

pub async fn complete_multipart_upload(ctx: &Ctx, upload_id: &UploadId, body: RequestBody) -> Result<Response<Body>> {
    let upload = target_upload(ctx, upload_id).await?;
    refuse_encryption_headers(ctx, "CompleteMultipartUpload")?;
    let callback = super::callback::requested(ctx)?;
    let (body, _reserved) = read_small_body(ctx, body, MAX_COMPLETE_BODY).await?.into_parts();
    let requested = requested_parts(ctx, body)?;
    // Complete accepts an object ACL of its own, which wins over the one given at Initiate.
    let acl = object_acl(ctx)?;
    let min_part_size = ctx.limits().min_part_size;
    let now_ms = ctx.now_ms();
    let check = overwrite_check(ctx.forbid_overwrite() || upload.forbid_overwrite);
    let bucket = ctx.bucket()?;
    let version_id = ctx.new_version_id();
    let stored = ctx
        .store()
        .complete_upload(
            &bucket.name,
            &upload.upload_id,
            &upload.key,
            move |upload, parts| {
                let mut meta = assemble(upload, requested, parts, acl, min_part_size, now_ms)?;
                meta.version_id = version_id;
                Ok(meta)
            },
            check,
        )
        .await?;
    let stored = if upload.sequential { with_content_md5(ctx, stored).await? } else { stored };
    let url = ctx.url_encoding();
    let key = &stored.key;
    let result = CompleteMultipartUploadResult {
        encoding_type: url.then(|| "url".to_owned()),
        location: format!(
            "http://{}.oss-{}.aliyuncs.com/{}",
            bucket.name,
            bucket.region,
            oss_protocol::encoding::uri_encode(key, true)
        ),
        bucket: bucket.name.clone(),
        key: encode_if(url, key),
        etag: stored.etag.clone(),
        callback_answer: None,
    };
    let mut resp = respond::xml(StatusCode::OK, xml::to_xml("CompleteMultipartUploadResult", &result));
    super::set_version_header(&mut resp, &bucket, &stored.version_id);
    set_header(&mut resp, "etag", &stored.etag);
    set_header(&mut resp, HASH_CRC64ECMA, &stored.crc64.to_string());
    write_sse_headers(&mut resp, &stored);
    super::callback::answer(ctx, callback, &stored, resp).await
}

/// A sequential upload's object carries the MD5 of its whole content, as one PutObject's does:
/// the parts came in order, so OSS can hash them as they arrive. The emulator hashes the
/// completed object once (its data is immutable) and records the digest unless the key was
/// replaced in between.
async fn with_content_md5(ctx: &Ctx, stored: ObjectMeta) -> Result<ObjectMeta> {
    let meta = ctx.bucket()?;
    let bucket = meta.name.as_str();
    // In a bucket that never had versioning the key has one version, the current one.
    let version = meta.versioning.is_some().then(|| stored.version_id.clone());
    let Some(opened) = ctx.store().open_object(bucket, &stored.key, version.as_ref(), 0).await? else {
        return Ok(stored);
    };
    let (md5, _) = ctx.store().digest(&opened, 0, stored.size).await?;
    let digest = base64::engine::general_purpose::STANDARD.encode(md5);
    let etag = stored.etag.clone();
    let recorded = ctx
        .store()
        .update_object(bucket, &stored.key, version.as_ref(), move |meta| {
            if meta.etag == etag {
                meta.content_md5 = Some(digest);
            }
            Ok(meta.clone())
        })
        .await;
    Ok(recorded.unwrap_or(stored))
}

pub async fn abort_multipart_upload(ctx: &Ctx, upload_id: &UploadId) -> Result<Response<Body>> {
    let upload = target_upload(ctx, upload_id).await?;
    ctx.store().abort_upload(ctx.bucket_name(), &upload.upload_id, &upload.key).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

pub async fn list_parts(ctx: &Ctx, upload_id: &UploadId) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let upload = target_upload(ctx, upload_id).await?;
    let max_parts = parse_max(ctx, "max-parts", 1000, 1000)?;
    let marker_raw = ctx.param("part-number-marker").unwrap_or_default();
    let marker: u32 = if marker_raw.is_empty() {
        0
    } else {
        marker_raw.parse().map_err(|_| {
            OssError::invalid_argument("The part-number-marker must be an integer.", "part-number-marker", marker_raw)
        })?
    };
    // One more than a page tells whether the listing is truncated.
    let all = ctx.store().parts(&bucket.name, &upload.upload_id, marker, max_parts as usize + 1).await?;
    let truncated = all.len() > max_parts as usize;
    let shown = &all[..all.len().min(max_parts as usize)];
    let url = ctx.url_encoding();
    let mut result = ListPartsResult {
        encoding_type: url.then(|| "url".to_owned()),
        bucket: bucket.name.clone(),
        key: encode_if(url, &upload.key),
        upload_id: upload.upload_id.clone(),
        part_number_marker: marker.to_string(),
        next_part_number_marker: shown.last().map(|p| p.number.to_string()).unwrap_or_default(),
        max_parts,
        is_truncated: truncated,
        parts: shown
            .iter()
            .map(|p| PartSummary {
                part_number: p.number,
                last_modified: iso(p.last_modified_ms),
                etag: p.etag.clone(),
                hash_crc64ecma: Some(p.crc64),
                size: p.size,
            })
            .collect(),
        ..Default::default()
    };
    // The envelope of a client-side encrypted upload, from the metadata given at Initiate: what
    // an encrypting SDK needs to go on with the upload after a restart. Only an upload carrying
    // the wrapped key shows one.
    const ENVELOPE: &str = "x-oss-meta-client-side-encryption-";
    let envelope = |name: &str| {
        let wanted = format!("{ENVELOPE}{name}");
        upload.template.user_meta.iter().find(|(n, _)| *n == wanted).map(|(_, v)| v.clone())
    };
    if let Some(key) = envelope("key") {
        result.client_encryption_key = Some(key);
        result.client_encryption_start = envelope("start");
        result.client_encryption_cek_alg = envelope("cek-alg");
        result.client_encryption_wrap_alg = envelope("wrap-alg");
        result.client_encryption_data_size = envelope("data-size").and_then(|v| v.parse().ok());
        result.client_encryption_part_size = envelope("part-size").and_then(|v| v.parse().ok());
    }
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListPartsResult", &result)))
}

/// One page of ListMultipartUploads, as the scan fills it.
#[derive(Default)]
struct UploadPage {
    shown: Vec<UploadSummary>,
    prefixes: Vec<String>,
    truncated: bool,
    next_key: String,
    next_id: String,
}

pub async fn list_multipart_uploads(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let prefix = ctx.param("prefix").unwrap_or_default();
    let delimiter = ctx.param("delimiter").unwrap_or_default();
    let key_marker = ctx.param("key-marker").unwrap_or_default();
    // upload-id-marker counts only together with key-marker.
    let id_marker = if key_marker.is_empty() { "" } else { ctx.param("upload-id-marker").unwrap_or_default() };
    let max_uploads = parse_max(ctx, "max-uploads", 1000, 1000)? as usize;
    let (prefix_len, delim, marker) = (prefix.len(), delimiter.to_owned(), key_marker.to_owned());
    let page = ctx
        .store()
        .scan_uploads(
            &bucket.name,
            prefix,
            (key_marker.to_owned(), id_marker.to_owned()),
            UploadPage::default(),
            move |page: &mut UploadPage, upload: &UploadMeta| {
                let key = &upload.key;
                let common = super::list::common_prefix(key, prefix_len, &delim).map(str::to_owned);
                // A prefix already returned (or the key-marker itself: a page that ended on it) is
                // not repeated, as in ListObjects.
                if let Some(cp) = &common {
                    if page.prefixes.last() == Some(cp) || (!marker.is_empty() && cp.as_str() <= marker.as_str()) {
                        return Step::SkipPrefix(cp.clone());
                    }
                }
                if page.shown.len() + page.prefixes.len() == max_uploads {
                    page.truncated = true;
                    return Step::Stop;
                }
                match common {
                    Some(cp) => {
                        page.next_key = cp.clone();
                        page.next_id.clear();
                        page.prefixes.push(cp.clone());
                        Step::SkipPrefix(cp)
                    }
                    None => {
                        page.next_key = key.clone();
                        page.next_id = upload.upload_id.clone();
                        page.shown.push(UploadSummary {
                            key: key.clone(),
                            upload_id: upload.upload_id.clone(),
                            initiated: iso(upload.initiated_ms),
                        });
                        Step::Next
                    }
                }
            },
        )
        .await?;
    let UploadPage { shown, prefixes, truncated, next_key, next_id } = page;
    let url = ctx.url_encoding();
    let result = ListMultipartUploadsResult {
        encoding_type: url.then(|| "url".to_owned()),
        bucket: bucket.name.clone(),
        key_marker: encode_if(url, key_marker),
        upload_id_marker: id_marker.to_owned(),
        next_key_marker: encode_if(url, &next_key),
        next_upload_id_marker: next_id,
        delimiter: encode_if(url, delimiter),
        prefix: encode_if(url, prefix),
        max_uploads: max_uploads as u32,
        is_truncated: truncated,
        uploads: shown
            .into_iter()
            .map(|mut u| {
                u.key = encode_if(url, &u.key);
                u
            })
            .collect(),
        common_prefixes: prefixes.iter().map(|p| CommonPrefix { prefix: encode_if(url, p) }).collect(),
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListMultipartUploadsResult", &result)))
}
