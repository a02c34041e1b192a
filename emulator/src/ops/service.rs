//! ListBuckets (GetService).

use http::{Response, StatusCode};
use oss_protocol::xml::{self, BucketSummary, Buckets, ListAllMyBucketsResult, Owner};

use super::{iso, parse_max, Ctx};
use crate::access;
use crate::body::Body;
use crate::error::Result;
use crate::respond;

pub fn extranet_endpoint(region: &str) -> String {
    format!("oss-{region}.aliyuncs.com")
}

pub fn intranet_endpoint(region: &str) -> String {
    format!("oss-{region}-internal.aliyuncs.com")
}

/// Lists every bucket the caller owns, across regions, as real OSS's GetService does (each entry
/// names its region), with prefix/marker/max-keys paging.
pub fn list_buckets(ctx: &Ctx) -> Result<Response<Body>> {
    let account = access::require_account(&ctx.principal)?;
    let prefix = ctx.param("prefix").unwrap_or_default();
    let marker = ctx.param("marker").unwrap_or_default();
    let max_keys = parse_max(ctx, "max-keys", 100, 1000)? as usize;
    let mut owned: Vec<_> = ctx
        .state
        .store
        .buckets()
        .into_iter()
        .map(|b| b.meta())
        .filter(|m| m.owner_id == account.id && m.name.starts_with(prefix) && m.name.as_str() > marker)
        .collect();
    owned.sort_by(|a, b| a.name.cmp(&b.name));
    let truncated = owned.len() > max_keys;
    owned.truncate(max_keys);
    // The fact sheet: the paging elements appear only when the result is truncated.
    let paging = truncated;
    let result = ListAllMyBucketsResult {
        prefix: paging.then(|| prefix.to_owned()),
        marker: paging.then(|| marker.to_owned()),
        max_keys: paging.then_some(max_keys as u32),
        is_truncated: paging.then_some(truncated),
        next_marker: if truncated { owned.last().map(|m| m.name.clone()) } else { None },
        owner: Owner { id: account.id.clone(), display_name: account.id.clone() },
        buckets: Buckets {
            bucket: owned
                .iter()
                .map(|m| BucketSummary {
                    creation_date: iso(m.created_ms),
                    extranet_endpoint: extranet_endpoint(&m.region),
                    intranet_endpoint: intranet_endpoint(&m.region),
                    location: format!("oss-{}", m.region),
                    name: m.name.clone(),
                    region: m.region.clone(),
                    storage_class: m.storage_class.clone(),
                })
                .collect(),
        },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListAllMyBucketsResult", &result)))
}
