//! PutBucketWebsite, GetBucketWebsite, DeleteBucketWebsite, and serving the index and error
//! documents in place of a missing key ([`crate::website`] decides which).

use http::{Response, StatusCode};

use super::{read_text, Ctx};
use crate::auth::Principal;
use crate::body::{Body, RequestBody};
use crate::endpoint::{Endpoint, ObjectPath};
use crate::error::{Code, OssError, Result};
use crate::respond;
use crate::store::{Opened, Store};
use crate::website::{Fallback, Website};

const LIMIT: usize = 64 * 1024;

pub async fn put_bucket_website(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc = crate::website::parse(&read_text(ctx, body, LIMIT).await?)?;
    ctx.store().update_bucket(ctx.bucket_name(), move |meta| meta.configs.website = Some(doc)).await?;
    Ok(respond::empty(StatusCode::OK))
}

pub fn get_bucket_website(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let doc = bucket.configs.website.as_ref().ok_or_else(|| OssError::new(Code::NoSuchWebsiteConfiguration))?;
    Ok(respond::xml(StatusCode::OK, doc.to_document()))
}

pub async fn delete_bucket_website(ctx: &Ctx) -> Result<Response<Body>> {
    ctx.store().update_bucket(ctx.bucket_name(), |meta| meta.configs.website = None).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

/// An anonymous `GET /` of a website bucket, with no listing parameter, is a browser asking for
/// the site's home page: it becomes GetObject of the index document, judged by that object's
/// ACL like any read, instead of a ListObjects that anonymous readers of a private bucket may
/// not do. Signed callers and any request with a query keep ListObjects, which SDKs parse.
pub fn home_page(store: &Store, endpoint: Endpoint, principal: &Principal, query: &[(String, String)]) -> Endpoint {
    let Endpoint::ListObjects { bucket } = &endpoint else { return endpoint };
    if principal.account.is_some() || !query.is_empty() {
        return endpoint;
    }
    let index = store
        .bucket(bucket)
        .and_then(|meta| meta.configs.website.as_ref().and_then(|doc| Website::of(doc).ok()))
        .and_then(|site| site.root_document());
    match index {
        Some(key) => Endpoint::GetObject { object: ObjectPath { bucket: bucket.clone(), key, version: None } },
        None => endpoint,
    }
}

/// What GetObject serves instead of NoSuchKey on a website bucket: an object to send with a
/// status, or a finished redirect. `None` leaves the NoSuchKey standing.
pub enum Served {
    Object(Box<Opened>, StatusCode),
    Response(Response<Body>),
}

pub async fn fallback(ctx: &Ctx) -> Result<Option<Served>> {
    let bucket = ctx.bucket()?;
    let Some(doc) = bucket.configs.website.as_ref() else { return Ok(None) };
    if ctx.version().is_some() {
        return Ok(None);
    }
    let website = Website::of(doc)?;
    // The documents the decision may look at: the folder's index and the sub-folder's one.
    let mut present = Vec::new();
    for candidate in website.candidates(ctx.key()) {
        if ctx.store().head(&bucket.name, &candidate, None).await?.is_some_and(|m| !m.delete_marker) {
            present.push(candidate);
        }
    }
    let anonymous = ctx.principal.account.is_none();
    // Routing rules come before the index and error documents, and, like the error document,
    // only for anonymous (browser) readers: a signed SDK call keeps NoSuchKey. UNCONFIRMED: OSS
    // runs them on its website endpoints; the emulator runs them for keys that do not exist.
    let routed = if anonymous {
        let query = oss_protocol::encoding::build_query(ctx.query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let header = |name: &str| ctx.header(name);
        website.route(&crate::website::Request { key: ctx.key(), query: &query, header: &header })
    } else {
        None
    };
    let Some(fallback) = routed.or_else(|| website.fallback(ctx.key(), anonymous, |k| present.iter().any(|p| p == k)))
    else {
        return Ok(None);
    };
    match fallback {
        Fallback::Redirect { status, location } => {
            let mut resp = respond::empty(StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND));
            respond::set_header(&mut resp, "location", &location);
            Ok(Some(Served::Response(resp)))
        }
        Fallback::Serve { key, status } => {
            // The documents are served as a GetObject of them would be: an anonymous caller only
            // gets what the ACLs or the bucket policy let anyone read.
            let found = ctx.open_for_read(&key).await?;
            let Some(opened) = found.filter(|o| !o.meta.delete_marker) else { return Ok(None) };
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
            Ok(Some(Served::Object(Box::new(opened), status)))
        }
    }
}
