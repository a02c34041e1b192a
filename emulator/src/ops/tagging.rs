//! PutObjectTagging, GetObjectTagging, DeleteObjectTagging, PutBucketTags, GetBucketTags,
//! DeleteBucketTags, and the tags a write sets through `x-oss-tagging`.
//!
//! Object and bucket tags follow different rules (fact sheet part 2, §4): objects take at most 10
//! tags with 128-byte keys and 256-byte values from a small character set; buckets take 20, with
//! 64-byte keys that may not claim the `http://`, `https://` or `Aliyun` prefixes, 128-byte
//! values and any UTF-8.

use http::{Response, StatusCode};
use oss_protocol::encoding::parse_tag_header;
use oss_protocol::headers::TAGGING;
use oss_protocol::xml::{self, Tagging};

use super::Ctx;
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond;

type Tags = Vec<(String, String)>;

const MAX_OBJECT_TAGS: usize = 10;
const MAX_OBJECT_KEY: usize = 128;
const MAX_OBJECT_VALUE: usize = 256;
const MAX_BUCKET_TAGS: usize = 20;
const MAX_BUCKET_KEY: usize = 64;
const MAX_BUCKET_VALUE: usize = 128;

/// The documented object tag characters: letters and digits (Unicode ones too: Chinese tags
/// round-trip on real OSS), space and `+ - = . _ : /`.
pub(crate) fn object_tag_char(c: char) -> bool {
    c.is_alphanumeric() || " +-=._:/".contains(c)
}

/// Object tags from a body or a header, checked against OSS's limits. `header` picks the error:
/// a malformed `x-oss-tagging` is InvalidArgument (EC 0010-00000219), a bad body InvalidTag.
fn check_object_tags(tags: &Tags, header: bool) -> Result<()> {
    let fail = |message: &'static str, ec: &'static str| {
        if header {
            Err(header_error())
        } else {
            Err(OssError::new(Code::InvalidTag).message(message).ec(ec))
        }
    };
    if tags.len() > MAX_OBJECT_TAGS {
        return fail("Object tags cannot be greater than 10.", "0010-00000217");
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() || key.len() > MAX_OBJECT_KEY {
            return fail("The TagKey you have provided is invalid.", "0010-00000209");
        }
        if value.len() > MAX_OBJECT_VALUE {
            return fail("The TagValue you have provided is invalid.", "0010-00000217");
        }
        if !key.chars().all(object_tag_char) {
            return fail("The TagKey you have provided is invalid.", "0010-00000217");
        }
        if !value.chars().all(object_tag_char) {
            return fail("The TagValue you have provided is invalid.", "0010-00000217");
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            return fail("Tag keys must be unique.", "0010-00000217");
        }
    }
    Ok(())
}

fn header_error() -> OssError {
    OssError::invalid_argument(
        "The header 'x-oss-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
        TAGGING,
        "",
    )
    .ec("0010-00000219")
}

/// The tags a write asks for in `x-oss-tagging` (none without the header).
pub fn header_tags(ctx: &Ctx) -> Result<Tags> {
    let Some(raw) = ctx.header(TAGGING) else { return Ok(Vec::new()) };
    let tags = parse_tag_header(raw).ok_or_else(header_error)?;
    check_object_tags(&tags, true)?;
    Ok(tags)
}

fn check_bucket_tags(tags: &Tags) -> Result<()> {
    if tags.len() > MAX_BUCKET_TAGS {
        return Err(OssError::new(Code::TooManyTags));
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        let reserved = ["http://", "https://", "Aliyun"].iter().any(|p| key.starts_with(p));
        if key.is_empty() || key.len() > MAX_BUCKET_KEY || reserved {
            return Err(OssError::new(Code::InvalidTag)
                .message("The TagKey you have provided is invalid.")
                .ec(if reserved { "0010-00000207" } else { "0010-00000219" }));
        }
        if value.len() > MAX_BUCKET_VALUE {
            return Err(OssError::new(Code::InvalidTag)
                .message("The TagValue you have provided is invalid.")
                .ec("0010-00000219"));
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            return Err(OssError::new(Code::RepeatedTags));
        }
    }
    Ok(())
}

/// A `<Tagging>` body, at most 64 KiB.
async fn tagging_body(ctx: &Ctx, body: RequestBody) -> Result<Tags> {
    let doc: Tagging = super::read_xml(ctx, body, "Tagging", 64 * 1024).await?;
    Ok(doc.pairs())
}

fn tagging_response(tags: &Tags) -> Response<Body> {
    respond::xml(StatusCode::OK, xml::to_xml("Tagging", &Tagging::from_pairs(tags)))
}

/// Replaces the object's whole tag set; its data and Last-Modified stay.
pub async fn put_object_tagging(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let tags = tagging_body(ctx, body).await?;
    check_object_tags(&tags, false)?;
    let version = ctx
        .store()
        .update_object(ctx.bucket_name(), ctx.key(), ctx.version(), move |meta| {
            meta.tags = tags;
            Ok(meta.version_id.clone())
        })
        .await?;
    let mut resp = respond::empty(StatusCode::OK);
    super::set_version_header(&mut resp, ctx.bucket()?.as_ref(), &version);
    Ok(resp)
}

pub async fn get_object_tagging(ctx: &Ctx) -> Result<Response<Body>> {
    let meta = ctx.head().await?;
    let mut resp = tagging_response(&meta.tags);
    super::set_version_header(&mut resp, ctx.bucket()?.as_ref(), &meta.version_id);
    Ok(resp)
}

/// 204, also when the object had no tags.
pub async fn delete_object_tagging(ctx: &Ctx) -> Result<Response<Body>> {
    let version = ctx
        .store()
        .update_object(ctx.bucket_name(), ctx.key(), ctx.version(), |meta| {
            meta.tags.clear();
            Ok(meta.version_id.clone())
        })
        .await?;
    let mut resp = respond::empty(StatusCode::NO_CONTENT);
    super::set_version_header(&mut resp, ctx.bucket()?.as_ref(), &version);
    Ok(resp)
}

pub async fn put_bucket_tags(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let tags = tagging_body(ctx, body).await?;
    check_bucket_tags(&tags)?;
    ctx.store().update_bucket(ctx.bucket_name(), move |meta| meta.tags = tags).await?;
    Ok(respond::empty(StatusCode::OK))
}

/// An empty TagSet when the bucket has none ([UNCONFIRMED]: the 404 NoSuchBucketObjectTagging in
/// OSS's error list names object tagging, and the SDKs' tests read an empty set).
pub fn get_bucket_tags(ctx: &Ctx) -> Result<Response<Body>> {
    Ok(tagging_response(&ctx.bucket()?.tags))
}

/// `?tagging` removes every tag; `?tagging=k1,k3` only those keys.
pub async fn delete_bucket_tags(ctx: &Ctx) -> Result<Response<Body>> {
    let only: Vec<String> =
        ctx.param("tagging").unwrap_or_default().split(',').filter(|k| !k.is_empty()).map(str::to_owned).collect();
    ctx.store()
        .update_bucket(ctx.bucket_name(), move |meta| {
            if only.is_empty() {
                meta.tags.clear();
            } else {
                meta.tags.retain(|(k, _)| !only.contains(k));
            }
        })
        .await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn object_tag_limits() {
        let code = |t: &Tags| check_object_tags(t, false).err().map(|e| e.code);
        assert_eq!(code(&tags(&[(&"a".repeat(128), &"a".repeat(256)), ("+-.:", "_/"), ("中文", "")])), None);
        assert_eq!(code(&tags(&[("", "v")])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[(&"a".repeat(129), "v")])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[("k", &"a".repeat(257))])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[("%@abc", "v")])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[("k", "%abc")])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[("k", "1"), ("k", "2")])), Some(Code::InvalidTag));
        let many: Tags = (0..11).map(|i| (format!("k{i}"), String::new())).collect();
        assert_eq!(code(&many), Some(Code::InvalidTag));
        assert_eq!(check_object_tags(&many, true).unwrap_err().code, Code::InvalidArgument);
    }

    #[test]
    fn bucket_tag_limits() {
        let code = |t: &Tags| check_bucket_tags(t).err().map(|e| e.code);
        assert_eq!(code(&tags(&[("%@abc", "abc"), ("123++", "++123%")])), None);
        assert_eq!(code(&tags(&[("Aliyun-x", "v")])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[(&"a".repeat(65), "v")])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[("k", &"a".repeat(129))])), Some(Code::InvalidTag));
        assert_eq!(code(&tags(&[("k", "1"), ("k", "2")])), Some(Code::RepeatedTags));
        let many: Tags = (0..21).map(|i| (format!("k{i}"), String::new())).collect();
        assert_eq!(code(&many), Some(Code::TooManyTags));
    }
}
