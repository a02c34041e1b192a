//! The request journal: every request the emulator answered, in a bounded ring, queryable and
//! followable, optionally appended to a JSON-lines file. It lets a test assert what a program
//! did ("exactly 11 UploadPartCopy, all V4 signed, then one CompleteMultipartUpload"). Secrets
//! and signatures are never recorded: request headers and the URI are kept for the web console's
//! detail view with credentials masked ([`masked_headers`], [`masked_uri`]).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One answered request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Sequence number, increasing from 1 for the emulator's lifetime (survives `clear`).
    pub id: u64,
    /// ISO-8601 UTC with milliseconds, by the emulator's clock.
    pub time: String,
    pub request_id: String,
    pub region: String,
    pub method: String,
    /// The OSS API name (`PutObject`, `UploadPartCopy`, …), or `Unknown` when routing failed.
    pub operation: String,
    pub bucket: String,
    pub key: String,
    /// `anonymous`, `v1`, `v4`, `v1-presigned`, `v4-presigned`, or `none` when authentication failed.
    pub auth: String,
    pub access_key_id: Option<String>,
    pub status: u16,
    pub error_code: Option<String>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub duration_ms: f64,
    /// `/bucket/key` of CopyObject and UploadPartCopy.
    pub copy_source: Option<String>,
    /// The fault rule that fired on this request, if any.
    pub fault: Option<String>,
    /// Path and query as requested, signatures and tokens masked.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri: String,
    /// Request headers in arrival order (lowercase names), credentials masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Why authentication or authorization refused the request (`Code: message`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_error: Option<String>,
    /// For a SignatureDoesNotMatch: what the emulator signed, to diff against a client's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureDetail>,
}

/// What the emulator computed when a signature did not match. None of it is secret: the
/// string-to-sign and canonical request are what OSS itself returns in the error body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignatureDetail {
    /// `v1` or `v4`.
    pub version: String,
    /// V4 only: the canonical request the string-to-sign hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_request: Option<String>,
    pub string_to_sign: String,
    /// The headers that went into the signature, lowercase, in signing order.
    pub signed_headers: Vec<String>,
}

/// Header values that carry credentials. `authorization` keeps its scheme and access key id,
/// which identify the caller; the rest is replaced.
const SECRET_HEADERS: &[&str] =
    &["x-oss-security-token", "cookie", "proxy-authorization", "x-oss-emulator-admin-token"];

/// Query parameters that carry signatures or tokens.
const SECRET_PARAMS: &[&str] = &["signature", "x-oss-signature", "security-token", "x-oss-security-token"];

const MASK: &str = "****";

/// `OSS ak:sig` → `OSS ak:****`; `OSS4-HMAC-SHA256 Credential=…,Signature=sig` keeps everything
/// but the signature, so a reader still sees the scope and the additional headers.
fn mask_authorization(value: &str) -> String {
    if let Some(rest) = value.strip_prefix("OSS ") {
        return match rest.split_once(':') {
            Some((ak, _)) => format!("OSS {ak}:{MASK}"),
            None => format!("OSS {MASK}"),
        };
    }
    if value.starts_with("OSS4-HMAC-SHA256") {
        if let Some(at) = value.find("Signature=") {
            return format!("{}Signature={MASK}", &value[..at]);
        }
        return value.to_owned();
    }
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {MASK}"),
        None => MASK.to_owned(),
    }
}

/// The request's headers as the journal keeps them.
pub fn masked_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let shown = match name.as_str() {
                "authorization" => mask_authorization(&value),
                n if SECRET_HEADERS.contains(&n) => MASK.to_owned(),
                _ => value.into_owned(),
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// The path and query with the values of signature and token parameters masked.
pub fn masked_uri(uri: &http::Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else { return path.to_owned() };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s)) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", masked.join("&"))
}

/// Filters for [`Journal::query`]; every field set must match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub operation: Option<String>,
    pub bucket: Option<String>,
    pub key_prefix: Option<String>,
    pub status: Option<u16>,
    pub access_key_id: Option<String>,
    /// Entries with `id` greater than this.
    pub since_id: Option<u64>,
    /// Entries at or after this ISO-8601 time.
    pub since_time: Option<String>,
    /// Entries after the one with this request id.
    pub since_request_id: Option<String>,
    /// At most this many (the newest are dropped, so paging forward with since_id works).
    pub limit: Option<usize>,
    /// Only the newest this many matches (still oldest first): "what happened last".
    pub tail: Option<usize>,
}

impl Filter {
    fn matches(&self, e: &Entry) -> bool {
        self.operation.as_ref().is_none_or(|op| op == &e.operation)
            && self.bucket.as_ref().is_none_or(|b| b == &e.bucket)
            && self.key_prefix.as_ref().is_none_or(|p| e.key.starts_with(p.as_str()))
            && self.status.is_none_or(|s| s == e.status)
            && self.access_key_id.as_ref().is_none_or(|a| Some(a) == e.access_key_id.as_ref())
            && self.since_id.is_none_or(|id| e.id > id)
            && self.since_time.as_ref().is_none_or(|t| e.time.as_str() >= t.as_str())
    }
}

pub struct Journal {
    entries: Mutex<VecDeque<Entry>>,
    capacity: usize,
    next_id: AtomicU64,
    /// Lines for the journal file, written by a thread of its own: never file I/O on the
    /// request path.
    file: Option<Mutex<std::sync::mpsc::Sender<String>>>,
    appended: tokio::sync::Notify,
    /// Set at shutdown: long polls answer at once instead of holding their connection open.
    closed: std::sync::atomic::AtomicBool,
}

/// Appends lines to the journal file as they come, flushing whenever the queue is empty.
fn file_writer(file: std::fs::File) -> Option<std::sync::mpsc::Sender<String>> {
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let spawned = std::thread::Builder::new().name("oss-journal".into()).spawn(move || {
        let mut out = std::io::BufWriter::new(file);
        while let Ok(line) = rx.recv() {
            let mut result = writeln!(out, "{line}");
            while let (Ok(()), Ok(more)) = (&result, rx.try_recv()) {
                result = writeln!(out, "{more}");
            }
            if let Err(e) = result.and_then(|()| out.flush()) {
                tracing::warn!("journal file: {e}");
            }
        }
    });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            tracing::warn!("journal file: cannot start its writer: {e}");
            None
        }
    }
}

impl Journal {
    pub fn new(capacity: usize, file: Option<std::fs::File>) -> Self {
        Self {
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity,
            next_id: AtomicU64::new(1),
            file: file.and_then(file_writer).map(Mutex::new),
            appended: tokio::sync::Notify::new(),
            closed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Records an entry, assigning its id.
    pub fn record(&self, mut entry: Entry) {
        entry.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Some(file) = &self.file {
            if let Ok(line) = serde_json::to_string(&entry) {
                let _ = file.lock().unwrap_or_else(PoisonError::into_inner).send(line);
            }
        }
        if self.capacity > 0 {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries.len() == self.capacity {
                entries.pop_front();
            }
            entries.push_back(entry);
        }
        self.appended.notify_waiters();
    }

    pub fn query(&self, filter: &Filter) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let start = match &filter.since_request_id {
            Some(rid) => entries.iter().position(|e| &e.request_id == rid).map_or(entries.len(), |i| i + 1),
            None => 0,
        };
        let mut out: Vec<Entry> = entries.iter().skip(start).filter(|e| filter.matches(e)).cloned().collect();
        if let Some(tail) = filter.tail {
            out.drain(..out.len().saturating_sub(tail));
        }
        if let Some(limit) = filter.limit {
            out.truncate(limit);
        }
        out
    }

    /// Waits up to `timeout` for entries matching `filter` (long poll), returning at once when
    /// some already exist.
    pub async fn follow(&self, filter: &Filter, timeout: Duration) -> Vec<Entry> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.appended.notified();
            let found = self.query(filter);
            if !found.is_empty() || self.closed.load(Ordering::Relaxed) {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Vec::new();
            }
        }
    }

    /// Ends every long poll, now and from now on (the emulator is shutting down).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.appended.notify_waiters();
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The id the next entry will get: remember it before an action, then query `since_id`.
    pub fn next_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_but_the_caller_stays_visible() {
        let mut h = http::HeaderMap::new();
        h.insert("authorization", http::HeaderValue::from_static("OSS ak1:c2lnbmF0dXJl"));
        h.insert("x-oss-security-token", http::HeaderValue::from_static("tok"));
        h.insert("content-type", http::HeaderValue::from_static("text/plain"));
        let shown = masked_headers(&h);
        assert!(shown.contains(&("authorization".into(), "OSS ak1:****".into())));
        assert!(shown.contains(&("x-oss-security-token".into(), "****".into())));
        assert!(shown.contains(&("content-type".into(), "text/plain".into())));
        let v4 = "OSS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=abc123";
        assert_eq!(
            mask_authorization(v4),
            "OSS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=****"
        );
    }

    #[test]
    fn presigned_signatures_are_masked_in_the_uri() {
        let uri: http::Uri = "/b/k?OSSAccessKeyId=ak&Expires=1&Signature=abc%2B&acl".parse().expect("uri");
        assert_eq!(masked_uri(&uri), "/b/k?OSSAccessKeyId=ak&Expires=1&Signature=****&acl");
        let uri: http::Uri = "/b/k?x-oss-signature=ff&x-oss-credential=ak".parse().expect("uri");
        assert_eq!(masked_uri(&uri), "/b/k?x-oss-signature=****&x-oss-credential=ak");
    }
}
