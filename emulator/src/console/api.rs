//! The control endpoints the console needs beyond the existing ones: buckets with their totals,
//! objects by prefix and folder, one object's metadata, multipart uploads with their parts, and
//! the changes (create and delete buckets, upload, download and delete objects).
//!
//! Listings read the store facade directly: they are views, not OSS requests, and they must show
//! what OSS listings leave out (CRC-64, content type). Changes and downloads are real OSS
//! requests of the bucket owner's account, run through [`crate::server::handle_console`], so the
//! journal shows them and fault rules apply to them, exactly as to a client's.

use std::sync::Arc;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use oss_protocol::encoding::uri_encode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::body::{self, Body};
use crate::config::Account;
use crate::control::{json_response, problem, read_json, Problem};
use crate::store::{ObjectMeta, Step, UploadMeta};
use crate::State;

/// At most this many objects are counted per bucket for the bucket list; past it the totals
/// say they are partial rather than make the list slow.
const COUNT_LIMIT: u64 = 100_000;

/// Objects and folders per listing page.
const PAGE_DEFAULT: usize = 200;
const PAGE_MAX: usize = 1000;

/// Uploads shown per bucket, and parts per upload.
const UPLOADS_MAX: usize = 1000;
const PARTS_MAX: usize = 10_000;

/// Error bodies of console requests are small XML documents; they are read to explain the error.
const ERROR_BODY_MAX: usize = 64 * 1024;

fn iso(ms: i64) -> String {
    crate::clock::iso_millis(crate::ops::from_ms(ms))
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn required<'a>(query: &'a [(String, String)], name: &str) -> Result<&'a str, Problem> {
    param(query, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| problem(StatusCode::BAD_REQUEST, format!("{name} is required")))
}

pub async fn handle(
    state: &Arc<State>,
    listener_region: &str,
    req: Request<Incoming>,
    segments: &[&str],
    query: &[(String, String)],
) -> Result<Response<Body>, Problem> {
    let method = req.method().clone();
    match (method, segments) {
        (Method::GET, []) => list_buckets(state).await,
        (Method::POST, []) => {
            let spec: NewBucket = read_json(state, req.into_body()).await?;
            create_bucket(state, listener_region, spec).await
        }
        (Method::DELETE, [bucket]) => {
            let path = format!("/{bucket}");
            send(state, bucket, Method::DELETE, &path, HeaderMap::new(), None).await
        }
        (Method::GET, [bucket, "objects"]) => list_objects(state, bucket, query).await,
        (Method::GET, [bucket, "object"]) => object_meta(state, bucket, required(query, "key")?).await,
        (Method::PUT, [bucket, "object"]) => {
            let key = required(query, "key")?;
            let mut headers = HeaderMap::new();
            for name in [CONTENT_TYPE, CONTENT_LENGTH] {
                if let Some(v) = req.headers().get(&name) {
                    headers.insert(name, v.clone());
                }
            }
            if let Some(v) = req.headers().get(http::header::TRANSFER_ENCODING) {
                headers.insert(http::header::TRANSFER_ENCODING, v.clone());
            }
            let path = object_path(bucket, key);
            send(state, bucket, Method::PUT, &path, headers, Some(req.into_body())).await
        }
        (Method::DELETE, [bucket, "object"]) => {
            let path = object_path(bucket, required(query, "key")?);
            send(state, bucket, Method::DELETE, &path, HeaderMap::new(), None).await
        }
        (Method::GET, [bucket, "object", "content"]) => download(state, bucket, query).await,
        (Method::GET, [bucket, "uploads"]) => list_uploads(state, bucket).await,
        (method, _) => Err(problem(
            StatusCode::NOT_FOUND,
            format!("no control endpoint {method} /_emulator/buckets/{}", segments.join("/")),
        )),
    }
}

fn object_path(bucket: &str, key: &str) -> String {
    format!("/{bucket}/{}", uri_encode(key, true))
}

fn existing_bucket(state: &State, name: &str) -> Result<Arc<crate::store::BucketMeta>, Problem> {
    state.store.bucket(name).ok_or_else(|| problem(StatusCode::NOT_FOUND, format!("no bucket {name}")))
}

// ---- views ----

#[derive(Serialize)]
struct BucketView {
    name: String,
    region: String,
    owner_id: String,
    /// The access key of the owner's account, when it is configured.
    owner_access_key_id: Option<String>,
    acl: String,
    storage_class: String,
    created: String,
    objects: u64,
    bytes: u64,
    /// False when the bucket has more than [`COUNT_LIMIT`] objects and the totals stop there.
    complete: bool,
}

async fn list_buckets(state: &Arc<State>) -> Result<Response<Body>, Problem> {
    let mut buckets = state.store.buckets();
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::with_capacity(buckets.len());
    for b in buckets {
        let (objects, bytes, complete) = state
            .store
            .scan(&b.name, "", None, (0u64, 0u64, true), |t, meta| {
                if t.0 == COUNT_LIMIT {
                    t.2 = false;
                    return Step::Stop;
                }
                t.0 += 1;
                t.1 += meta.size;
                Step::Next
            })
            .await
            // A bucket deleted while the list is made is simply left out.
            .unwrap_or((0, 0, true));
        let owner = state.config.accounts.iter().find(|a| a.id == b.owner_id);
        out.push(BucketView {
            name: b.name.clone(),
            region: b.region.clone(),
            owner_id: b.owner_id.clone(),
            owner_access_key_id: owner.map(|a| a.access_key_id.clone()),
            acl: b.acl.to_string(),
            storage_class: b.storage_class.to_string(),
            created: iso(b.created_ms),
            objects,
            bytes,
            complete,
        });
    }
    let regions = &state.regions;
    let accounts: Vec<_> =
        state.config.accounts.iter().map(|a| json!({ "access_key_id": a.access_key_id, "owner_id": a.id })).collect();
    Ok(json_response(StatusCode::OK, &json!({ "buckets": out, "regions": regions, "accounts": accounts })))
}

#[derive(Serialize)]
struct ObjectView {
    key: String,
    size: u64,
    etag: String,
    /// Decimal, as `x-oss-hash-crc64ecma` carries it (a u64 does not fit a JavaScript number).
    crc64: String,
    object_type: String,
    storage_class: String,
    last_modified: String,
    content_type: Option<String>,
}

fn object_view(meta: &ObjectMeta) -> ObjectView {
    ObjectView {
        key: meta.key.clone(),
        size: meta.size,
        etag: meta.etag.clone(),
        crc64: meta.crc64.to_string(),
        object_type: meta.object_type.to_string(),
        storage_class: meta.storage_class.to_string(),
        last_modified: iso(meta.last_modified_ms),
        content_type: meta.header("content-type").map(str::to_owned),
    }
}

async fn list_objects(state: &Arc<State>, bucket: &str, query: &[(String, String)]) -> Result<Response<Body>, Problem> {
    existing_bucket(state, bucket)?;
    let prefix = param(query, "prefix").unwrap_or_default().to_owned();
    let delimiter = param(query, "delimiter").unwrap_or("/").to_owned();
    let marker = param(query, "marker").filter(|m| !m.is_empty()).map(str::to_owned);
    let max = match param(query, "max") {
        Some(v) => v.parse::<usize>().map_err(|_| problem(StatusCode::BAD_REQUEST, "max must be a number"))?,
        None => PAGE_DEFAULT,
    }
    .clamp(1, PAGE_MAX);
    // The same folding as ListObjects (one visit per folder: the scan skips what is under it).
    let page = crate::ops::list::fold(&state.store, bucket, &prefix, &delimiter, marker.as_deref(), max, object_view)
        .await
        .map_err(|e| {
            problem(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string())
        })?;
    let next_marker = if page.truncated { page.last.clone() } else { None };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "bucket": bucket,
            "prefix": prefix,
            "folders": page.prefixes,
            "objects": page.objects,
            "truncated": page.truncated,
            "next_marker": next_marker,
        }),
    ))
}

async fn object_meta(state: &Arc<State>, bucket: &str, key: &str) -> Result<Response<Body>, Problem> {
    let b = existing_bucket(state, bucket)?;
    let meta = state
        .store
        .head(bucket, key, None)
        .await
        .map_err(|e| problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .filter(|m| !m.delete_marker)
        .ok_or_else(|| problem(StatusCode::NOT_FOUND, format!("no object {key} in {bucket}")))?;
    let acl = if meta.acl == oss_protocol::Acl::Default {
        format!("default (bucket: {})", b.acl)
    } else {
        meta.acl.to_string()
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "bucket": bucket,
            "object": object_view(&meta),
            "acl": acl,
            "content_md5": meta.content_md5,
            "headers": meta.headers,
            "user_meta": meta.user_meta,
            "tags": meta.tags,
            "server_side_encryption": meta.sse,
            "sse_key_id": meta.sse_key_id,
            "segments": meta.segments.len(),
        }),
    ))
}

#[derive(Serialize)]
struct PartView {
    number: u32,
    size: u64,
    etag: String,
    crc64: String,
    last_modified: String,
}

async fn list_uploads(state: &Arc<State>, bucket: &str) -> Result<Response<Body>, Problem> {
    existing_bucket(state, bucket)?;
    let internal = |e: crate::error::OssError| problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let uploads = state
        .store
        .scan_uploads(bucket, "", (String::new(), String::new()), Vec::<UploadMeta>::new(), |out, u| {
            if out.len() == UPLOADS_MAX {
                return Step::Stop;
            }
            out.push(u.clone());
            Step::Next
        })
        .await
        .map_err(internal)?;
    let mut out = Vec::with_capacity(uploads.len());
    for u in uploads {
        let parts = state.store.parts(bucket, &u.upload_id, 0, PARTS_MAX).await.map_err(internal)?;
        let size: u64 = parts.iter().map(|p| p.size).sum();
        let parts: Vec<PartView> = parts
            .into_iter()
            .map(|p| PartView {
                number: p.number,
                size: p.size,
                etag: p.etag,
                crc64: p.crc64.to_string(),
                last_modified: iso(p.last_modified_ms),
            })
            .collect();
        out.push(json!({
            "key": u.key,
            "upload_id": u.upload_id,
            "initiated": iso(u.initiated_ms),
            "storage_class": u.template.storage_class.to_string(),
            "content_type": u.template.header("content-type"),
            "bytes": size,
            "parts": parts,
        }));
    }
    Ok(json_response(StatusCode::OK, &json!({ "bucket": bucket, "uploads": out })))
}

// ---- changes, as OSS requests ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBucket {
    name: String,
    /// A region a listener serves; the listener's own by default.
    #[serde(default)]
    region: Option<String>,
    /// `private`, `public-read` or `public-read-write`.
    #[serde(default)]
    acl: Option<String>,
    #[serde(default)]
    storage_class: Option<String>,
    /// Access key id of the owning account; the first account by default.
    #[serde(default)]
    owner: Option<String>,
}

async fn create_bucket(state: &Arc<State>, listener_region: &str, spec: NewBucket) -> Result<Response<Body>, Problem> {
    let region = spec.region.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| listener_region.to_owned());
    if !state.regions.contains(&region) {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            format!("no listener serves region {region}; served: {}", state.regions.join(", ")),
        ));
    }
    let account = match spec.owner.as_deref().filter(|o| !o.is_empty()) {
        Some(ak) => state
            .config
            .accounts
            .iter()
            .find(|a| a.access_key_id == ak)
            .cloned()
            .ok_or_else(|| problem(StatusCode::BAD_REQUEST, format!("no account with access key {ak}")))?,
        None => first_account(state)?,
    };
    let mut headers = HeaderMap::new();
    if let Some(acl) = spec.acl.as_deref().filter(|a| !a.is_empty()) {
        let value =
            HeaderValue::from_str(acl).map_err(|_| problem(StatusCode::BAD_REQUEST, "acl is not a header value"))?;
        headers.insert(oss_protocol::headers::ACL, value);
    }
    let body = match spec.storage_class.as_deref().filter(|s| !s.is_empty()) {
        // The name is checked by PutBucket itself; only what cannot be XML text is refused here.
        Some(class) if class.bytes().all(|b| b.is_ascii_alphanumeric()) => Some(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateBucketConfiguration><StorageClass>{class}</StorageClass></CreateBucketConfiguration>"
        )),
        Some(_) => return Err(problem(StatusCode::BAD_REQUEST, "storage_class must be a storage class name")),
        None => None,
    };
    if !spec.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') || spec.name.is_empty() {
        return Err(problem(StatusCode::BAD_REQUEST, "a bucket name is lowercase letters, digits and hyphens"));
    }
    let path = format!("/{}", spec.name);
    let body = body.map(|xml| {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(xml.len()));
        body::full(xml).map_err(body::BoxError::from).boxed_unsync()
    });
    dispatch(state, &region, account, Method::PUT, &path, headers, body.map(Outgoing::Buffered)).await
}

fn first_account(state: &State) -> Result<Account, Problem> {
    state
        .config
        .accounts
        .first()
        .cloned()
        .ok_or_else(|| problem(StatusCode::CONFLICT, "the emulator has no account to act as"))
}

/// The account a console request on `bucket` acts as: its owner's, when configured.
fn owner_of(state: &State, bucket: &crate::store::BucketMeta) -> Result<Account, Problem> {
    match state.config.accounts.iter().find(|a| a.id == bucket.owner_id) {
        Some(a) => Ok(a.clone()),
        None => first_account(state),
    }
}

async fn download(state: &Arc<State>, bucket: &str, query: &[(String, String)]) -> Result<Response<Body>, Problem> {
    let key = required(query, "key")?;
    let mut headers = HeaderMap::new();
    // A preview reads the first bytes only.
    if let Some(limit) = param(query, "preview_bytes") {
        let n: u64 = limit.parse().map_err(|_| problem(StatusCode::BAD_REQUEST, "preview_bytes must be a number"))?;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", n.max(1) - 1)) {
            headers.insert(http::header::RANGE, v);
        }
    }
    let mut resp = send(state, bucket, Method::GET, &object_path(bucket, key), headers, None).await?;
    if param(query, "download").is_some_and(|d| d == "1") && resp.status().is_success() {
        let name = key.rsplit('/').next().unwrap_or(key);
        // RFC 6266: an ASCII fallback and the exact name in UTF-8.
        let fallback: String =
            name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
        let value = format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", uri_encode(name, false));
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(http::header::CONTENT_DISPOSITION, v);
        }
    }
    // The bytes are the user's, not the page's: never let the browser run them as a page.
    resp.headers_mut().insert("content-security-policy", HeaderValue::from_static("sandbox; default-src 'none'"));
    resp.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// A request body for [`dispatch`]: the control request's own (streamed), or one made here.
enum Outgoing {
    Streamed(Incoming),
    Buffered(body::RequestBody),
}

/// Sends an OSS request on `bucket` as its owner, in the bucket's region.
async fn send(
    state: &Arc<State>,
    bucket: &str,
    method: Method,
    path: &str,
    headers: HeaderMap,
    body: Option<Incoming>,
) -> Result<Response<Body>, Problem> {
    let meta = existing_bucket(state, bucket)?;
    let account = owner_of(state, &meta)?;
    dispatch(state, &meta.region.clone(), account, method, path, headers, body.map(Outgoing::Streamed)).await
}

/// Runs one OSS request through the normal pipeline as `account`. A success is passed through
/// (for downloads) or summarised as JSON; an OSS error becomes JSON with its code, message and
/// request id, so the console can point at the journal entry.
async fn dispatch(
    state: &Arc<State>,
    region: &str,
    account: Account,
    method: Method,
    path: &str,
    mut headers: HeaderMap,
    body: Option<Outgoing>,
) -> Result<Response<Body>, Problem> {
    let is_get = method == Method::GET;
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .body(())
        .map_err(|e| problem(StatusCode::BAD_REQUEST, format!("cannot make a request for {path}: {e}")))?;
    // The listener's address as Host keeps the request path-style, in the listener's region.
    let host = state
        .listeners()
        .iter()
        .find(|(r, _)| r == region)
        .map(|(_, addr)| addr.to_string())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    if let Ok(v) = HeaderValue::from_str(&host) {
        headers.insert(HOST, v);
    }
    headers.insert(http::header::USER_AGENT, HeaderValue::from_static("oss-emulator-console"));
    *request.headers_mut() = headers;
    let (parts, ()) = request.into_parts();
    let (body, read_to_end) = match body {
        Some(Outgoing::Streamed(incoming)) => body::request_body(incoming),
        Some(Outgoing::Buffered(b)) => (b, body::ReadToEnd::done()),
        None => (body::empty().map_err(body::BoxError::from).boxed_unsync(), body::ReadToEnd::done()),
    };
    let resp = crate::server::handle_console(state.clone(), region, parts, body, read_to_end, account).await.map_err(
        |_| {
            problem(
                StatusCode::BAD_GATEWAY,
                "an injected fault dropped the connection of this request (see the journal)",
            )
        },
    )?;
    let status = resp.status();
    let request_id =
        resp.headers().get("x-oss-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if status.is_success() && is_get {
        return Ok(resp);
    }
    let headers = resp.headers().clone();
    let text = match state.body_budget.read(resp.into_body(), ERROR_BODY_MAX).await {
        Ok(b) => String::from_utf8_lossy(&b.data).into_owned(),
        Err(_) => String::new(),
    };
    if status.is_success() {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // Always 200 with the summary: a 204 could not carry it.
        return Ok(json_response(
            StatusCode::OK,
            &json!({
                "status": status.as_u16(),
                "request_id": request_id,
                "etag": header("etag"),
                "crc64": header("x-oss-hash-crc64ecma"),
            }),
        ));
    }
    let element = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_owned())
    };
    let code = element("Code");
    let message = element("Message").unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    Ok(json_response(
        status,
        &json!({
            "status": status.as_u16(),
            "error": match &code { Some(c) => format!("{c}: {message}"), None => message.clone() },
            "code": code,
            "message": message,
            "request_id": request_id,
        }),
    ))
}
