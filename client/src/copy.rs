//! The high-level copy: what Alibaba's "Copy objects" document does by hand. Below a threshold
//! one CopyObject; above it InitiateMultipartUpload, UploadPartCopy of ranges in parallel, and
//! CompleteMultipartUpload, carrying the source's metadata over as CopyObject would. Resumable
//! from a checkpoint, verified by CRC-64 against the source.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::checkpoint::{Checkpoint, CheckpointLog, DonePart, JobIdentity};
use crate::client::Client;
use crate::error::Error;
use crate::ops::{
    CopyObjectRequest, GetObjectOptions, InitiateMultipartUploadOptions, ObjectMeta, PutObjectOptions,
    UploadPartCopyRequest,
};
use crate::parts::{self, Meter, PartRun, ProgressFn};
use crate::path::ObjectPath;
use crate::plan::plan_parts;

/// Objects at least this large are copied part by part: 1 GiB, as the copy document advises.
pub const DEFAULT_COPY_THRESHOLD: u64 = 1024 * 1024 * 1024;
/// The preferred part size of a multipart copy (server-side, so large parts cost nothing here).
pub const DEFAULT_COPY_PART_SIZE: u64 = 64 * 1024 * 1024;
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Options of [`Client::copy`].
#[derive(Clone)]
pub struct CopyOptions {
    /// Sources of at least this size are copied part by part ([`DEFAULT_COPY_THRESHOLD`]).
    pub threshold: u64,
    /// The preferred part size, adjusted by [`plan_parts`].
    pub part_size: u64,
    /// Parts copied at once.
    pub concurrency: usize,
    /// Where checkpoints live; `None` means a multipart copy cannot be resumed.
    pub checkpoint_dir: Option<PathBuf>,
    /// On failure or cancellation, leave the multipart upload (and the checkpoint) in place for a
    /// rerun instead of aborting it.
    pub keep_on_failure: bool,
    pub progress: Option<ProgressFn>,
    /// Stops the copy between parts; the result is [`Error::Cancelled`].
    pub cancel: Option<CancellationToken>,
    /// `x-oss-object-acl` of the new object (`private`, `public-read`, …); the bucket's when `None`.
    pub acl: Option<String>,
    /// `x-oss-storage-class` of the new object (`Standard`, `IA`, `Archive`, …); the bucket's
    /// default when `None`.
    pub storage_class: Option<String>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            threshold: DEFAULT_COPY_THRESHOLD,
            part_size: DEFAULT_COPY_PART_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            checkpoint_dir: None,
            keep_on_failure: false,
            progress: None,
            cancel: None,
            acl: None,
            storage_class: None,
        }
    }
}

impl std::fmt::Debug for CopyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyOptions")
            .field("threshold", &self.threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("keep_on_failure", &self.keep_on_failure)
            .field("progress", &self.progress.is_some())
            .field("acl", &self.acl)
            .field("storage_class", &self.storage_class)
            .finish_non_exhaustive()
    }
}

/// What [`Client::copy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOutput {
    pub size: u64,
    /// The new object's ETag.
    pub etag: String,
    /// The new object's CRC-64, equal to the source's.
    pub crc64: Option<u64>,
    /// The upload id of a multipart copy; `None` for a single CopyObject.
    pub upload_id: Option<String>,
    /// Parts in the new object (0 for a CopyObject).
    pub parts: u32,
    /// Parts a previous, interrupted run had already copied.
    pub parts_resumed: u32,
    pub request_id: Option<String>,
}

impl CopyOutput {
    pub fn multipart(&self) -> bool {
        self.upload_id.is_some()
    }
}

/// The object headers CopyObject (with the default `COPY` directive) carries over, as
/// InitiateMultipartUpload options.
pub(crate) fn carried_metadata(meta: &ObjectMeta) -> PutObjectOptions {
    let mut opts = PutObjectOptions {
        content_type: meta.content_type.clone(),
        cache_control: meta.cache_control.clone(),
        content_disposition: meta.content_disposition.clone(),
        content_encoding: meta.content_encoding.clone(),
        expires: meta.expires.clone(),
        metadata: meta.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ..Default::default()
    };
    if let Some(lang) = &meta.content_language {
        opts.headers.push(("content-language".to_owned(), lang.clone()));
    }
    opts
}

/// Fails with [`Error::Integrity`] when both CRCs are known and differ.
pub(crate) fn compare_crc(
    operation: &'static str,
    expected: Option<u64>,
    actual: Option<u64>,
    request_id: Option<String>,
) -> Result<(), Error> {
    match (expected, actual) {
        (Some(client_crc), Some(server_crc)) if client_crc != server_crc => {
            Err(Error::Integrity { operation, client_crc, server_crc, request_id })
        }
        _ => Ok(()),
    }
}

impl Client {
    /// Copies `src` to `dst` on the server, whatever the size: one CopyObject below
    /// `opts.threshold`, a parallel multipart copy at or above it. The new object's CRC-64 is
    /// compared with the source's. See [`CopyOptions`] for resuming and progress.
    pub async fn copy(&self, src: &ObjectPath, dst: &ObjectPath, opts: &CopyOptions) -> Result<CopyOutput, Error> {
        let head = self.head_object(&src.bucket, &src.key, &GetObjectOptions::default()).await?;
        let size = head
            .content_length
            .ok_or_else(|| Error::invalid("HeadObject answered without Content-Length", head.status, &head.headers))?;
        let meter = Meter::new(size, opts.progress.clone());
        if size < opts.threshold || size == 0 {
            let mut req = CopyObjectRequest::new(&src.bucket, &src.key, &dst.bucket, &dst.key);
            req.if_match = head.etag.clone();
            req.acl = opts.acl.clone();
            req.storage_class = opts.storage_class.clone();
            let out = parts::cancellable(opts.cancel.as_ref(), self.copy_object(&req)).await?;
            let crc = out.crc64()?;
            compare_crc("copy object", head.crc64, crc, out.request_id.clone())?;
            meter.add(size);
            return Ok(CopyOutput {
                size,
                etag: out.etag.clone(),
                crc64: crc,
                upload_id: None,
                parts: 0,
                parts_resumed: 0,
                request_id: out.request_id.clone(),
            });
        }
        let plan = plan_parts(size, opts.part_size)?;
        let job = JobIdentity {
            operation: "copy",
            source: src.to_string(),
            destination: dst.to_string(),
            fingerprint: format!("{}:{size}", head.etag.as_deref().unwrap_or_default()),
            plan,
        };
        let mut object = carried_metadata(&head);
        object.acl = opts.acl.clone();
        object.storage_class = opts.storage_class.clone();
        let init = InitiateMultipartUploadOptions { object, ..Default::default() };
        let started = self.start_or_resume(&job, dst, opts.checkpoint_dir.as_deref(), &init).await?;
        let resumed = started.done.len() as u32;
        meter.add(started.done.values().map(|p| p.size).sum());

        let upload_id = started.upload_id.clone();
        let etag = head.etag.clone();
        let run = PartRun {
            plan,
            done: started.done.clone(),
            concurrency: opts.concurrency,
            log: started.log.as_ref(),
            cancel: opts.cancel.as_ref(),
        };
        let copied = parts::run_parts(run, |n, start, len| {
            let mut req = UploadPartCopyRequest::new(&src.bucket, &src.key, &dst.bucket, &dst.key, &upload_id, n)
                .with_range(start, Some(start + len - 1));
            // The parts must all come from the same version of the source.
            req.if_match = etag.clone();
            let meter = meter.clone();
            async move {
                let out = self.upload_part_copy(&req).await?;
                meter.add(len);
                let crc = out.crc64()?;
                Ok(DonePart { etag: out.etag.clone(), size: len, crc64: crc })
            }
        })
        .await;
        let result = match copied {
            Ok(done) => self.finish_upload(dst, &started, &done, size, head.crc64, "copy").await,
            Err(e) => Err(e),
        };
        match result {
            Ok(completed) => Ok(CopyOutput {
                size,
                etag: completed.etag,
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

    /// Resumes the job's checkpointed upload when it still exists, else starts a new one (and
    /// a new checkpoint, when there is a checkpoint directory).
    pub(crate) async fn start_or_resume(
        &self,
        job: &JobIdentity,
        dst: &ObjectPath,
        checkpoint_dir: Option<&std::path::Path>,
        init: &InitiateMultipartUploadOptions,
    ) -> Result<Started, Error> {
        let path = checkpoint_dir.map(|d| job.path_in(d));
        if let Some(path) = &path {
            if let Some(cp) = Checkpoint::load(path)? {
                match (job.matches(&cp), cp.upload_id.clone()) {
                    (true, Some(upload_id)) => match parts::list_all_parts(self, dst, &upload_id).await {
                        Ok(listed) => {
                            let done = crate::checkpoint::reconcile(&job.plan, &cp.parts, &listed);
                            let mut fresh = job.new_checkpoint(Some(upload_id.clone()));
                            fresh.parts = done.clone();
                            let log = CheckpointLog::create(path, &fresh)?;
                            return Ok(Started { upload_id, done, log: Some(log) });
                        }
                        // Aborted or completed since, or expired: start over.
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(e),
                    },
                    // The source or the plan changed: the old parts are of no use.
                    (_, Some(stale)) => {
                        let _ = self.abort_multipart_upload(&dst.bucket, &dst.key, &stale).await;
                    }
                    (_, None) => {}
                }
                Checkpoint::remove(path)?;
            }
        }
        let out = self.initiate_multipart_upload(&dst.bucket, &dst.key, init).await?;
        let upload_id = out.upload_id.clone();
        let log = match &path {
            Some(p) => match CheckpointLog::create(p, &job.new_checkpoint(Some(upload_id.clone()))) {
                Ok(log) => Some(log),
                Err(e) => {
                    let _ = self.abort_multipart_upload(&dst.bucket, &dst.key, &upload_id).await;
                    return Err(e);
                }
            },
            None => None,
        };
        Ok(Started { upload_id, done: Default::default(), log })
    }

    /// Completes the upload, checks the result's CRC-64 against `expected` (the source's, or
    /// the one computed locally) and against the parts', and drops the checkpoint.
    pub(crate) async fn finish_upload(
        &self,
        dst: &ObjectPath,
        started: &Started,
        done: &std::collections::BTreeMap<u32, DonePart>,
        size: u64,
        expected: Option<u64>,
        operation: &'static str,
    ) -> Result<parts::Completed, Error> {
        let completed = parts::complete_upload(self, dst, &started.upload_id, done, size).await?;
        let verify = self.config().verify_crc;
        if verify {
            let crc = match completed.crc64 {
                Some(c) => Some(c),
                None => self.head_object(&dst.bucket, &dst.key, &GetObjectOptions::default()).await?.crc64,
            };
            let what = if operation == "copy" { "multipart copy" } else { "multipart upload" };
            compare_crc(what, expected, crc, completed.request_id.clone())?;
            compare_crc(what, parts::combined_crc(done), crc, completed.request_id.clone())?;
        }
        if let Some(log) = &started.log {
            Checkpoint::remove(log.path())?;
        }
        Ok(completed)
    }

    /// After a failed multipart job: abort the upload and forget the checkpoint, unless asked to
    /// keep both for a rerun. An integrity failure happens after Complete, when there is nothing
    /// left to abort.
    pub(crate) async fn clean_up_failed(&self, dst: &ObjectPath, started: &Started, keep: bool, err: &Error) {
        if keep && !err.is_integrity() {
            return;
        }
        if !err.is_integrity() {
            let _ = self.abort_multipart_upload(&dst.bucket, &dst.key, &started.upload_id).await;
        }
        if let Some(log) = &started.log {
            let _ = Checkpoint::remove(log.path());
        }
    }
}

/// A multipart upload under way: new, or resumed with some parts done.
pub(crate) struct Started {
    pub(crate) upload_id: String,
    pub(crate) done: std::collections::BTreeMap<u32, DonePart>,
    pub(crate) log: Option<CheckpointLog>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_carried_as_copy_object_would() {
        let mut meta = ObjectMeta {
            content_type: Some("text/plain".into()),
            cache_control: Some("no-cache".into()),
            content_disposition: Some("attachment".into()),
            content_encoding: Some("gzip".into()),
            content_language: Some("zh-CN".into()),
            expires: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
            content_length: Some(5),
            etag: Some("\"E\"".into()),
            ..Default::default()
        };
        meta.metadata.insert("author".into(), "alice".into());
        let o = carried_metadata(&meta);
        assert_eq!(o.content_type.as_deref(), Some("text/plain"));
        assert_eq!(o.cache_control.as_deref(), Some("no-cache"));
        assert_eq!(o.content_disposition.as_deref(), Some("attachment"));
        assert_eq!(o.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(o.expires.as_deref(), Some("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(o.metadata, vec![("author".to_owned(), "alice".to_owned())]);
        assert_eq!(o.headers, vec![("content-language".to_owned(), "zh-CN".to_owned())]);
        assert!(compare_crc("x", Some(1), Some(2), None).unwrap_err().is_integrity());
        assert!(compare_crc("x", None, Some(2), None).is_ok());
    }
}
