//! The multipart machinery shared by copy, upload and download: progress metering, running the
//! parts of a plan in parallel with a checkpoint, and completing an upload whose answer may be
//! lost.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;
use oss_protocol::crc64;
use oss_protocol::xml::{CompletePart, ListPartsResult};
use tokio_util::sync::CancellationToken;

use crate::checkpoint::{CheckpointLog, DonePart};
use crate::client::Client;
use crate::error::Error;
use crate::ops::{complete_part, CompleteMultipartUploadOptions, GetObjectOptions, ListPartsOptions};
use crate::path::ObjectPath;
use crate::plan::PartPlan;

/// How far a transfer or copy has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Called as bytes are transferred (or, for a server-side copy, as parts finish); from several
/// tasks at once, so it must be cheap and thread-safe.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// A shared byte counter feeding the progress callback.
#[derive(Clone)]
pub(crate) struct Meter {
    done: Arc<AtomicU64>,
    total: u64,
    callback: Option<ProgressFn>,
}

impl Meter {
    pub(crate) fn new(total: u64, callback: Option<ProgressFn>) -> Meter {
        Meter { done: Arc::new(AtomicU64::new(0)), total, callback }
    }

    pub(crate) fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        self.report(done);
    }

    /// Takes back bytes of a failed attempt that will be sent again.
    pub(crate) fn sub(&self, n: u64) {
        let done = self.done.fetch_sub(n, Ordering::Relaxed).saturating_sub(n);
        self.report(done);
    }

    fn report(&self, done: u64) {
        if let Some(cb) = &self.callback {
            cb(Progress { done: done.min(self.total), total: self.total });
        }
    }
}

/// Counts the bytes one attempt moved, so that a failed attempt can be taken back off the meter.
pub(crate) struct AttemptMeter {
    meter: Meter,
    moved: Arc<AtomicU64>,
}

impl AttemptMeter {
    pub(crate) fn new(meter: &Meter) -> AttemptMeter {
        AttemptMeter { meter: meter.clone(), moved: Arc::new(AtomicU64::new(0)) }
    }

    /// A counter handle to move into a stream adapter.
    pub(crate) fn handle(&self) -> (Meter, Arc<AtomicU64>) {
        (self.meter.clone(), Arc::clone(&self.moved))
    }

    pub(crate) fn add(&self, n: u64) {
        self.moved.fetch_add(n, Ordering::Relaxed);
        self.meter.add(n);
    }

    /// The attempt failed: its bytes will be moved again.
    pub(crate) fn rollback(&self) {
        self.meter.sub(self.moved.swap(0, Ordering::Relaxed));
    }
}

/// Everything a parallel part run needs besides the work itself.
pub(crate) struct PartRun<'a> {
    pub(crate) plan: PartPlan,
    /// Parts already finished (from a checkpoint); not run again.
    pub(crate) done: BTreeMap<u32, DonePart>,
    pub(crate) concurrency: usize,
    pub(crate) log: Option<&'a CheckpointLog>,
    pub(crate) cancel: Option<&'a CancellationToken>,
}

/// Runs `work(part_number, start, len)` for every unfinished part, at most `concurrency` at a
/// time, recording each finished part in the checkpoint. Stops at the first failure (parts in
/// flight are dropped) or on cancellation.
pub(crate) async fn run_parts<F, Fut>(run: PartRun<'_>, work: F) -> Result<BTreeMap<u32, DonePart>, Error>
where
    F: Fn(u32, u64, u64) -> Fut,
    Fut: Future<Output = Result<DonePart, Error>>,
{
    let PartRun { plan, mut done, concurrency, log, cancel } = run;
    let todo: Vec<u32> = (1..=plan.parts).filter(|n| !done.contains_key(n)).collect();
    let mut results = futures_util::stream::iter(todo)
        .map(|n| {
            let (start, len) = plan.range(n);
            let fut = work(n, start, len);
            async move { fut.await.map(|d| (n, d)) }
        })
        .buffer_unordered(concurrency.max(1));
    let never = CancellationToken::new();
    let cancel = cancel.unwrap_or(&never);
    loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            next = results.next() => next,
        };
        let Some(result) = next else { break };
        let (n, part) = result?;
        if let Some(log) = log {
            log.record(n, &part)?;
        }
        done.insert(n, part);
    }
    Ok(done)
}

/// `fut`, unless `cancel` fires first ([`Error::Cancelled`]). For single requests of a transfer,
/// which may run for minutes (a CopyObject of a gigabyte, a 60 MiB PutObject).
pub(crate) async fn cancellable<T>(
    cancel: Option<&CancellationToken>,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match cancel {
        None => fut.await,
        Some(token) => tokio::select! {
            biased;
            _ = token.cancelled() => Err(Error::Cancelled),
            result = fut => result,
        },
    }
}

/// The CRC-64 of the whole object from its parts' CRCs, when every part has one.
pub(crate) fn combined_crc(parts: &BTreeMap<u32, DonePart>) -> Option<u64> {
    parts.values().try_fold(0u64, |acc, p| p.crc64.map(|c| crc64::combine(acc, c, p.size)))
}

/// A completed upload as far as the caller needs it.
#[derive(Debug, Clone)]
pub(crate) struct Completed {
    pub(crate) etag: String,
    pub(crate) crc64: Option<u64>,
    pub(crate) request_id: Option<String>,
}

/// Every part of an upload (ListParts, following its pages).
pub(crate) async fn list_all_parts(
    client: &Client,
    dst: &ObjectPath,
    upload_id: &str,
) -> Result<Vec<oss_protocol::xml::PartSummary>, Error> {
    let mut parts = Vec::new();
    let mut marker = None;
    loop {
        let opts = ListPartsOptions { max_parts: Some(1000), part_number_marker: marker, ..Default::default() };
        let page: ListPartsResult = client.list_parts(&dst.bucket, &dst.key, upload_id, &opts).await?.into_inner();
        let next = page.next_part_number_marker.trim().parse::<u32>().ok();
        let more = page.is_truncated && next.is_some() && next != marker;
        parts.extend(page.parts);
        if !more {
            return Ok(parts);
        }
        marker = next;
    }
}

/// CompleteMultipartUpload, tolerating a lost answer. Complete is not idempotent (a repeat after
/// success says NoSuchUpload), so the generic retry layer leaves it alone; here, after a
/// retryable failure, ListParts tells whether the upload is still open (complete again) or gone,
/// in which case the destination is checked to be this upload's object (its multipart ETag, or
/// its size and CRC) before the completion is taken as done.
pub(crate) async fn complete_upload(
    client: &Client,
    dst: &ObjectPath,
    upload_id: &str,
    parts: &BTreeMap<u32, DonePart>,
    size: u64,
) -> Result<Completed, Error> {
    let list: Vec<CompletePart> = parts.iter().map(|(&n, p)| complete_part(n, p.etag.clone())).collect();
    let expected_etag = oss_protocol::multipart_etag(parts.values().map(|p| p.etag.as_str()));
    let expected_crc = combined_crc(parts);
    let policy = client.config().retry.clone();
    let mut tries = 0u32;
    loop {
        tries += 1;
        let err = match client
            .complete_multipart_upload(
                &dst.bucket,
                &dst.key,
                upload_id,
                &list,
                &CompleteMultipartUploadOptions::default(),
            )
            .await
        {
            Ok(out) => {
                return Ok(Completed {
                    etag: out.etag.clone(),
                    crc64: out.crc64()?,
                    request_id: out.request_id.clone(),
                })
            }
            Err(e) => e,
        };
        if !err.is_retryable() || tries >= policy.max_attempts {
            return Err(err);
        }
        tokio::time::sleep(policy.backoff(tries)).await;
        match client.list_parts(&dst.bucket, &dst.key, upload_id, &ListPartsOptions::default()).await {
            Ok(_) => continue,
            Err(e) if e.is_not_found() => {}
            Err(_) => return Err(err),
        }
        let head = client.head_object(&dst.bucket, &dst.key, &GetObjectOptions::default()).await?;
        let same_etag =
            head.etag_trimmed().is_some_and(|e| e.eq_ignore_ascii_case(oss_protocol::trim_etag(&expected_etag)));
        let same_data = head.content_length == Some(size) && expected_crc.is_some() && head.crc64 == expected_crc;
        if same_etag || same_data {
            return Ok(Completed {
                etag: head.etag.clone().unwrap_or_default(),
                crc64: head.crc64,
                request_id: head.request_id.clone(),
            });
        }
        return Err(err);
    }
}
