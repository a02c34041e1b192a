//! Uploads from and downloads to local files: one streamed request below a threshold, the
//! multipart machinery of [`crate::copy`] above it (parallel UploadPart, or parallel ranged
//! GETs into a preallocated file), resumable from a checkpoint, verified by CRC-64.

use std::collections::BTreeMap;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use oss_protocol::crc64::Crc64;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::checkpoint::{Checkpoint, CheckpointLog, DonePart, JobIdentity};
use crate::client::Client;
use crate::copy::{compare_crc, DEFAULT_CONCURRENCY};
use crate::error::Error;
use crate::ops::{GetObjectOptions, InitiateMultipartUploadOptions, PutObjectOptions, UploadPartOptions};
use crate::parts::{self, AttemptMeter, Meter, PartRun, ProgressFn};
use crate::path::ObjectPath;
use crate::plan::plan_parts;
use crate::retry::{self, Retry};

/// Files at least this large are moved part by part.
pub const DEFAULT_TRANSFER_THRESHOLD: u64 = 64 * 1024 * 1024;
/// The preferred part size of uploads and ranged downloads.
pub const DEFAULT_TRANSFER_PART_SIZE: u64 = 8 * 1024 * 1024;

/// Pieces a file is read in; also the granularity of upload progress.
const READ_CHUNK: usize = 256 * 1024;

/// Options of [`Client::upload_file`] and [`Client::download_file`].
#[derive(Clone)]
pub struct TransferOptions {
    /// Files or objects of at least this size are moved part by part.
    pub threshold: u64,
    /// The preferred part size, adjusted by [`plan_parts`].
    pub part_size: u64,
    /// Parts moved at once.
    pub concurrency: usize,
    /// Where checkpoints live; `None` means a multipart transfer cannot be resumed.
    pub checkpoint_dir: Option<PathBuf>,
    /// On failure or cancellation, keep the multipart upload (or the partial download) and the
    /// checkpoint for a rerun instead of cleaning up.
    pub keep_on_failure: bool,
    pub progress: Option<ProgressFn>,
    pub cancel: Option<CancellationToken>,
    /// Headers of the uploaded object (content type, metadata, …).
    pub object: PutObjectOptions,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            threshold: DEFAULT_TRANSFER_THRESHOLD,
            part_size: DEFAULT_TRANSFER_PART_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            checkpoint_dir: None,
            keep_on_failure: false,
            progress: None,
            cancel: None,
            object: PutObjectOptions::default(),
        }
    }
}

impl std::fmt::Debug for TransferOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferOptions")
            .field("threshold", &self.threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("keep_on_failure", &self.keep_on_failure)
            .field("progress", &self.progress.is_some())
            .field("object", &self.object)
            .finish_non_exhaustive()
    }
}

/// What an upload or download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOutput {
    pub size: u64,
    /// The object's ETag.
    pub etag: Option<String>,
    /// The CRC-64 of the data, checked against the server's.
    pub crc64: Option<u64>,
    /// The upload id of a multipart upload.
    pub upload_id: Option<String>,
    /// Parts moved (0 for a single request).
    pub parts: u32,
    pub parts_resumed: u32,
    pub request_id: Option<String>,
}

impl TransferOutput {
    /// The outcome of a transfer that went up as one PutObject.
    pub(crate) fn single_put(size: u64, out: &crate::Output<crate::PutObjectResult>) -> Self {
        TransferOutput {
            size,
            etag: out.etag.clone(),
            crc64: out.crc64,
            upload_id: None,
            parts: 0,
            parts_resumed: 0,
            request_id: out.request_id.clone(),
        }
    }
}

fn io_err(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let context = format!("{what} {}", path.display());
    move |e| Error::io(context.clone(), e)
}

/// `len` bytes of the file from `start`, as a body stream that computes their CRC-64 and counts
/// them on the attempt's meter as the HTTP stack pulls them.
async fn file_stream(
    path: &Path,
    start: u64,
    len: u64,
    attempt: &AttemptMeter,
) -> Result<(impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, Arc<Mutex<Crc64>>), Error> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await.map_err(io_err("opening", path))?;
    file.seek(SeekFrom::Start(start)).await.map_err(io_err("reading", path))?;
    let crc = Arc::new(Mutex::new(Crc64::new()));
    let tap = Arc::clone(&crc);
    let (meter, moved) = attempt.handle();
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), READ_CHUNK).map_ok(move |chunk| {
        // A poisoned lock only means another update panicked; the digest itself is intact.
        tap.lock().unwrap_or_else(std::sync::PoisonError::into_inner).update(&chunk);
        moved.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        meter.add(chunk.len() as u64);
        chunk
    });
    Ok((stream, crc))
}

fn crc_of(crc: &Mutex<Crc64>) -> u64 {
    crc.lock().unwrap_or_else(std::sync::PoisonError::into_inner).finish()
}

/// Where a download is written until it is complete and verified.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".ossc-partial");
    path.with_file_name(name)
}

/// An absolute form of `path` for checkpoint identities (the same file from another working
/// directory is the same job).
fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned()).display().to_string()
}

impl Client {
    /// Uploads a local file to `dst`: one streamed PutObject below `opts.threshold`, a parallel
    /// multipart upload at or above it (resumable with a checkpoint directory). The data's
    /// CRC-64, computed while reading, is compared with the server's.
    pub async fn upload_file(
        &self,
        path: &Path,
        dst: &ObjectPath,
        opts: &TransferOptions,
    ) -> Result<TransferOutput, Error> {
        let meta = tokio::fs::metadata(path).await.map_err(io_err("reading", path))?;
        if !meta.is_file() {
            return Err(Error::usage(format!("{} is not a file", path.display())));
        }
        let size = meta.len();
        let meter = Meter::new(size, opts.progress.clone());
        if size < opts.threshold {
            let meter = &meter;
            let put = retry::run(self, Retry::IDEMPOTENT, || async move {
                let attempt = AttemptMeter::new(meter);
                let (body, _) = file_stream(path, 0, size, &attempt).await?;
                let sent = self.put_object_stream(&dst.bucket, &dst.key, body, Some(size), &opts.object).await;
                if sent.is_err() {
                    attempt.rollback();
                }
                sent
            });
            let out = parts::cancellable(opts.cancel.as_ref(), put).await?;
            return Ok(TransferOutput::single_put(size, &out));
        }

        let plan = plan_parts(size, opts.part_size)?;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
        let job = JobIdentity {
            operation: "upload",
            source: absolute(path),
            destination: dst.to_string(),
            fingerprint: format!("{size}:{}", mtime.as_nanos()),
            plan,
        };
        let init = InitiateMultipartUploadOptions { object: opts.object.clone(), ..Default::default() };
        let started = self.start_or_resume(&job, dst, opts.checkpoint_dir.as_deref(), &init).await?;
        let resumed = started.done.len() as u32;
        meter.add(started.done.values().map(|p| p.size).sum());
        let upload_id = started.upload_id.as_str();
        let run = PartRun {
            plan,
            done: started.done.clone(),
            concurrency: opts.concurrency,
            log: started.log.as_ref(),
            cancel: opts.cancel.as_ref(),
        };
        let meter = &meter;
        let uploaded = parts::run_parts(run, |n, start, len| {
            retry::run(self, Retry::IDEMPOTENT, move || async move {
                let attempt = AttemptMeter::new(meter);
                let (body, crc) = file_stream(path, start, len, &attempt).await?;
                let opts = UploadPartOptions::default();
                match self.upload_part_stream(&dst.bucket, &dst.key, upload_id, n, body, Some(len), &opts).await {
                    Ok(out) => {
                        let etag = out.etag.clone().ok_or_else(|| {
                            Error::invalid("UploadPart answered without an ETag", out.status, &out.headers)
                        })?;
                        Ok(DonePart { etag, size: len, crc64: Some(crc_of(&crc)) })
                    }
                    Err(e) => {
                        attempt.rollback();
                        Err(e)
                    }
                }
            })
        })
        .await;
        let result = match uploaded {
            Ok(done) => {
                let local = parts::combined_crc(&done);
                self.finish_upload(dst, &started, &done, size, local, "upload").await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(completed) => Ok(TransferOutput {
                size,
                etag: Some(completed.etag),
                crc64: completed.crc64,
                upload_id: Some(started.upload_id.clone()),
                parts: plan.parts,
                parts_resumed: resumed,
                request_id: completed.request_id,
            }),
            Err(e) => {
                self.clean_up_failed(dst, &started, opts.keep_on_failure, &e).await;
                Err(e)
            }
        }
    }

    /// Downloads `src` into a local file: one GET below `opts.threshold`, parallel ranged GETs at
    /// or above it (resumable with a checkpoint directory). Data goes to `<path>.ossc-partial`
    /// and is renamed into place only once its CRC-64 matches the object's.
    pub async fn download_file(
        &self,
        src: &ObjectPath,
        path: &Path,
        opts: &TransferOptions,
    ) -> Result<TransferOutput, Error> {
        let head = self.head_object(&src.bucket, &src.key, &GetObjectOptions::default()).await?;
        let size = head
            .content_length
            .ok_or_else(|| Error::invalid("HeadObject answered without Content-Length", head.status, &head.headers))?;
        let partial = partial_path(path);
        let meter = Meter::new(size, opts.progress.clone());
        let etag = head.etag.clone();
        let output = |crc64, parts, parts_resumed| TransferOutput {
            size,
            etag: head.etag.clone(),
            crc64,
            upload_id: None,
            parts,
            parts_resumed,
            request_id: head.request_id.clone(),
        };

        if size < opts.threshold {
            let (meter, partial, etag) = (&meter, &partial, &etag);
            let get = retry::run(self, Retry::IDEMPOTENT, || async move {
                let attempt = AttemptMeter::new(meter);
                let got = self.fetch_range(src, partial, None, etag, &attempt).await;
                if got.is_err() {
                    attempt.rollback();
                }
                got
            });
            let crc = parts::cancellable(opts.cancel.as_ref(), get).await;
            let crc = match crc.and_then(|c| compare_crc("download", head.crc64, Some(c), None).map(|_| c)) {
                Ok(c) => c,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&partial).await;
                    return Err(e);
                }
            };
            tokio::fs::rename(&partial, path).await.map_err(io_err("renaming into", path))?;
            return Ok(output(Some(crc), 0, 0));
        }

        let plan = plan_parts(size, opts.part_size)?;
        let job = JobIdentity {
            operation: "download",
            source: src.to_string(),
            destination: absolute(path),
            fingerprint: format!("{}:{size}", etag.as_deref().unwrap_or_default()),
            plan,
        };
        let ckpt_path = opts.checkpoint_dir.as_deref().map(|d| job.path_in(d));
        let mut done = BTreeMap::new();
        if let Some(p) = &ckpt_path {
            let partial_len = tokio::fs::metadata(&partial).await.map(|m| m.len()).ok();
            match Checkpoint::load(p)? {
                Some(cp) if job.matches(&cp) && partial_len == Some(size) => done = cp.parts,
                Some(_) => Checkpoint::remove(p)?,
                None => {}
            }
        }
        if done.is_empty() {
            let file = tokio::fs::File::create(&partial).await.map_err(io_err("creating", &partial))?;
            file.set_len(size).await.map_err(io_err("writing", &partial))?;
        }
        let log = match &ckpt_path {
            Some(p) => {
                let mut cp = job.new_checkpoint(None);
                cp.parts = done.clone();
                Some(CheckpointLog::create(p, &cp)?)
            }
            None => None,
        };
        let resumed = done.len() as u32;
        meter.add(done.values().map(|p| p.size).sum());
        let run =
            PartRun { plan, done, concurrency: opts.concurrency, log: log.as_ref(), cancel: opts.cancel.as_ref() };
        let (meter, partial_ref, etag_ref) = (&meter, &partial, &etag);
        let fetched = parts::run_parts(run, |_, start, len| {
            retry::run(self, Retry::IDEMPOTENT, move || async move {
                let attempt = AttemptMeter::new(meter);
                match self.fetch_range(src, partial_ref, Some((start, len)), etag_ref, &attempt).await {
                    Ok(crc) => Ok(DonePart { etag: String::new(), size: len, crc64: Some(crc) }),
                    Err(e) => {
                        attempt.rollback();
                        Err(e)
                    }
                }
            })
        })
        .await;
        let verified = fetched.and_then(|done| {
            let crc = parts::combined_crc(&done);
            compare_crc("download", head.crc64, crc, head.request_id.clone()).map(|_| crc)
        });
        match verified {
            Ok(crc) => {
                tokio::fs::rename(&partial, path).await.map_err(io_err("renaming into", path))?;
                if let Some(p) = &ckpt_path {
                    Checkpoint::remove(p)?;
                }
                Ok(output(crc, plan.parts, resumed))
            }
            Err(e) => {
                if !opts.keep_on_failure || e.is_integrity() {
                    let _ = tokio::fs::remove_file(&partial).await;
                    if let Some(p) = &ckpt_path {
                        let _ = Checkpoint::remove(p);
                    }
                }
                Err(e)
            }
        }
    }

    /// One GET into `file`: the whole object (truncating the file first) or `(start, len)` at
    /// that offset, from the version with `etag`. Returns the CRC-64 of what was written.
    async fn fetch_range(
        &self,
        src: &ObjectPath,
        file: &Path,
        range: Option<(u64, u64)>,
        etag: &Option<String>,
        attempt: &AttemptMeter,
    ) -> Result<u64, Error> {
        let mut get = match range {
            Some((start, len)) => GetObjectOptions::range(start, Some(start + len - 1)),
            None => GetObjectOptions::default(),
        };
        get.if_match = etag.clone();
        let mut stream = self.get_object_stream(&src.bucket, &src.key, &get).await?;
        if range.is_some() && stream.status != reqwest::StatusCode::PARTIAL_CONTENT {
            // A server that ignored the Range would have the whole object written at an offset.
            return Err(Error::invalid("a ranged GET was not answered with 206", stream.status, &stream.headers));
        }
        let mut out = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(range.is_none())
            .open(file)
            .await
            .map_err(io_err("opening", file))?;
        let (start, want) = range.unwrap_or((0, u64::MAX));
        out.seek(SeekFrom::Start(start)).await.map_err(io_err("writing", file))?;
        let mut out = tokio::io::BufWriter::with_capacity(1024 * 1024, out);
        let mut crc = Crc64::new();
        let mut got = 0u64;
        while let Some(chunk) = stream.chunk().await? {
            got += chunk.len() as u64;
            if got > want {
                return Err(Error::invalid("a ranged GET sent more than asked", stream.status, &stream.headers));
            }
            crc.update(&chunk);
            out.write_all(&chunk).await.map_err(io_err("writing", file))?;
            attempt.add(chunk.len() as u64);
        }
        out.flush().await.map_err(io_err("writing", file))?;
        if range.is_some() && got != want {
            return Err(Error::invalid(
                format!("a ranged GET sent {got} of {want} bytes"),
                stream.status,
                &stream.headers,
            ));
        }
        Ok(crc.finish())
    }
}
