//! ListObjects (v1) and ListObjectsV2: prefix, delimiter, markers/tokens, max-keys, URL encoding.

use http::{Response, StatusCode};
use oss_protocol::xml::{self, CommonPrefix, ListBucketResult, ObjectSummary};

use super::object::owner_of;
use super::{encode_if, iso, parse_max, Ctx};
use crate::body::Body;
use crate::error::{OssError, Result};
use crate::respond;
use crate::store::{BucketMeta, ObjectMeta, Step, Store};

/// One page of a listing, before it is dressed as v1 or v2 (or as the console's JSON).
pub struct Page<T = ObjectSummary> {
    pub objects: Vec<T>,
    pub prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key or common prefix returned: where the next page starts after.
    pub last: Option<String>,
}

/// Keys `> after` starting with `prefix`, folded into common prefixes at `delimiter`, at most
/// `max` entries (keys and prefixes together), each key made into an item by `item`. A common
/// prefix is read once: the scan skips every other key under it.
pub async fn fold<T: Send + 'static>(
    store: &Store,
    bucket: &str,
    prefix: &str,
    delimiter: &str,
    after: Option<&str>,
    max: usize,
    item: impl Fn(&ObjectMeta) -> T + Send + 'static,
) -> Result<Page<T>> {
    let page = Page { objects: Vec::new(), prefixes: Vec::new(), truncated: false, last: None };
    let (prefix_len, delimiter, after_owned) = (prefix.len(), delimiter.to_owned(), after.map(str::to_owned));
    let visit = move |page: &mut Page<T>, meta: &ObjectMeta| {
        let common = common_prefix(&meta.key, prefix_len, &delimiter);
        if let Some(cp) = common {
            // A prefix already returned (or the marker itself) is not repeated.
            if page.prefixes.last().map(String::as_str) == Some(cp) || after_owned.as_deref().is_some_and(|a| cp <= a) {
                return Step::SkipPrefix(cp.to_owned());
            }
        }
        if page.objects.len() + page.prefixes.len() == max {
            page.truncated = true;
            return Step::Stop;
        }
        match common {
            Some(cp) => {
                page.prefixes.push(cp.to_owned());
                page.last = Some(cp.to_owned());
                Step::SkipPrefix(cp.to_owned())
            }
            None => {
                page.objects.push(item(meta));
                page.last = Some(meta.key.clone());
                Step::Next
            }
        }
    };
    store.scan(bucket, prefix, after, page, visit).await
}

/// A ListObjects page of `bucket`: [`fold`] with the `<Contents>` of each key.
pub async fn page(
    ctx: &Ctx,
    bucket: &BucketMeta,
    prefix: &str,
    delimiter: &str,
    after: Option<&str>,
    max: usize,
    owner: bool,
) -> Result<Page> {
    let owner_xml = owner.then(|| owner_of(bucket));
    let now = ctx.now_ms();
    let summary = move |meta: &ObjectMeta| ObjectSummary {
        key: meta.key.clone(),
        last_modified: iso(meta.last_modified_ms),
        etag: meta.etag.clone(),
        object_type: meta.object_type.to_string(),
        size: meta.size,
        storage_class: meta.storage_class.to_string(),
        restore_info: super::restore::restore_info(meta, now),
        owner: owner_xml.clone(),
    };
    fold(ctx.store(), &bucket.name, prefix, delimiter, after, max, summary).await
}

/// The common prefix a key rolls up into: through the first `delimiter` after the listing's
/// prefix (its first `prefix_len` bytes). None without a delimiter.
pub fn common_prefix<'a>(key: &'a str, prefix_len: usize, delimiter: &str) -> Option<&'a str> {
    if delimiter.is_empty() {
        return None;
    }
    key.get(prefix_len..)?.find(delimiter).map(|i| &key[..prefix_len + i + delimiter.len()])
}

pub fn validate_prefix(name: &str, value: &str) -> Result<()> {
    if value.len() >= 1024 {
        return Err(OssError::invalid_argument(format!("The {name} must be less than 1024 bytes."), name, value));
    }
    Ok(())
}

fn encode_page(url: bool, page: Page) -> (Vec<ObjectSummary>, Vec<CommonPrefix>) {
    let objects = page
        .objects
        .into_iter()
        .map(|mut o| {
            o.key = encode_if(url, &o.key);
            o
        })
        .collect();
    let prefixes = page.prefixes.iter().map(|p| CommonPrefix { prefix: encode_if(url, p) }).collect();
    (objects, prefixes)
}

pub async fn list_objects(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let prefix = ctx.param("prefix").unwrap_or_default();
    let marker = ctx.param("marker").unwrap_or_default();
    let delimiter = ctx.param("delimiter").unwrap_or_default();
    validate_prefix("prefix", prefix)?;
    validate_prefix("marker", marker)?;
    let max_keys = parse_max(ctx, "max-keys", 100, 1000)?;
    let url = ctx.url_encoding();
    let page =
        page(ctx, &bucket, prefix, delimiter, (!marker.is_empty()).then_some(marker), max_keys as usize, true).await?;
    let next_marker = if page.truncated { page.last.clone() } else { None };
    let truncated = page.truncated;
    let (contents, common_prefixes) = encode_page(url, page);
    let result = ListBucketResult {
        name: bucket.name.clone(),
        prefix: encode_if(url, prefix),
        marker: Some(encode_if(url, marker)),
        max_keys,
        delimiter: encode_if(url, delimiter),
        encoding_type: url.then(|| "url".to_owned()),
        is_truncated: truncated,
        next_marker: next_marker.map(|m| encode_if(url, &m)),
        contents,
        common_prefixes,
        ..Default::default()
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListBucketResult", &result)))
}

/// Continuation tokens are opaque to clients: the hex of the key to continue after.
fn decode_token(token: &str) -> Result<String> {
    hex::decode(token).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| {
        OssError::invalid_argument("The continuation token provided is incorrect.", "continuation-token", token)
    })
}

pub async fn list_objects_v2(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let prefix = ctx.param("prefix").unwrap_or_default();
    let delimiter = ctx.param("delimiter").unwrap_or_default();
    let start_after = ctx.param("start-after");
    let token = ctx.param("continuation-token").filter(|t| !t.is_empty());
    validate_prefix("prefix", prefix)?;
    let max_keys = parse_max(ctx, "max-keys", 100, 1000)?;
    let fetch_owner = ctx.param("fetch-owner").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let url = ctx.url_encoding();
    let after = match token {
        Some(t) => Some(decode_token(t)?),
        None => start_after.filter(|s| !s.is_empty()).map(str::to_owned),
    };
    let page = page(ctx, &bucket, prefix, delimiter, after.as_deref(), max_keys as usize, fetch_owner).await?;
    let next = if page.truncated { page.last.as_deref().map(|l| hex::encode(l.as_bytes())) } else { None };
    let (truncated, key_count) = (page.truncated, (page.objects.len() + page.prefixes.len()) as u32);
    let (contents, common_prefixes) = encode_page(url, page);
    let result = ListBucketResult {
        name: bucket.name.clone(),
        prefix: encode_if(url, prefix),
        start_after: start_after.map(|s| encode_if(url, s)),
        continuation_token: token.map(str::to_owned),
        max_keys,
        delimiter: encode_if(url, delimiter),
        encoding_type: url.then(|| "url".to_owned()),
        is_truncated: truncated,
        next_continuation_token: next,
        key_count: Some(key_count),
        contents,
        common_prefixes,
        ..Default::default()
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListBucketResult", &result)))
}
