//! Accept loop and per-request pipeline: route → authenticate → operation → wire form, with one
//! log line per request and graceful shutdown.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::{CONTENT_LENGTH, HOST};
use http::{Method, Request, Response};
use http_body::Body as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use oss_protocol::encoding::parse_query;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{AuthRequest, Authenticator};
use crate::body::Body;
use crate::ops::{self, Ctx};
use crate::{respond, route, State};

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
                    async move { Ok::<_, Infallible>(handle(state, &region, req).await) }
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

/// One request, start to finish. Never fails: every error becomes an OSS error response.
pub async fn handle(state: Arc<State>, listener_region: &str, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let now = state.clock.now();
    let request_id = respond::new_request_id();
    let (parts, body) = req.into_parts();
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

    let routed = route::route(
        &parts.method,
        &host,
        parts.uri.path(),
        &query,
        &parts.headers,
        listener_region,
        &state.config.host_names,
    );
    let (operation, bucket, key) = match &routed {
        Ok(r) => (r.operation.name(), r.bucket.clone().unwrap_or_default(), r.key.clone().unwrap_or_default()),
        Err(_) => ("Unknown", String::new(), String::new()),
    };
    let result = match routed {
        Ok(route) => {
            let headers: Vec<(String, String)> = parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let auth = Authenticator {
                accounts: &state.config.accounts,
                mode: state.config.auth,
                now,
                max_skew: Duration::from_millis(state.config.limits.max_skew_ms),
            }
            .authenticate(&AuthRequest {
                method: parts.method.as_str(),
                bucket: route.bucket.as_deref(),
                key: route.key.as_deref(),
                query: &query,
                headers: &headers,
                region: &route.region,
            });
            match auth {
                Ok(principal) => {
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
                    ops::dispatch(&ctx, body).await
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let (mut resp, code) = match result {
        Ok(resp) => (resp, None),
        Err(err) => (respond::error(&err, is_head, &request_id, &host), Some(err.code.as_str())),
    };
    let elapsed = started.elapsed();
    respond::finish(&mut resp, &request_id, now, elapsed.as_millis());
    let bytes_out = resp.body().size_hint().exact().unwrap_or(0);
    tracing::info!(
        target: "oss_emulator::request",
        request_id = %request_id,
        operation,
        bucket = %bucket,
        key = %key,
        status = resp.status().as_u16(),
        error = code.unwrap_or("-"),
        bytes_in,
        bytes_out,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "{} {}",
        parts.method,
        parts.uri
    );
    resp
}
