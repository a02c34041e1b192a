//! The control plane under `/_emulator/`: health and info, reset, seed, the request journal,
//! fault rules and the clock, as JSON. No bucket can collide with it (bucket names cannot start
//! with `_`). When an admin token is configured, requests need `Authorization: Bearer <token>`,
//! or the web console's login cookie ([`crate::console`]).
//!
//! | method and path                      | what                                          |
//! |--------------------------------------|-----------------------------------------------|
//! | `GET /_emulator/health`              | version, listeners, accounts (ids), limits…   |
//! | `POST /_emulator/reset[?bucket=b]`   | delete all buckets (or one) with their data   |
//! | `POST /_emulator/seed`               | create buckets/objects from a JSON manifest   |
//! | `GET /_emulator/journal?…`           | entries, filtered (operation, bucket, …)      |
//! | `GET /_emulator/journal/follow?…`    | long poll: wait for matching entries          |
//! | `DELETE /_emulator/journal`          | clear the journal                             |
//! | `GET/POST/DELETE /_emulator/faults`  | list / add / clear fault rules                |
//! | `DELETE /_emulator/faults/<id>`      | remove one rule                               |
//! | `GET /_emulator/fault-sets`, `PUT/DELETE /_emulator/fault-sets/<name>` | named rule sets |
//! | `GET/POST /_emulator/clock`          | read, freeze, offset or reset the clock       |
//! | `GET /_emulator/operations`          | the OSS operation names fault rules accept    |
//! | `GET/POST /_emulator/buckets`, `DELETE /_emulator/buckets/<b>` | buckets with their totals; create, delete |
//! | `GET /_emulator/buckets/<b>/objects?prefix=&delimiter=` | objects and folders, one page  |
//! | `GET/PUT/DELETE /_emulator/buckets/<b>/object?key=` | one object's metadata; upload; delete |
//! | `GET /_emulator/buckets/<b>/object/content?key=` | its bytes (`download=1`: as attachment) |
//! | `GET /_emulator/buckets/<b>/uploads` | multipart uploads in flight with their parts  |
//! | `GET /_emulator/ui/`                 | the web console ([`crate::console`])          |
//! | `GET /_emulator/callback/public-key.pem` | the key upload callbacks are signed with (no token) |
//!
//! The bucket and object changes run as OSS requests of the bucket owner's account through the
//! normal pipeline ([`crate::server::handle_console`]), so they are journaled and fault rules
//! apply; the listings read the store directly and leave no journal entries.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use oss_protocol::encoding::parse_query;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::body::{self, Body, BufferError};
use crate::fault::FaultRule;
use crate::journal::Filter;
use crate::State;

pub const PREFIX: &str = "/_emulator/";

/// Control request bodies are small JSON documents.
const MAX_BODY: usize = 16 * 1024 * 1024;

pub(crate) fn json_response(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    let mut resp = Response::new(body::full(text));
    *resp.status_mut() = status;
    crate::respond::set_header(&mut resp, "content-type", "application/json");
    resp
}

/// A control request that cannot be served: its status and a one-line reason, sent as JSON.
pub(crate) struct Problem(StatusCode, String);

pub(crate) fn problem(status: StatusCode, message: impl Into<String>) -> Problem {
    Problem(status, message.into())
}

impl Problem {
    pub(crate) fn into_response(self) -> Response<Body> {
        json_response(self.0, &json!({ "error": self.1 }))
    }
}

pub(crate) async fn read_json<T: for<'de> Deserialize<'de>>(state: &State, body: Incoming) -> Result<T, Problem> {
    let buffered = state.body_budget.read(body, MAX_BODY).await.map_err(|e| match e {
        BufferError::TooLarge => problem(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is over {MAX_BODY} bytes")),
        BufferError::OverBudget => {
            problem(StatusCode::SERVICE_UNAVAILABLE, "the emulator's memory for request bodies is in use; retry")
        }
        BufferError::Broken(e) => problem(StatusCode::BAD_REQUEST, format!("reading body: {e}")),
    })?;
    serde_json::from_slice(&buffered.data).map_err(|e| problem(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")))
}

fn filter_from_query(query: &[(String, String)]) -> Result<Filter, Problem> {
    let mut f = Filter::default();
    for (name, value) in query {
        let number = |v: &str| {
            v.parse::<u64>().map_err(|_| problem(StatusCode::BAD_REQUEST, format!("{name} must be a number")))
        };
        match name.as_str() {
            "operation" => f.operation = Some(value.clone()),
            "bucket" => f.bucket = Some(value.clone()),
            "key_prefix" => f.key_prefix = Some(value.clone()),
            "access_key_id" => f.access_key_id = Some(value.clone()),
            "status" => f.status = Some(number(value)? as u16),
            "since_id" => f.since_id = Some(number(value)?),
            "since_time" => f.since_time = Some(value.clone()),
            "since_request_id" => f.since_request_id = Some(value.clone()),
            "limit" => f.limit = Some(number(value)? as usize),
            "tail" => f.tail = Some(number(value)? as usize),
            "timeout_ms" => {}
            _ => return Err(problem(StatusCode::BAD_REQUEST, format!("unknown journal filter {name}"))),
        }
    }
    Ok(f)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// ISO-8601 time to freeze at.
    #[serde(default)]
    freeze: Option<String>,
    /// Shift from real time, milliseconds (negative = behind).
    #[serde(default)]
    offset_ms: Option<i64>,
    /// Back to real time.
    #[serde(default)]
    reset: bool,
}

pub async fn handle(state: &Arc<State>, listener_region: &str, req: Request<Incoming>) -> Response<Body> {
    let raw_path = req.uri().path().trim_start_matches(PREFIX);
    // The console's pages do their own admission: without the token they answer a login form.
    if raw_path == "ui" || raw_path.starts_with("ui/") {
        return crate::console::serve(state, req).await;
    }
    // Callback servers verify the emulator's signatures with this key; they hold no admin token.
    if req.uri().path() == crate::callback::PUBLIC_KEY_PATH {
        return match crate::callback::public_key_pem().await {
            Ok(pem) => {
                let mut resp = Response::new(body::full(pem));
                crate::respond::set_header(&mut resp, "content-type", "application/x-pem-file");
                resp
            }
            Err(_) => json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({ "error": "no callback key" })),
        };
    }
    if let Err(refused) = crate::console::admit(state, req.method(), req.headers()) {
        return refused.into_response();
    }
    let path = raw_path.trim_end_matches('/').to_owned();
    let query = parse_query(req.uri().query().unwrap_or_default());
    let param = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let method = req.method().clone();
    let segments: Vec<&str> = path.split('/').collect();
    let result: Result<Response<Body>, Problem> = async {
        Ok(match (method, segments.as_slice()) {
            // HEAD too: load balancers and `curl -I` probe with it (hyper leaves out the body).
            (Method::GET | Method::HEAD, ["health"]) => json_response(StatusCode::OK, &info(state)),
            (Method::POST, ["reset"]) => {
                let bucket = param("bucket");
                let deleted = state.reset(bucket.as_deref()).await.map_err(|e| {
                    problem(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string())
                })?;
                json_response(StatusCode::OK, &json!({ "deleted_buckets": deleted }))
            }
            (Method::POST, ["seed"]) => {
                let manifest: crate::seed::Manifest = read_json(state, req.into_body()).await?;
                let seeded =
                    state.seed(&manifest).await.map_err(|e| problem(StatusCode::BAD_REQUEST, e.to_string()))?;
                json_response(StatusCode::OK, &seeded)
            }
            (Method::GET, ["journal"]) => {
                let filter = filter_from_query(&query)?;
                json_response(
                    StatusCode::OK,
                    &json!({ "entries": state.journal.query(&filter), "next_id": state.journal.next_id() }),
                )
            }
            (Method::GET, ["journal", "follow"]) => {
                let filter = filter_from_query(&query)?;
                let timeout = param("timeout_ms").and_then(|t| t.parse().ok()).unwrap_or(30_000u64);
                let entries = state.journal.follow(&filter, Duration::from_millis(timeout.min(300_000))).await;
                json_response(StatusCode::OK, &json!({ "entries": entries, "next_id": state.journal.next_id() }))
            }
            (Method::DELETE, ["journal"]) => {
                state.journal.clear();
                json_response(StatusCode::OK, &json!({ "cleared": true }))
            }
            (Method::GET, ["faults"]) => json_response(StatusCode::OK, &json!({ "rules": state.faults.list() })),
            (Method::POST, ["faults"]) => {
                let rule: FaultRule = read_json(state, req.into_body()).await?;
                json_response(StatusCode::CREATED, &json!({ "id": state.faults.add(rule) }))
            }
            (Method::DELETE, ["faults"]) => {
                state.faults.clear();
                json_response(StatusCode::OK, &json!({ "cleared": true }))
            }
            (Method::DELETE, ["faults", id]) => {
                if !state.faults.remove(id) {
                    return Err(problem(StatusCode::NOT_FOUND, format!("no fault rule {id}")));
                }
                json_response(StatusCode::OK, &json!({ "removed": id }))
            }
            (Method::GET, ["fault-sets"]) => json_response(StatusCode::OK, &state.faults.rule_sets()),
            (Method::PUT, ["fault-sets", name]) => {
                let rules: Vec<FaultRule> = read_json(state, req.into_body()).await?;
                state.faults.set_rule_set(name, rules);
                json_response(StatusCode::OK, &json!({ "set": name }))
            }
            (Method::DELETE, ["fault-sets", name]) => {
                if !state.faults.remove_rule_set(name) {
                    return Err(problem(StatusCode::NOT_FOUND, format!("no fault set {name}")));
                }
                json_response(StatusCode::OK, &json!({ "removed": name }))
            }
            (Method::POST, ["lifecycle", "run"]) => {
                let report = crate::lifecycle::apply(state, param("bucket").as_deref())
                    .await
                    .map_err(|e| problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
                json_response(StatusCode::OK, &report)
            }
            (Method::GET, ["clock"]) => json_response(StatusCode::OK, &clock(state)),
            (Method::POST, ["clock"]) => {
                let change: ClockChange = read_json(state, req.into_body()).await?;
                match change {
                    ClockChange { reset: true, .. } => state.clock.reset(),
                    ClockChange { freeze: Some(at), .. } => {
                        let at = oss_protocol::time::parse_iso8601(&at)
                            .ok_or_else(|| problem(StatusCode::BAD_REQUEST, "freeze wants an ISO-8601 time"))?;
                        state.clock.freeze(at);
                    }
                    ClockChange { offset_ms: Some(ms), .. } => state.clock.offset_millis(ms),
                    _ => return Err(problem(StatusCode::BAD_REQUEST, "give one of freeze, offset_ms, reset")),
                }
                json_response(StatusCode::OK, &clock(state))
            }
            (Method::GET, ["operations"]) => json_response(
                StatusCode::OK,
                &json!({ "operations": crate::Operation::ALL.iter().map(|o| o.name()).collect::<Vec<_>>() }),
            ),
            (_, ["buckets", ..]) => {
                return crate::console::api::handle(state, listener_region, req, &segments[1..], &query).await
            }
            (method, _) => {
                return Err(problem(StatusCode::NOT_FOUND, format!("no control endpoint {method} {PREFIX}{path}")))
            }
        })
    }
    .await;
    result.unwrap_or_else(Problem::into_response)
}

fn clock(state: &State) -> serde_json::Value {
    json!({ "now": crate::clock::iso_millis(state.clock.now()), "mode": state.clock.describe() })
}

fn info(state: &State) -> serde_json::Value {
    let c = &state.config;
    let scheme = if c.tls.enabled() { "https" } else { "http" };
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "region": c.region,
        "listeners": state.listeners().iter().map(|(region, addr)| json!({ "region": region, "addr": addr.to_string(), "endpoint": format!("{scheme}://{addr}") })).collect::<Vec<_>>(),
        "accounts": c.accounts.iter().map(|a| json!({ "access_key_id": a.access_key_id, "owner_id": a.id })).collect::<Vec<_>>(),
        "auth": c.auth,
        "durability": c.durability,
        "buckets": state.store.buckets().iter().map(|b| b.name.clone()).collect::<Vec<_>>(),
        "limits": c.limits,
        "data_dir": c.data_dir,
        "journal_size": c.journal_size,
        "host_names": c.host_names,
        "admin_token": c.admin_token.is_some(),
    })
}
