//! Accept loop and per-request pipeline: control plane or OSS; for OSS requests route →
//! authenticate → fault rules → operation → wire form, then one journal entry and one log line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::{CONTENT_LENGTH, HOST};
use http::{Method, Request, Response};
use http_body::Body as _;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use oss_protocol::encoding::parse_query;
use oss_protocol::error::ErrorDocument;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{AuthRequest, Authenticator, Principal};
use crate::body::{self, Body};
use crate::error::Result;
use crate::fault::{BodyFault, FaultAction, FaultyBody, RequestFacts, FAULT_SET_HEADER};
use crate::journal::Entry;
use crate::ops::{self, Ctx};
use crate::route::Route;
use crate::{control, respond, route, State};

/// The connection was dropped on purpose (an injected fault): hyper closes it without answering.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Serves one listener until `shutdown` flips, then lets open requests finish (up to 10 s).
pub async fn serve(listener: TcpListener, region: String, state: Arc<State>, mut shutdown: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let region: Arc<str> = region.into();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Typically EMFILE: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (state, region) = (state.clone(), region.clone());
                let service = service_fn(move |req| {
                    let (state, region) = (state.clone(), region.clone());
                    async move { handle(state, &region, req).await }
                });
                let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!("connection ended: {e}");
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("shutdown: gave up waiting for open connections"),
    }
}

/// One request, start to finish. Every OSS failure becomes an OSS error response; `Err` only
/// when a fault asks for the connection to be dropped.
pub async fn handle(
    state: Arc<State>,
    listener_region: &str,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    if req.uri().path().starts_with(control::PREFIX) {
        return Ok(control::handle(&state, req).await);
    }
    let started = Instant::now();
    let now = state.clock.now();
    let request_id = state.new_request_id();
    let (parts, incoming) = req.into_parts();
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_owned();
    let is_head = parts.method == Method::HEAD;
    let query = parse_query(parts.uri.query().unwrap_or_default());
    let bytes_in = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok()).unwrap_or(0);
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let fault_set = header(FAULT_SET_HEADER);
    let copy_source = header(oss_protocol::headers::COPY_SOURCE);

    let routed = route::route(
        &parts.method,
        &host,
        parts.uri.path(),
        &query,
        &parts.headers,
        listener_region,
        &state.config.host_names,
    );
    let principal = routed.as_ref().ok().map(|route| authenticate(&state, &parts, &query, route, now));
    let mut entry = Entry {
        id: 0,
        time: iso_millis(now),
        request_id: request_id.clone(),
        region: listener_region.to_owned(),
        method: parts.method.to_string(),
        operation: "Unknown".to_owned(),
        bucket: String::new(),
        key: String::new(),
        auth: "none".to_owned(),
        access_key_id: None,
        status: 0,
        error_code: None,
        bytes_in,
        bytes_out: 0,
        duration_ms: 0.0,
        copy_source: None,
        fault: None,
    };
    if let Ok(route) = &routed {
        entry.operation = route.operation.name().to_owned();
        entry.bucket = route.bucket.clone().unwrap_or_default();
        entry.key = route.key.clone().unwrap_or_default();
        entry.region = route.region.clone();
        if matches!(route.operation, route::Operation::CopyObject | route::Operation::UploadPartCopy) {
            entry.copy_source = copy_source;
        }
    }
    if let Some(Ok(p)) = &principal {
        entry.auth = p.kind.name().to_owned();
        entry.access_key_id = p.access_key_id.clone();
    }

    let fault = match (&routed, &principal) {
        (Ok(_), Some(Ok(p))) => state.faults.pick(
            &RequestFacts {
                operation: &entry.operation,
                bucket: &entry.bucket,
                key: &entry.key,
                access_key_id: p.access_key_id.as_deref(),
            },
            fault_set.as_deref(),
        ),
        _ => None,
    };
    entry.fault = fault.as_ref().map(|(id, _)| id.clone());
    let action = fault.map(|(_, action)| action);

    let mut request_body = body::request_body(incoming);
    if let Some(FaultAction::ResetRequestAfter { bytes }) = action {
        request_body = FaultyBody::new(request_body, BodyFault::CutAfter(bytes)).boxed_unsync();
    }
    if let Some(FaultAction::Delay { ms }) = action {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let result: Result<Response<Body>> = match (routed, principal, &action) {
        (Err(e), _, _) | (_, Some(Err(e)), _) => Err(e),
        (Ok(_), _, Some(FaultAction::Error { code, status, message, ec })) => {
            let doc = ErrorDocument {
                code: code.clone(),
                message: message.clone().unwrap_or_else(|| format!("{code} (injected fault)")),
                request_id: request_id.clone(),
                host_id: host.clone(),
                extra: Vec::new(),
                ec: ec.clone(),
            };
            entry.error_code = Some(code.clone());
            Ok(respond::error_document(*status, &doc, is_head))
        }
        (Ok(route), Some(Ok(principal)), _) => {
            let ctx = Ctx {
                state: state.clone(),
                request_id: request_id.clone(),
                method: parts.method.clone(),
                headers: parts.headers,
                query,
                route,
                principal,
                now,
                host: host.clone(),
            };
            ops::dispatch(&ctx, request_body).await
        }
        (Ok(_), None, _) => unreachable!("a routed request is always authenticated"),
    };
    let mut resp = match result {
        Ok(resp) => resp,
        Err(err) => {
            entry.error_code = Some(err.code.as_str().to_owned());
            respond::error(&err, is_head, &request_id, &host)
        }
    };
    let elapsed = started.elapsed();
    respond::finish(&mut resp, &request_id, now, elapsed.as_millis());
    entry.status = resp.status().as_u16();
    entry.bytes_out = resp.body().size_hint().exact().unwrap_or(0);
    entry.duration_ms = elapsed.as_secs_f64() * 1000.0;
    log(&entry, &parts.method, &parts.uri);
    state.journal.record(entry);
    let body_fault = match action {
        Some(FaultAction::ResetRequestAfter { .. } | FaultAction::CommitThenDrop) => return Err(Dropped),
        Some(FaultAction::Throttle { bytes_per_sec }) => Some(BodyFault::Throttle(bytes_per_sec)),
        Some(FaultAction::ResetResponseAfter { bytes }) => Some(BodyFault::CutAfter(bytes)),
        Some(FaultAction::StallAfter { bytes }) => Some(BodyFault::StallAfter(bytes)),
        _ => None,
    };
    if let Some(fault) = body_fault {
        resp = resp.map(|b| FaultyBody::new(b, fault).boxed_unsync());
    }
    Ok(resp)
}

fn authenticate(
    state: &State,
    parts: &http::request::Parts,
    query: &[(String, String)],
    route: &Route,
    now: std::time::SystemTime,
) -> Result<Principal> {
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    Authenticator {
        accounts: &state.config.accounts,
        mode: state.config.auth,
        now,
        max_skew: Duration::from_millis(state.config.limits.max_skew_ms),
    }
    .authenticate(&AuthRequest {
        method: parts.method.as_str(),
        bucket: route.bucket.as_deref(),
        key: route.key.as_deref(),
        query,
        headers: &headers,
        region: &route.region,
    })
}

/// ISO-8601 with real milliseconds (journal entries of one second must stay ordered).
pub fn iso_millis(t: std::time::SystemTime) -> String {
    let iso = oss_protocol::time::format_iso8601(t);
    format!("{}.{:03}Z", &iso[..19], ops::to_ms(t).rem_euclid(1000))
}

fn log(entry: &Entry, method: &Method, uri: &http::Uri) {
    tracing::info!(
        target: "oss_emulator::request",
        request_id = %entry.request_id,
        operation = %entry.operation,
        bucket = %entry.bucket,
        key = %entry.key,
        status = entry.status,
        error = entry.error_code.as_deref().unwrap_or("-"),
        fault = entry.fault.as_deref().unwrap_or("-"),
        bytes_in = entry.bytes_in,
        bytes_out = entry.bytes_out,
        duration_ms = entry.duration_ms,
        "{method} {uri}"
    );
}
