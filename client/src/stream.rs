//! Uploads from a reader of unknown length (a pipe, standard input): one PutObject when the data
//! ends before the threshold, else a multipart upload fed part by part as the data arrives, with
//! at most `concurrency` parts in flight. Memory stays below the threshold plus `concurrency`
//! parts.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use oss_protocol::crc64::Crc64;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::task::JoinSet;

use crate::checkpoint::DonePart;
use crate::client::Client;
use crate::copy::compare_crc;
use crate::error::Error;
use crate::ops::{InitiateMultipartUploadOptions, UploadPartOptions};
use crate::parts::{self, Progress};
use crate::path::ObjectPath;
use crate::plan::{MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
use crate::retry::{self, Retry};
use crate::transfer::{TransferOptions, TransferOutput};

/// Reads until `buf` holds `want` bytes or the reader ends; false at the end.
async fn fill<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut BytesMut, want: usize) -> Result<bool, Error> {
    while buf.len() < want {
        let before = buf.len();
        buf.reserve((want - before).min(256 * 1024));
        let n = reader.read_buf(buf).await.map_err(|e| Error::io("reading the upload's input", e))?;
        if n == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Client {
    /// Uploads everything `reader` yields to `dst`, streaming: a single PutObject when the data
    /// ends before `opts.threshold` bytes, a multipart upload of `opts.part_size` parts (at least
    /// [`MIN_PART_SIZE`]) otherwise. The data's CRC-64 is compared with the object's. A stream
    /// cannot be resumed, so a failed or cancelled upload is always aborted; progress reports the
    /// bytes read so far as the total.
    pub async fn upload_reader<R>(
        &self,
        mut reader: R,
        dst: &ObjectPath,
        opts: &TransferOptions,
    ) -> Result<TransferOutput, Error>
    where
        R: AsyncRead + Unpin + Send,
    {
        let part_size = opts.part_size.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        let part_len = usize::try_from(part_size).map_err(|_| Error::usage("the part size does not fit in memory"))?;
        let threshold = usize::try_from(opts.threshold.max(1)).unwrap_or(usize::MAX);
        let mut first = BytesMut::new();
        let more = parts::cancellable(opts.cancel.as_ref(), fill(&mut reader, &mut first, threshold)).await?;
        let report = |done: u64, total: u64| {
            if let Some(cb) = &opts.progress {
                cb(Progress { done, total });
            }
        };
        if !more {
            let body = first.freeze();
            let size = body.len() as u64;
            let put = retry::run(self, Retry::IDEMPOTENT, || {
                self.put_object(&dst.bucket, &dst.key, body.clone(), &opts.object)
            });
            let out = parts::cancellable(opts.cancel.as_ref(), put).await?;
            report(size, size);
            return Ok(TransferOutput::single_put(size, &out));
        }

        let init = InitiateMultipartUploadOptions { object: opts.object.clone(), ..Default::default() };
        let upload_id = self.initiate_multipart_upload(&dst.bucket, &dst.key, &init).await?.upload_id.clone();
        let result = self.stream_parts(&mut reader, dst, &upload_id, first, part_len, opts, &report).await;
        match result {
            Ok(out) => Ok(out),
            Err(e) => {
                if !e.is_integrity() {
                    let _ = self.abort_multipart_upload(&dst.bucket, &dst.key, &upload_id).await;
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn stream_parts<R: AsyncRead + Unpin + Send>(
        &self,
        reader: &mut R,
        dst: &ObjectPath,
        upload_id: &str,
        mut pending: BytesMut,
        part_len: usize,
        opts: &TransferOptions,
        report: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<TransferOutput, Error> {
        let mut crc = Crc64::new();
        let mut in_flight: JoinSet<Result<(u32, DonePart), Error>> = JoinSet::new();
        let mut done = BTreeMap::new();
        let (mut read, mut sent) = (0u64, 0u64);
        let mut number = 0u32;
        let mut ended = false;
        let never = tokio_util::sync::CancellationToken::new();
        let cancel = opts.cancel.as_ref().unwrap_or(&never);
        loop {
            // Cut whole parts from what is buffered; the remainder waits for more data (or is
            // the last part).
            while pending.len() >= part_len || (ended && !pending.is_empty()) {
                let take = part_len.min(pending.len());
                let body: Bytes = pending.split_to(take).freeze();
                number += 1;
                if u64::from(number) > MAX_PARTS {
                    return Err(Error::usage(format!(
                        "the input is longer than {MAX_PARTS} parts of {part_len} bytes; use a larger part size"
                    )));
                }
                crc.update(&body);
                read += body.len() as u64;
                while in_flight.len() >= opts.concurrency.max(1) {
                    sent += self.join_part(&mut in_flight, &mut done, cancel).await?;
                    report(sent, read);
                }
                let (client, dst, upload_id) = (self.clone(), dst.clone(), upload_id.to_owned());
                in_flight.spawn(async move {
                    let len = body.len() as u64;
                    let part_crc = oss_protocol::crc64::checksum(&body);
                    let part_opts = UploadPartOptions::default();
                    let out = retry::run(&client, Retry::IDEMPOTENT, || {
                        client.upload_part(&dst.bucket, &dst.key, &upload_id, number, body.clone(), &part_opts)
                    })
                    .await?;
                    let etag = out.etag.clone().ok_or_else(|| {
                        Error::invalid("UploadPart answered without an ETag", out.status, &out.headers)
                    })?;
                    Ok((number, DonePart { etag, size: len, crc64: Some(part_crc) }))
                });
            }
            if ended {
                break;
            }
            let want = part_len;
            let filled = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::Cancelled),
                r = fill(reader, &mut pending, want) => r?,
            };
            ended = !filled;
        }
        while !in_flight.is_empty() {
            sent += self.join_part(&mut in_flight, &mut done, cancel).await?;
            report(sent, read);
        }
        let dst_path = dst.clone();
        let completed = parts::complete_upload(self, &dst_path, upload_id, &done, read).await?;
        let local = crc.finish();
        if self.config().verify_crc {
            compare_crc("multipart upload", Some(local), completed.crc64, completed.request_id.clone())?;
        }
        Ok(TransferOutput {
            size: read,
            etag: Some(completed.etag),
            crc64: Some(local),
            upload_id: Some(upload_id.to_owned()),
            parts: number,
            parts_resumed: 0,
            request_id: completed.request_id,
        })
    }

    /// Waits for one part in flight; its size.
    async fn join_part(
        &self,
        in_flight: &mut JoinSet<Result<(u32, DonePart), Error>>,
        done: &mut BTreeMap<u32, DonePart>,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<u64, Error> {
        let joined = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            j = in_flight.join_next() => j,
        };
        match joined {
            None => Ok(0),
            Some(Ok(Ok((n, part)))) => {
                let size = part.size;
                done.insert(n, part);
                Ok(size)
            }
            Some(Ok(Err(e))) => Err(e),
            Some(Err(join)) => Err(Error::io("uploading a part", std::io::Error::other(join.to_string()))),
        }
    }
}
