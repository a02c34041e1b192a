//! PutBucketCors, GetBucketCors, DeleteBucketCors and OptionObject (the preflight). The rules and
//! their matching are in [`crate::cors`].

use http::{Response, StatusCode};
use oss_protocol::xml::{self, CorsConfiguration};

use super::Ctx;
use crate::body::{Body, RequestBody};
use crate::cors::{header_list, Cors};
use crate::error::{Code, OssError, Result};
use crate::respond;

pub async fn put_bucket_cors(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: CorsConfiguration = super::read_xml(ctx, body, "CORSConfiguration", 16 * 1024).await?;
    let cors = Cors::parse(&doc)?;
    ctx.store().update_bucket(ctx.bucket_name(), move |meta| meta.configs.cors = Some(cors)).await?;
    Ok(respond::empty(StatusCode::OK))
}

pub fn get_bucket_cors(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let cors = bucket.configs.cors.as_ref().ok_or_else(|| OssError::new(Code::NoSuchCORSConfiguration))?;
    Ok(respond::xml(StatusCode::OK, xml::to_xml("CORSConfiguration", &cors.to_xml())))
}

/// 204, also when the bucket had no rules.
pub async fn delete_bucket_cors(ctx: &Ctx) -> Result<Response<Body>> {
    ctx.store().update_bucket(ctx.bucket_name(), |meta| meta.configs.cors = None).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

fn insufficient(what: &'static str) -> OssError {
    OssError::new(Code::BadRequest).message(what)
}

/// A browser's preflight: answered from the bucket's rules, whether or not the key exists.
pub fn option_object(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let origin =
        ctx.header("origin").ok_or_else(|| insufficient("Insufficient information. Origin request header needed."))?;
    let method = ctx.header("access-control-request-method").ok_or_else(|| {
        insufficient("Insufficient information. Request Access-Control-Request-Method header needed.")
    })?;
    let requested = ctx.header("access-control-request-headers");
    let rule = bucket
        .configs
        .cors
        .as_ref()
        .and_then(|cors| cors.find(origin, method, &requested.map(header_list).unwrap_or_default()))
        .ok_or_else(|| OssError::new(Code::AccessForbidden))?;
    let mut resp = respond::empty(StatusCode::OK);
    for (name, value) in rule.grant(origin, requested) {
        respond::set_header(&mut resp, name, &value);
    }
    Ok(resp)
}
