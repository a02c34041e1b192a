//! ListBuckets (GetService) and DescribeRegions.

use http::{Response, StatusCode};
use oss_protocol::xml::{self, BucketSummary, Buckets, ListAllMyBucketsResult, Owner, RegionInfo, RegionInfoList};

use super::{iso, parse_max, Ctx};
use crate::access;
use crate::body::Body;
use crate::error::{Code, OssError, Result};
use crate::respond;
use crate::store::BucketMeta;
use oss_protocol::headers::RESOURCE_GROUP_ID;

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
    // Narrowed by a bucket tag (`tag-key`, with `tag-value` too) and by resource group.
    let tag_key = ctx.param("tag-key").filter(|k| !k.is_empty());
    let tag_value = ctx.param("tag-value");
    let tagged = |m: &BucketMeta| {
        tag_key.is_none_or(|k| m.tags.iter().any(|(tk, tv)| tk == k && tag_value.is_none_or(|v| v == tv)))
    };
    let group = ctx.header(RESOURCE_GROUP_ID).filter(|g| !g.is_empty());
    let grouped = |m: &BucketMeta| group.is_none_or(|g| crate::configs::resource_group_of(m) == g);
    let mut owned: Vec<_> = ctx
        .state
        .store
        .buckets()
        .into_iter()
        .filter(|m| m.owner_id == account.id && m.name.starts_with(prefix) && m.name.as_str() > marker)
        .filter(|m| tagged(m) && grouped(m))
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
                    storage_class: m.storage_class.to_string(),
                    resource_group_id: Some(crate::configs::resource_group_of(m)),
                })
                .collect(),
        },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("ListAllMyBucketsResult", &result)))
}

/// OSS's public regions, as DescribeRegions lists them (every region a listener serves is added).
/// A snapshot: real OSS adds regions over time, and tests that look for one by name expect it.
const PUBLIC_REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "us-west-1",
    "us-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "eu-central-1",
    "eu-west-1",
    "me-east-1",
    "me-central-1",
];

/// DescribeRegions: every region (or the one asked about, as `oss-<region>`) with its endpoints.
pub fn describe_regions(ctx: &Ctx, asked: Option<&str>) -> Result<Response<Body>> {
    let mut regions: Vec<&str> = PUBLIC_REGIONS.to_vec();
    regions.extend(ctx.state.regions.iter().map(String::as_str).filter(|r| !PUBLIC_REGIONS.contains(r)));
    let info = |r: &str| RegionInfo {
        region: format!("oss-{r}"),
        internet_endpoint: extranet_endpoint(r),
        internal_endpoint: intranet_endpoint(r),
        accelerate_endpoint: "oss-accelerate.aliyuncs.com".to_owned(),
    };
    let list = match asked {
        None => regions.into_iter().map(info).collect(),
        Some(name) => {
            let bare = name.strip_prefix("oss-").unwrap_or(name);
            if !regions.contains(&bare) {
                return Err(OssError::new(Code::NoSuchRegion).with("Region", name));
            }
            vec![info(bare)]
        }
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("RegionInfoList", &RegionInfoList { regions: list })))
}
