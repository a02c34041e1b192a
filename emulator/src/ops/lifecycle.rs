//! PutBucketLifecycle, GetBucketLifecycle, DeleteBucketLifecycle. The rules themselves (what they
//! may say, what they do) are in [`crate::lifecycle`].

use http::{Response, StatusCode};
use oss_protocol::xml::{self, LifecycleConfiguration};

use super::Ctx;
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::lifecycle::Lifecycle;
use crate::respond;

/// Replaces the bucket's rules with a validated set.
pub async fn put_bucket_lifecycle(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    // Up to 1000 rules: allow room for them.
    let doc: LifecycleConfiguration = super::read_xml(ctx, body, "LifecycleConfiguration", 2 * 1024 * 1024).await?;
    let overlap = ctx.header("x-oss-allow-same-action-overlap").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let rules = Lifecycle::parse(&doc, overlap)?;
    if rules.uses_access_time() && !ctx.bucket()?.configs.access_monitor {
        return Err(OssError::malformed_xml("IsAccessTime needs the bucket's access monitor enabled."));
    }
    ctx.store().update_bucket(ctx.bucket_name(), move |meta| meta.lifecycle = Some(rules)).await?;
    Ok(respond::empty(StatusCode::OK))
}

pub fn get_bucket_lifecycle(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let rules = bucket.lifecycle.as_ref().ok_or_else(|| OssError::new(Code::NoSuchLifecycle))?;
    Ok(respond::xml(StatusCode::OK, xml::to_xml("LifecycleConfiguration", &rules.to_xml())))
}

/// 204, also when the bucket had no rules.
pub async fn delete_bucket_lifecycle(ctx: &Ctx) -> Result<Response<Body>> {
    ctx.store().update_bucket(ctx.bucket_name(), |meta| meta.lifecycle = None).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}
