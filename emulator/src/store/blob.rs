//! Blob files: receiving a body (hashing as it streams, in memory while small), placing it, and
//! reading byte ranges back out of a segment list without holding a whole object in memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::{Digest, Md5};
use oss_protocol::crc64::Crc64;
use tokio::io::AsyncWriteExt;

use super::layout::Layout;
use super::model::{BlobId, Placement, Segment};
use super::reclaim::Pin;
use super::writer::Batch;
use crate::error::Result;

/// Bodies up to this size are kept in memory until their commit writes them: no file is opened
/// on the way in, and the write is one handoff to the index writer.
pub const INLINE_MAX: usize = 64 * 1024;

/// Bodies up to this size are kept in the index instead of a file of their own. Creating a file
/// costs more than the whole rest of a small PUT, and SQLite reads and writes blobs this small
/// faster than the filesystem does; above a few pages a file wins, and big rows would crowd the
/// index's page cache. (Garage inlines objects below 3 KiB in its metadata for the same reason.)
pub const INDEX_BLOB_MAX: usize = 16 * 1024;

/// Chunk size for streaming reads: large enough for throughput, small enough to bound memory.
pub const READ_CHUNK: usize = 256 * 1024;

/// A received body's bytes, wherever they are.
#[derive(Debug)]
pub enum Data {
    Bytes(Bytes),
    /// A file under `tmp/`, named by the id its blob will have.
    File(PathBuf),
}

impl Data {
    /// Puts the bytes in a blob file as part of a write job: only the writer thread ever adds
    /// files to `blobs/`, which is what lets the crash sweep tell orphans exactly.
    /// `kind` says whether a small body may go into the index ([`Placement::Index`]) or must
    /// be a file.
    pub(super) fn place(self, batch: &mut Batch<'_>, len: u64, kind: Placement) -> Result<Segment> {
        match self {
            Data::Bytes(b) => batch.place_bytes(&b, kind),
            Data::File(tmp) => batch.place_file(&tmp, len),
        }
    }

    /// Whether [`Data::place`] will put these bytes into the index.
    pub(super) fn goes_to_index(&self, kind: Placement) -> bool {
        kind == Placement::Index && matches!(self, Data::Bytes(b) if b.len() <= INDEX_BLOB_MAX)
    }

    /// Makes the bytes durable in `tmp/` (`power` mode), off the writer thread: the commit then
    /// only renames them and syncs directories and the index. Returns the blob id they will have.
    pub(super) fn sync_in_tmp(self, tmp_dir: &Path) -> std::io::Result<(Data, BlobId)> {
        let path = match self {
            Data::Bytes(b) => {
                let path = tmp_dir.join(BlobId::new().as_str());
                let mut f = File::create(&path)?;
                f.write_all(&b).and_then(|()| f.sync_data()).inspect_err(|_| {
                    let _ = std::fs::remove_file(&path);
                })?;
                path
            }
            Data::File(path) => {
                File::open(&path)?.sync_data()?;
                path
            }
        };
        let id = tmp_blob_id(&path)?;
        Ok((Data::File(path), id))
    }

    pub(super) fn discard(self) {
        if let Data::File(tmp) = self {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The blob id a file in `tmp/` will have: its name.
pub(super) fn tmp_blob_id(path: &Path) -> std::io::Result<BlobId> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(BlobId::parse)
        .ok_or_else(|| std::io::Error::other(format!("{} is not a body file of ours", path.display())))
}

/// A body with the digests computed on the way.
#[derive(Debug)]
pub struct Received {
    pub data: Data,
    pub len: u64,
    pub md5: [u8; 16],
    pub crc64: u64,
}

/// A body being received: in memory up to [`INLINE_MAX`], then streamed to a file in `tmp/`.
pub struct Incoming {
    tmp_dir: PathBuf,
    buf: Vec<u8>,
    file: Option<(tokio::fs::File, PathBuf)>,
    md5: Md5,
    crc: Crc64,
    len: u64,
}

impl Incoming {
    pub(super) fn new(tmp_dir: PathBuf) -> Self {
        Incoming { tmp_dir, buf: Vec::new(), file: None, md5: Md5::new(), crc: Crc64::new(), len: 0 }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub async fn push(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.md5.update(chunk);
        self.crc.update(chunk);
        self.len += chunk.len() as u64;
        if let Some((file, _)) = &mut self.file {
            return file.write_all(chunk).await;
        }
        if self.buf.len() + chunk.len() <= INLINE_MAX {
            self.buf.extend_from_slice(chunk);
            return Ok(());
        }
        let path = self.tmp_dir.join(BlobId::new().as_str());
        let mut file = tokio::fs::File::create(&path).await?;
        let spilled = async {
            file.write_all(&self.buf).await?;
            file.write_all(chunk).await
        }
        .await;
        self.buf = Vec::new();
        self.file = Some((file, path));
        spilled
    }

    pub async fn finish(self) -> std::io::Result<Received> {
        let data = match self.file {
            Some((mut file, path)) => {
                // tokio's File completes writes in the background; flush waits for the last one
                // so the file is whole before it is renamed into place.
                if let Err(e) = file.flush().await {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(e);
                }
                Data::File(path)
            }
            None => Data::Bytes(Bytes::from(self.buf)),
        };
        Ok(Received { data, len: self.len, md5: self.md5.finalize().into(), crc64: self.crc.finish() })
    }

    /// Drops a body aborted or rejected on the way in.
    pub async fn abort(self) {
        if let Some((file, path)) = self.file {
            drop(file);
            let _ = tokio::fs::remove_file(&path).await;
        }
    }
}

/// A segment resolved for reading: a range of a blob file, or bytes the lookup already read
/// from the index.
#[derive(Debug, Clone)]
pub enum Piece {
    File { blob: BlobId, offset: u64, len: u64 },
    Memory(Bytes),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::File { len, .. } => *len,
            Piece::Memory(b) => b.len() as u64,
        }
    }
}

/// Visits bytes `[start, start+len)` of the concatenation of `pieces`, chunk by chunk.
pub fn for_each_chunk(
    layout: &Layout,
    pieces: &[Piece],
    start: u64,
    len: u64,
    mut f: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    for (piece, from, run) in slice_runs(pieces, Piece::len, start, len) {
        let (blob, offset) = match piece {
            Piece::Memory(bytes) => {
                f(&bytes[from as usize..(from + run) as usize])?;
                continue;
            }
            Piece::File { blob, offset, .. } => (blob, offset),
        };
        buf.resize(READ_CHUNK.min(len as usize), 0);
        let mut file = File::open(layout.blob(blob))?;
        file.seek(SeekFrom::Start(offset + from))?;
        let mut left = run;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "blob shorter than its metadata"));
            }
            f(&buf[..n])?;
            left -= n as u64;
        }
    }
    Ok(())
}

/// The runs of `items` (each `len_of` long, laid end to end) covering `[start, start+len)`: each
/// item with the offset and length to use *within* it.
fn slice_runs<T>(items: &[T], len_of: impl Fn(&T) -> u64, start: u64, len: u64) -> Vec<(&T, u64, u64)> {
    let end = start + len;
    let mut out = Vec::new();
    let mut pos = 0u64;
    for item in items {
        let item_len = len_of(item);
        let (begin, item_end) = (pos, pos + item_len);
        pos = item_end;
        if item_end <= start || begin >= end || item_len == 0 {
            continue;
        }
        let from = start.max(begin) - begin;
        let to = end.min(item_end) - begin;
        out.push((item, from, to - from));
    }
    out
}

/// The segments of `[start, start+len)` of an object, as segments of their own (a part copied
/// from a range shares the source's blobs).
pub fn sub_segments(segments: &[Segment], start: u64, len: u64) -> Vec<Segment> {
    slice_runs(segments, |s| s.len, start, len)
        .into_iter()
        .map(|(seg, from, len)| Segment {
            blob: seg.blob.clone(),
            offset: seg.offset + from,
            len,
            placement: seg.placement,
        })
        .collect()
}

/// MD5 and CRC-64 of a byte range of an object.
pub fn digest_range(layout: &Layout, pieces: &[Piece], start: u64, len: u64) -> std::io::Result<([u8; 16], u64)> {
    let mut md5 = Md5::new();
    let mut crc = Crc64::new();
    for_each_chunk(layout, pieces, start, len, |chunk| {
        md5.update(chunk);
        crc.update(chunk);
        Ok(())
    })?;
    Ok((md5.finalize().into(), crc.finish()))
}

/// An object's bytes on their way out.
pub type ByteStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Streams a range: from memory when the lookup already read the object, otherwise from a
/// blocking thread that holds the pins until it is done.
pub(super) fn stream(
    layout: Layout,
    pieces: Vec<Piece>,
    data: Option<Bytes>,
    pin: Pin,
    start: u64,
    len: u64,
) -> ByteStream {
    use futures_util::StreamExt;
    if len == 0 {
        return futures_util::stream::empty().boxed();
    }
    if let Some(bytes) = data {
        drop(pin);
        let end = (start + len).min(bytes.len() as u64) as usize;
        let slice = bytes.slice((start as usize).min(end)..end);
        return futures_util::stream::once(async move { Ok(slice) }).boxed();
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let _pin = pin;
        let sent = for_each_chunk(&layout, &pieces, start, len, |chunk| {
            tx.blocking_send(Ok(Bytes::copy_from_slice(chunk)))
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
        });
        if let Err(e) = sent {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                tracing::error!("reading a blob: {e}");
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed()
}

/// Reads everything `source` yields into a received body (seeding from files).
pub fn receive_sync(tmp_dir: &Path, source: &mut dyn Read) -> std::io::Result<Received> {
    let (mut md5, mut crc, mut len) = (Md5::new(), Crc64::new(), 0u64);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut inline = Vec::new();
    let mut file: Option<(File, PathBuf)> = None;
    let result = (|| loop {
        let n = source.read(&mut buf)?;
        if n == 0 {
            return match &mut file {
                Some((f, _)) => f.flush(),
                None => Ok(()),
            };
        }
        md5.update(&buf[..n]);
        crc.update(&buf[..n]);
        len += n as u64;
        match &mut file {
            Some((f, _)) => f.write_all(&buf[..n])?,
            None if inline.len() + n <= INLINE_MAX => inline.extend_from_slice(&buf[..n]),
            None => {
                let path = tmp_dir.join(BlobId::new().as_str());
                let (f, _) = file.insert((File::create(&path)?, path));
                f.write_all(&inline)?;
                f.write_all(&buf[..n])?;
                inline = Vec::new();
            }
        }
    })();
    if let Err(e) = result {
        if let Some((_, path)) = &file {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    let data = match file {
        Some((_, path)) => Data::File(path),
        None => Data::Bytes(Bytes::from(inline)),
    };
    Ok(Received { data, len, md5: md5.finalize().into(), crc64: crc.finish() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(blob: &BlobId, offset: u64, len: u64) -> Segment {
        Segment { blob: blob.clone(), offset, len, placement: super::super::model::Placement::File }
    }

    #[test]
    fn slicing() {
        let (a, b, c) = (BlobId::new(), BlobId::new(), BlobId::new());
        let segs = vec![seg(&a, 0, 10), seg(&b, 5, 10), seg(&c, 0, 10)];
        let got: Vec<_> =
            slice_runs(&segs, |s| s.len, 8, 10).into_iter().map(|(s, o, l)| (s.blob.clone(), o, l)).collect();
        assert_eq!(got, vec![(a.clone(), 8, 2), (b.clone(), 0, 8)]);
        assert_eq!(slice_runs(&segs, |s| s.len, 0, 30).len(), 3);
        assert!(slice_runs(&segs, |s| s.len, 30, 0).is_empty());
        assert_eq!(sub_segments(&segs, 8, 10), vec![seg(&a, 8, 2), seg(&b, 5, 8)]);
    }

    #[test]
    fn ranged_reads_cross_files_and_memory() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let (a, b) = (BlobId::new(), BlobId::new());
        for id in [&a, &b] {
            std::fs::create_dir_all(layout.shard_dir(id)).unwrap();
        }
        std::fs::write(layout.blob(&a), b"0123456789").unwrap();
        std::fs::write(layout.blob(&b), b"xxxxxABCDE").unwrap();
        let pieces = vec![
            Piece::File { blob: a, offset: 0, len: 10 },
            Piece::File { blob: b, offset: 5, len: 5 },
            Piece::Memory(Bytes::from_static(b"fghij")),
        ];
        let mut out = Vec::new();
        for_each_chunk(&layout, &pieces, 7, 10, |c| {
            out.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        assert_eq!(out, b"789ABCDEfg");
        let (_, crc) = digest_range(&layout, &pieces, 0, 20).unwrap();
        assert_eq!(crc, oss_protocol::crc64::checksum(b"0123456789ABCDEfghij"));
    }

    #[test]
    fn large_bodies_spill_to_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let small = receive_sync(dir.path(), &mut &b"hello"[..]).unwrap();
        assert!(matches!(small.data, Data::Bytes(ref b) if &b[..] == b"hello"));
        let big = vec![7u8; INLINE_MAX + 1];
        let large = receive_sync(dir.path(), &mut big.as_slice()).unwrap();
        let Data::File(path) = &large.data else { panic!("expected a file") };
        assert_eq!(std::fs::read(path).unwrap(), big);
        assert_eq!(large.crc64, oss_protocol::crc64::checksum(&big));
    }
}
