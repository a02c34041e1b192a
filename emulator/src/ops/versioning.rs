//! PutBucketVersioning, GetBucketVersioning, ListObjectVersions. What versioning does to writes,
//! reads and deletes is the store's (`publish`, `delete_one`): every operation gets it alike.

use http::{Response, StatusCode};
use oss_protocol::xml::{
    self, CommonPrefix, DeleteMarkerEntry, ListVersionsResult, ObjectVersion, VersionEntry, VersioningConfiguration,
};
use oss_protocol::{VersionId, VersioningStatus};

use super::list::{common_prefix, validate_prefix};
use super::object::owner_of;
use super::{encode_if, iso, parse_max, Ctx};
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond;
use crate::store::{ObjectMeta, Step};

/// `Enabled` or `Suspended`. Anything else is MalformedXML, as oss2's tests expect of OSS for
/// `None` and `Disabled` (a bucket cannot go back to unversioned).
pub async fn put_bucket_versioning(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: VersioningConfiguration = super::read_xml(ctx, body, "VersioningConfiguration", 64 * 1024).await?;
    let status = match doc.status.as_deref().map(str::trim) {
        None => {
            return Err(OssError::invalid_argument("The Versioning element must be specified.", "Status", ""));
        }
        Some(raw) => raw
            .parse::<VersioningStatus>()
            .map_err(|_| OssError::malformed_xml(format!("{raw} is not a valid versioning status.")))?,
    };
    let now = ctx.now_ms();
    ctx.store()
        .try_update_bucket(ctx.bucket_name(), move |meta| {
            // Retention protects versions only while none can be overwritten in place, which a
            // suspended bucket's `null` version is (EC 0012-00000006).
            let retained = crate::worm::Worm::current(meta.configs.worm.as_ref(), now).is_some();
            if retained && status == VersioningStatus::Suspended {
                return Err(OssError::new(Code::InvalidRequest)
                    .message("Versioning cannot be suspended on a bucket with a retention policy.")
                    .ec("0012-00000006"));
            }
            meta.versioning = Some(status);
            Ok(())
        })
        .await?;
    Ok(respond::empty(StatusCode::OK))
}

/// An empty `<VersioningConfiguration/>` for a bucket that was never configured.
pub fn get_bucket_versioning(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let doc = VersioningConfiguration { status: bucket.versioning.map(|s| s.to_string()) };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("VersioningConfiguration", &doc)))
}

/// One page of versions: what the scan collected, and where it is.
struct Page {
    entries: Vec<VersionEntry>,
    truncated: bool,
    /// The last entry returned, as the next page's (key-marker, version-id-marker).
    last: Option<(String, String)>,
    last_prefix: Option<String>,
    /// Versions of the key-marker up to and including the version-id-marker are skipped.
    skipping: Option<(String, VersionId)>,
}

/// Every version and delete marker, keys in order and each key's newest first, from
/// (`key-marker`, `version-id-marker`) on. Works on unversioned buckets too (each object once,
/// as its `null` version). Versions, markers and common prefixes each count toward max-keys.
pub async fn list_object_versions(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let prefix = ctx.param("prefix").unwrap_or_default().to_owned();
    let delimiter = ctx.param("delimiter").unwrap_or_default().to_owned();
    let key_marker = ctx.param("key-marker").unwrap_or_default().to_owned();
    let version_marker = ctx.param("version-id-marker").unwrap_or_default().to_owned();
    validate_prefix("prefix", &prefix)?;
    validate_prefix("key-marker", &key_marker)?;
    validate_prefix("version-id-marker", &version_marker)?;
    validate_prefix("delimiter", &delimiter)?;
    let max = match parse_max(ctx, "max-keys", 100, 1000)? {
        0 => {
            return Err(OssError::invalid_argument(
                "Argument max-keys must be an integer between 1 and 1000.",
                "max-keys",
                "0",
            ))
        }
        n => n,
    };
    let skipping = match (key_marker.is_empty(), version_marker.is_empty()) {
        (_, true) => None,
        (true, false) => {
            return Err(OssError::invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
                "version-id-marker",
                &version_marker,
            )
            .ec("0012-00000106"))
        }
        (false, false) => Some((key_marker.clone(), crate::endpoint::parse_version_id(&version_marker)?)),
    };
    let from = (!key_marker.is_empty()).then(|| (key_marker.clone(), skipping.is_some()));
    let (owner, now) = (owner_of(&bucket), ctx.now_ms());
    let start = Page { entries: Vec::new(), truncated: false, last: None, last_prefix: None, skipping };
    let (prefix_len, delim, marker) = (prefix.len(), delimiter.clone(), key_marker.clone());
    let visit = move |page: &mut Page, meta: &ObjectMeta, latest: bool| {
        if let Some((key, id)) = &page.skipping {
            if *key == meta.key {
                if meta.version_id == *id {
                    page.skipping = None;
                }
                return Step::Next;
            }
            page.skipping = None;
        }
        let common = common_prefix(&meta.key, prefix_len, &delim);
        if let Some(cp) = common {
            if page.last_prefix.as_deref() == Some(cp) || (!marker.is_empty() && cp <= marker.as_str()) {
                return Step::SkipPrefix(cp.to_owned());
            }
        }
        if page.entries.len() == max as usize {
            page.truncated = true;
            return Step::Stop;
        }
        if let Some(cp) = common {
            page.entries.push(VersionEntry::CommonPrefixes(CommonPrefix { prefix: cp.to_owned() }));
            page.last = Some((cp.to_owned(), String::new()));
            page.last_prefix = Some(cp.to_owned());
            return Step::SkipPrefix(cp.to_owned());
        }
        page.entries.push(entry(meta, latest, &owner, now));
        page.last = Some((meta.key.clone(), meta.version_id.to_string()));
        Step::Next
    };
    let page = ctx.store().scan_versions(&bucket.name, &prefix, from, start, visit).await?;
    let url = ctx.url_encoding();
    let (next_key, next_version) = match (page.truncated, page.last) {
        (true, Some((key, version))) => (Some(encode_if(url, &key)), Some(version)),
        _ => (None, None),
    };
    let result = ListVersionsResult {
        name: bucket.name.clone(),
        prefix: encode_if(url, &prefix),
        key_marker: encode_if(url, &key_marker),
        version_id_marker: version_marker,
        next_key_marker: next_key,
        next_version_id_marker: next_version,
        max_keys: max,
        delimiter: encode_if(url, &delimiter),
        encoding_type: url.then(|| "url".to_owned()),
        is_truncated: page.truncated,
        entries: page.entries.into_iter().map(|e| encode_entry(url, e)).collect(),
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListVersionsResult", &result)))
}

fn entry(meta: &ObjectMeta, latest: bool, owner: &xml::Owner, now: i64) -> VersionEntry {
    if meta.delete_marker {
        return VersionEntry::DeleteMarker(DeleteMarkerEntry {
            key: meta.key.clone(),
            version_id: meta.version_id.to_string(),
            is_latest: latest,
            last_modified: iso(meta.last_modified_ms),
            owner: owner.clone(),
        });
    }
    VersionEntry::Version(ObjectVersion {
        key: meta.key.clone(),
        version_id: meta.version_id.to_string(),
        is_latest: latest,
        last_modified: iso(meta.last_modified_ms),
        etag: meta.etag.clone(),
        object_type: meta.object_type.to_string(),
        size: meta.size,
        storage_class: meta.storage_class.to_string(),
        restore_info: super::restore::restore_info(meta, now),
        owner: owner.clone(),
    })
}

fn encode_entry(url: bool, entry: VersionEntry) -> VersionEntry {
    match entry {
        VersionEntry::Version(mut v) => {
            v.key = encode_if(url, &v.key);
            VersionEntry::Version(v)
        }
        VersionEntry::DeleteMarker(mut m) => {
            m.key = encode_if(url, &m.key);
            VersionEntry::DeleteMarker(m)
        }
        VersionEntry::CommonPrefixes(p) => {
            VersionEntry::CommonPrefixes(CommonPrefix { prefix: encode_if(url, &p.prefix) })
        }
    }
}
