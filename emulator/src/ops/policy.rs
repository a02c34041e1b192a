//! Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus. The grammar and its evaluation are in
//! [`crate::policy`]; authorization applies the stored policy to every request.

use http::{Response, StatusCode};
use oss_protocol::xml::{self, PolicyStatus};

use super::{body_text, check_body_md5, read_small_body, Ctx};
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::policy::BucketPolicy;
use crate::respond;

/// OSS caps a bucket policy at 16 KiB.
const LIMIT: usize = 16 * 1024;

pub async fn put_bucket_policy(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let too_large = || OssError::new(Code::InvalidPolicyDocument).message("The policy is larger than 16 KB.");
    let (body, _reserved) = read_small_body(ctx, body, LIMIT)
        .await
        .map_err(|e| if e.code == Code::MalformedXML { too_large() } else { e })?
        .into_parts();
    check_body_md5(ctx, &body)?;
    let text =
        body_text(body).map_err(|_| OssError::new(Code::InvalidPolicyDocument).message("The policy is not UTF-8."))?;
    let policy = BucketPolicy::parse(text)?;
    ctx.store().update_bucket(ctx.bucket_name(), move |meta| meta.configs.policy = Some(policy)).await?;
    Ok(respond::empty(StatusCode::OK))
}

/// The document exactly as it was put.
pub fn get_bucket_policy(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let policy = bucket.configs.policy.as_ref().ok_or_else(|| OssError::new(Code::NoSuchBucketPolicy))?;
    let mut resp = Response::new(crate::body::full(policy.text().to_owned()));
    respond::set_header(&mut resp, "content-type", "application/json");
    Ok(resp)
}

/// 204 whether or not there was one.
pub async fn delete_bucket_policy(ctx: &Ctx) -> Result<Response<Body>> {
    ctx.store().update_bucket(ctx.bucket_name(), |meta| meta.configs.policy = None).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

pub fn get_bucket_policy_status(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let is_public = bucket.configs.policy.as_ref().is_some_and(BucketPolicy::is_public);
    Ok(respond::xml(StatusCode::OK, xml::to_xml("PolicyStatus", &PolicyStatus { is_public })))
}
