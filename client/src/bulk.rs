//! Many objects at once: everything under a prefix as a lazily paged stream
//! ([`Client::list_objects_stream`]), a tree of files or objects by relative path
//! ([`list_tree`]), and a transfer manager that runs many uploads, downloads and server-side
//! copies a bounded number at a time ([`Client::transfer_many`]), with a result per object and
//! progress events (bytes and objects) as they happen.
//!
//! ```no_run
//! # async fn demo(client: oss_client::Client) -> Result<(), oss_client::Error> {
//! use oss_client::bulk::{list_tree, BulkOptions, Location, TransferJob};
//!
//! // Upload every `.csv` below ./data to oss://demo/data/, eight files at a time.
//! let src = Location::Local("data".into());
//! let dst = Location::Oss(oss_client::ObjectPath::new("demo", "data/"));
//! let tree = list_tree(&client, &src, |rel| rel.ends_with(".csv")).await?;
//! let jobs = tree
//!     .entries
//!     .iter()
//!     .map(|(rel, e)| Ok(TransferJob { src: src.join(rel)?, dst: dst.join(rel)?, size: e.size }))
//!     .collect::<Result<Vec<_>, oss_client::Error>>()?;
//! let out = client.transfer_many(jobs, &BulkOptions { jobs: 8, ..Default::default() }).await;
//! println!("{} uploaded ({} bytes), {} failed", out.succeeded, out.bytes, out.failed);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use futures_util::stream::BoxStream;
use futures_util::{stream, StreamExt, TryStreamExt};
use oss_protocol::time::parse_iso8601;
use oss_protocol::xml::ObjectSummary;
use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::copy::{CopyOptions, CopyOutput};
use crate::error::Error;
use crate::ops::ListObjectsV2Options;
use crate::parts::{Progress, ProgressFn};
use crate::path::ObjectPath;
use crate::transfer::{TransferOptions, TransferOutput};

/// Objects or files [`Client::transfer_many`] moves at once unless told otherwise.
pub const DEFAULT_JOBS: usize = 4;

impl Client {
    /// Every object ListObjectsV2 returns for `opts` in `bucket`, across all pages, in key
    /// order. Pages are requested lazily: the next one only once the stream has handed out the
    /// previous one's objects, so a caller that stops early sends no more requests. The
    /// continuation token is the stream's to manage (one given in `opts` is where it starts);
    /// with a delimiter, the common prefixes are not part of the stream. A failed request ends
    /// the stream with its error. The stream is boxed (`Send`, `Unpin`, `'static`), so it can be
    /// polled with `next()` directly or moved into a task.
    pub fn list_objects_stream(
        &self,
        bucket: &str,
        opts: ListObjectsV2Options,
    ) -> BoxStream<'static, Result<ObjectSummary, Error>> {
        struct Pager {
            client: Client,
            bucket: String,
            opts: ListObjectsV2Options,
            done: bool,
        }
        let start = Pager { client: self.clone(), bucket: bucket.to_owned(), opts, done: false };
        stream::try_unfold(start, |mut p| async move {
            if p.done {
                return Ok::<_, Error>(None);
            }
            let page = p.client.list_objects_v2(&p.bucket, &p.opts).await?.into_inner();
            // A truncated page without a (new) token cannot be continued; stop rather than loop.
            match page.next_continuation_token.filter(|t| page.is_truncated && !t.is_empty()) {
                Some(t) if p.opts.continuation_token.as_deref() != Some(t.as_str()) => {
                    p.opts.continuation_token = Some(t)
                }
                _ => p.done = true,
            }
            Ok(Some((page.contents, p)))
        })
        .map_ok(|objects| stream::iter(objects.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }

    /// Every object whose key starts with `prefix` (everything in the bucket when empty), as
    /// [`Client::list_objects_stream`] pages them, 1000 a request.
    pub fn list_prefix(&self, bucket: &str, prefix: &str) -> BoxStream<'static, Result<ObjectSummary, Error>> {
        let opts = ListObjectsV2Options {
            prefix: Some(prefix.to_owned()).filter(|p| !p.is_empty()),
            max_keys: Some(1000),
            ..Default::default()
        };
        self.list_objects_stream(bucket, opts)
    }
}

/// One side of a transfer: a local file or directory, or an OSS object or prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    Oss(ObjectPath),
}

impl Location {
    /// The file or object at `rel` (a `/`-separated path) below this root. For an OSS root the
    /// key is appended as is, so the root's key should be empty or end in `/`. Below a local
    /// directory, a path that would not name a file inside it (`..`, `.`, an absolute path,
    /// empty segments, as untrusted keys may contain) is refused rather than written elsewhere.
    pub fn join(&self, rel: &str) -> Result<Location, Error> {
        match self {
            Location::Oss(p) => Ok(Location::Oss(p.join(rel))),
            Location::Local(dir) => {
                let mut path = dir.clone();
                for seg in rel.trim_end_matches('/').split('/') {
                    let ok = !seg.is_empty()
                        && seg != "."
                        && seg != ".."
                        && Path::new(seg).components().all(|c| matches!(c, Component::Normal(_)));
                    if !ok {
                        return Err(Error::usage(format!(
                            "the key part {rel:?} cannot be a file below {}",
                            dir.display()
                        )));
                    }
                    path.push(seg);
                }
                Ok(Location::Local(path))
            }
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            Location::Oss(p) => write!(f, "{p}"),
        }
    }
}

/// A file or object of a [`Tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// The object's ETag without quotes; `None` for a local file.
    pub etag: Option<String>,
}

/// What [`list_tree`] found.
#[derive(Debug, Default)]
pub struct Tree {
    /// By path relative to the root (`/`-separated; an OSS directory marker ends in `/`).
    pub entries: BTreeMap<String, TreeEntry>,
    /// Local entries that cannot be part of the tree (a name that is not UTF-8 cannot be an
    /// OSS key), with the reason.
    pub skipped: Vec<(PathBuf, Error)>,
}

/// Everything below `root` that `select` accepts (it is given the relative path): for an OSS
/// root every object under its key (which should be empty or end in `/`), for a local root
/// every file below the directory, recursively. Symbolic links to files are followed, links to
/// directories are not (no cycles). The local walk reads the directory synchronously.
pub async fn list_tree(client: &Client, root: &Location, select: impl Fn(&str) -> bool) -> Result<Tree, Error> {
    match root {
        Location::Oss(base) => {
            let mut tree = Tree::default();
            let mut objects = client.list_prefix(&base.bucket, &base.key);
            while let Some(o) = objects.try_next().await? {
                let Some(rel) = o.key.strip_prefix(base.key.as_str()).filter(|r| !r.is_empty()) else {
                    continue;
                };
                if select(rel) {
                    let entry = TreeEntry {
                        size: o.size,
                        modified: parse_iso8601(&o.last_modified),
                        etag: Some(o.etag.trim_matches('"').to_owned()),
                    };
                    tree.entries.insert(rel.to_owned(), entry);
                }
            }
            Ok(tree)
        }
        Location::Local(dir) => walk_dir(dir, &select),
    }
}

fn walk_dir(dir: &Path, select: &dyn Fn(&str) -> bool) -> Result<Tree, Error> {
    let reading = |p: &Path| {
        let context = format!("reading {}", p.display());
        move |e| Error::io(context, e)
    };
    let meta = std::fs::metadata(dir).map_err(reading(dir))?;
    if !meta.is_dir() {
        return Err(Error::usage(format!("{} is not a directory", dir.display())));
    }
    let mut tree = Tree::default();
    let mut stack = vec![(dir.to_owned(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        for entry in std::fs::read_dir(&path).map_err(reading(&path))? {
            let entry = entry.map_err(reading(&path))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                let why = Error::usage("the name is not UTF-8, so it cannot be an OSS key");
                tree.skipped.push((entry.path(), why));
                continue;
            };
            let child = format!("{rel}{name}");
            let kind = entry.file_type().map_err(reading(&entry.path()))?;
            if kind.is_dir() {
                stack.push((entry.path(), format!("{child}/")));
                continue;
            }
            // A dangling link or one to a directory is not a file to transfer.
            let Ok(meta) = std::fs::metadata(entry.path()) else { continue };
            if meta.is_file() && select(&child) {
                tree.entries.insert(child, TreeEntry { size: meta.len(), modified: meta.modified().ok(), etag: None });
            }
        }
    }
    Ok(tree)
}

/// One transfer of [`Client::transfer_many`]: local → OSS is an upload, OSS → local a download,
/// OSS → OSS a server-side copy (local → local is refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferJob {
    pub src: Location,
    pub dst: Location,
    /// The expected size, for the overall progress (an object that turns out larger or smaller
    /// is still transferred whole).
    pub size: u64,
}

/// What one transfer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutput {
    Uploaded(TransferOutput),
    Downloaded(TransferOutput),
    Copied(CopyOutput),
}

impl JobOutput {
    /// Bytes transferred.
    pub fn size(&self) -> u64 {
        match self {
            JobOutput::Uploaded(o) | JobOutput::Downloaded(o) => o.size,
            JobOutput::Copied(o) => o.size,
        }
    }

    /// `"uploaded"`, `"downloaded"` or `"copied"`.
    pub fn verb(&self) -> &'static str {
        match self {
            JobOutput::Uploaded(_) => "uploaded",
            JobOutput::Downloaded(_) => "downloaded",
            JobOutput::Copied(_) => "copied",
        }
    }
}

/// A job and how it ended.
#[derive(Debug)]
pub struct JobResult {
    pub job: TransferJob,
    /// With [`BulkOptions::remove_source`], an error also when the copy succeeded but the
    /// source could not be removed.
    pub result: Result<JobOutput, Error>,
}

/// The state of the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BulkProgress {
    pub objects_total: usize,
    /// Objects transferred successfully so far.
    pub objects_done: usize,
    pub objects_failed: usize,
    /// The sum of the jobs' sizes.
    pub bytes_total: u64,
    /// Bytes of the objects transferred so far (each at its full size) plus what the running
    /// transfers have moved; a failed object's bytes are taken back off.
    pub bytes_done: u64,
}

/// What [`BulkOptions::progress`] is told, from several tasks at once.
#[derive(Debug)]
pub enum BulkEvent<'a> {
    /// Job `index` (its position in the list given) begins.
    Started { index: usize, job: &'a TransferJob, overall: BulkProgress },
    /// Job `index` has moved `progress.done` of its bytes.
    Progress { index: usize, job: &'a TransferJob, progress: Progress, overall: BulkProgress },
    /// Job `index` has ended (including the removal of its source, when asked).
    Finished { index: usize, job: &'a TransferJob, result: &'a Result<JobOutput, Error>, overall: BulkProgress },
}

impl BulkEvent<'_> {
    /// The state of the whole run at this event.
    pub fn overall(&self) -> BulkProgress {
        match self {
            BulkEvent::Started { overall, .. }
            | BulkEvent::Progress { overall, .. }
            | BulkEvent::Finished { overall, .. } => *overall,
        }
    }
}

/// Called for every [`BulkEvent`]; must be cheap and thread-safe.
pub type BulkProgressFn = Arc<dyn Fn(&BulkEvent<'_>) + Send + Sync>;

/// Options of [`Client::transfer_many`].
#[derive(Clone)]
pub struct BulkOptions {
    /// Objects transferred at once (each may move several parts at once as well).
    pub jobs: usize,
    /// For uploads and downloads; its `progress` is replaced by the run's own metering.
    pub transfer: TransferOptions,
    /// For server-side copies; its `progress` is replaced by the run's own metering.
    pub copy: CopyOptions,
    /// Remove each source once it is transferred (a move): DeleteObject, or the local file.
    pub remove_source: bool,
    pub progress: Option<BulkProgressFn>,
    /// Stops the run: jobs not yet started end with [`Error::Cancelled`] at once, running ones
    /// between parts. Also given to every transfer (in place of the options' own tokens).
    pub cancel: Option<CancellationToken>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            jobs: DEFAULT_JOBS,
            transfer: TransferOptions::default(),
            copy: CopyOptions::default(),
            remove_source: false,
            progress: None,
            cancel: None,
        }
    }
}

impl fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkOptions")
            .field("jobs", &self.jobs)
            .field("transfer", &self.transfer)
            .field("copy", &self.copy)
            .field("remove_source", &self.remove_source)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

/// What [`Client::transfer_many`] did.
#[derive(Debug, Default)]
pub struct BulkOutput {
    /// One per job, in the order the jobs were given.
    pub results: Vec<JobResult>,
    pub succeeded: usize,
    pub failed: usize,
    /// Bytes of the objects transferred successfully.
    pub bytes: u64,
}

/// The run's shared counters.
struct Tally {
    objects_total: usize,
    bytes_total: u64,
    done: AtomicUsize,
    failed: AtomicUsize,
    bytes: AtomicU64,
}

impl Tally {
    fn snapshot(&self) -> BulkProgress {
        BulkProgress {
            objects_total: self.objects_total,
            objects_done: self.done.load(Ordering::Relaxed),
            objects_failed: self.failed.load(Ordering::Relaxed),
            bytes_total: self.bytes_total,
            bytes_done: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Moves the overall byte count from `before` to `now` for one job.
    fn shift(&self, before: u64, now: u64) {
        if now >= before {
            self.bytes.fetch_add(now - before, Ordering::Relaxed);
        } else {
            self.bytes.fetch_sub(before - now, Ordering::Relaxed);
        }
    }
}

impl Client {
    /// Runs `jobs`, at most `opts.jobs` at once, each with [`Client::upload_file`],
    /// [`Client::download_file`] (creating the file's parent directories) or [`Client::copy`].
    /// A failure is that job's result and does not stop the others. Progress events go to
    /// `opts.progress` as they happen; the results come back in the order of `jobs`.
    pub async fn transfer_many(&self, jobs: Vec<TransferJob>, opts: &BulkOptions) -> BulkOutput {
        let tally = Arc::new(Tally {
            objects_total: jobs.len(),
            bytes_total: jobs.iter().map(|j| j.size).sum(),
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        });
        let tally = &tally;
        let mut results: Vec<(usize, JobResult)> = stream::iter(jobs.into_iter().enumerate())
            .map(|(index, job)| async move {
                let result = self.run_job(index, &job, opts, tally).await;
                (index, JobResult { job, result })
            })
            .buffer_unordered(opts.jobs.max(1))
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        let results: Vec<JobResult> = results.into_iter().map(|(_, r)| r).collect();
        let bytes = results.iter().filter_map(|r| r.result.as_ref().ok()).map(JobOutput::size).sum();
        BulkOutput {
            succeeded: tally.done.load(Ordering::Relaxed),
            failed: tally.failed.load(Ordering::Relaxed),
            bytes,
            results,
        }
    }

    async fn run_job(
        &self,
        index: usize,
        job: &TransferJob,
        opts: &BulkOptions,
        tally: &Arc<Tally>,
    ) -> Result<JobOutput, Error> {
        let cancelled = opts.cancel.as_ref().is_some_and(CancellationToken::is_cancelled);
        let result = if cancelled {
            Err(Error::Cancelled)
        } else {
            if let Some(cb) = &opts.progress {
                cb(&BulkEvent::Started { index, job, overall: tally.snapshot() });
            }
            // This job's bytes on the overall count, so that each report adds only the news.
            let counted = Arc::new(AtomicU64::new(0));
            let meter: ProgressFn = {
                let counted = Arc::clone(&counted);
                let cb = opts.progress.clone();
                // The closure must be 'static, but events borrow the job: report through a
                // clone of it only when somebody listens.
                let job = cb.as_ref().map(|_| job.clone());
                let tally = Arc::clone(tally);
                Arc::new(move |p: Progress| {
                    let before = counted.swap(p.done, Ordering::Relaxed);
                    tally.shift(before, p.done);
                    if let (Some(cb), Some(job)) = (&cb, &job) {
                        cb(&BulkEvent::Progress { index, job, progress: p, overall: tally.snapshot() });
                    }
                })
            };
            let result = self.transfer_one(job, opts, meter).await;
            let before = counted.load(Ordering::Relaxed);
            match &result {
                Ok(out) => {
                    tally.shift(before, out.size());
                    tally.done.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => {
                    tally.shift(before, 0);
                    tally.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            result
        };
        if cancelled {
            tally.failed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(cb) = &opts.progress {
            cb(&BulkEvent::Finished { index, job, result: &result, overall: tally.snapshot() });
        }
        result
    }

    async fn transfer_one(&self, job: &TransferJob, opts: &BulkOptions, meter: ProgressFn) -> Result<JobOutput, Error> {
        let out = match (&job.src, &job.dst) {
            (Location::Oss(src), Location::Oss(dst)) => {
                let mut copy = opts.copy.clone();
                copy.progress = Some(meter);
                copy.cancel = opts.cancel.clone().or(copy.cancel);
                JobOutput::Copied(self.copy(src, dst, &copy).await?)
            }
            (Location::Local(src), Location::Oss(dst)) => {
                let mut t = opts.transfer.clone();
                t.progress = Some(meter);
                t.cancel = opts.cancel.clone().or(t.cancel);
                JobOutput::Uploaded(self.upload_file(src, dst, &t).await?)
            }
            (Location::Oss(src), Location::Local(dst)) => {
                if let Some(dir) = dst.parent().filter(|d| !d.as_os_str().is_empty()) {
                    tokio::fs::create_dir_all(dir)
                        .await
                        .map_err(|e| Error::io(format!("creating the directory {}", dir.display()), e))?;
                }
                let mut t = opts.transfer.clone();
                t.progress = Some(meter);
                t.cancel = opts.cancel.clone().or(t.cancel);
                JobOutput::Downloaded(self.download_file(src, dst, &t).await?)
            }
            (Location::Local(_), Location::Local(_)) => {
                return Err(Error::usage("one side of a transfer must be in OSS"));
            }
        };
        if opts.remove_source {
            match &job.src {
                Location::Oss(p) => {
                    self.delete_object(&p.bucket, &p.key).await?;
                }
                Location::Local(p) => {
                    tokio::fs::remove_file(p).await.map_err(|e| Error::io(format!("removing {}", p.display()), e))?
                }
            }
        }
        Ok(out)
    }
}
