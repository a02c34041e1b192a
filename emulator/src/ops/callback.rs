//! The upload callback of PutObject and CompleteMultipartUpload: the stored object's answer
//! becomes the callback server's JSON, or 203 CallbackFailed ([`crate::callback`] makes the call).

use http::{Response, StatusCode};

use super::Ctx;
use crate::body::{self, Body};
use crate::callback::{Callback, Facts, Outcome};
use crate::error::{Code, OssError, Result};
use crate::respond::set_header;
use crate::store::ObjectMeta;

/// The callback a request asks for, validated before anything is stored.
pub fn requested(ctx: &Ctx) -> Result<Option<Callback>> {
    Callback::requested(&ctx.headers, &ctx.query, &ctx.bucket()?.configs.callback_policies)
}

/// The headers of the upload's answer a failed callback still carries.
const KEPT: &[&str] =
    &["etag", "x-oss-hash-crc64ecma", "content-md5", "x-oss-version-id", "x-oss-server-side-encryption"];

/// Calls back for `stored`, and makes `resp` (the upload's own answer) the callback's. Each
/// callback is a journal entry of its own (method `CALLBACK`).
pub async fn answer(
    ctx: &Ctx,
    callback: Option<Callback>,
    stored: &ObjectMeta,
    resp: Response<Body>,
) -> Result<Response<Body>> {
    let Some(callback) = callback else { return Ok(resp) };
    let facts = Facts {
        bucket: ctx.bucket_name().to_owned(),
        object: stored.key.clone(),
        etag: stored.etag.trim_matches('"').to_owned(),
        size: stored.size,
        mime_type: stored.header("content-type").unwrap_or_default().to_owned(),
        crc64: stored.crc64,
        content_md5: stored.content_md5.clone().unwrap_or_default(),
        operation: ctx.endpoint.operation().name().to_owned(),
    };
    let host = ctx.header("host").unwrap_or("127.0.0.1");
    let key_url = format!("http://{host}{}", crate::callback::PUBLIC_KEY_PATH);
    let started = std::time::Instant::now();
    let outcome = crate::callback::run(&callback, &facts, &key_url, &ctx.state.config.callback_hosts).await;
    let failed = match &outcome {
        Outcome::Answered(_) => None,
        Outcome::Failed(message) => Some(message.clone()),
    };
    ctx.state.journal.record(crate::journal::Entry {
        time: crate::clock::iso_millis(ctx.state.clock.now()),
        request_id: ctx.state.new_request_id(),
        region: ctx.region.clone(),
        method: "CALLBACK".to_owned(),
        operation: format!("{}Callback", facts.operation),
        bucket: facts.bucket.clone(),
        key: facts.object.clone(),
        auth: "none".to_owned(),
        status: if failed.is_some() { 203 } else { 200 },
        error_code: failed.as_ref().map(|_| Code::CallbackFailed.as_str().to_owned()),
        uri: callback.urls.iter().map(|u| format!("{}:{}{}", u.host, u.port, u.target)).collect::<Vec<_>>().join(";"),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        ..Default::default()
    });
    match outcome {
        Outcome::Answered(json) => {
            let (mut parts, _) = resp.into_parts();
            parts.status = StatusCode::OK;
            let mut resp = Response::from_parts(parts, body::empty());
            set_header(&mut resp, "content-type", "application/json");
            set_header(&mut resp, "content-length", &json.len().to_string());
            *resp.body_mut() = body::full(json);
            Ok(resp)
        }
        Outcome::Failed(message) => {
            let mut error = OssError::new(Code::CallbackFailed).message(message).ec("0007-00000203");
            for name in KEPT {
                if let Some(value) = resp.headers().get(*name).and_then(|v| v.to_str().ok()) {
                    error = error.header(name, value);
                }
            }
            Err(error)
        }
    }
}
