//! The request journal: every request the emulator answered, in a bounded ring, queryable and
//! followable, optionally appended to a JSON-lines file. It lets a test assert what a program
//! did ("exactly 11 UploadPartCopy, all V4 signed, then one CompleteMultipartUpload"). Secrets
//! and signatures are never recorded.

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
