//! Writing bodies into blob files (hashing as they stream) and reading byte ranges back out of a
//! segment list, without ever holding a whole body in memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use oss_protocol::crc64::Crc64;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

/// One contiguous run of an object's bytes: `len` bytes from `offset` of blob `blob`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub blob: String,
    pub offset: u64,
    pub len: u64,
}

/// A body written to a temporary file, with the digests computed on the way.
#[derive(Debug)]
pub struct WrittenBlob {
    pub tmp_path: PathBuf,
    pub len: u64,
    pub md5: [u8; 16],
    pub crc64: u64,
}

impl WrittenBlob {
    /// Removes the temporary file of a body that will not be published.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp_path);
    }
}

/// Streams a request body into a temporary file.
pub struct BlobWriter {
    file: tokio::fs::File,
    path: PathBuf,
    md5: Md5,
    crc: Crc64,
    len: u64,
}

impl BlobWriter {
    pub async fn create(path: PathBuf) -> std::io::Result<Self> {
        let file = tokio::fs::File::create(&path).await?;
        Ok(Self { file, path, md5: Md5::new(), crc: Crc64::new(), len: 0 })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.md5.update(chunk);
        self.crc.update(chunk);
        self.len += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    pub async fn finish(mut self) -> std::io::Result<WrittenBlob> {
        // tokio's File completes writes in the background; flush waits for the last one so the
        // file is whole before it is renamed into place.
        self.file.flush().await?;
        Ok(WrittenBlob {
            tmp_path: self.path,
            len: self.len,
            md5: self.md5.finalize().into(),
            crc64: self.crc.finish(),
        })
    }

    /// Drops the partial file (body aborted or rejected).
    pub async fn abort(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}

/// Writes everything `source` yields into a new file at `path`, hashing on the way (the
/// blocking counterpart of [`BlobWriter`], for seeding).
pub fn write_blob_sync(path: PathBuf, source: &mut dyn Read) -> std::io::Result<WrittenBlob> {
    use std::io::Write;
    let mut file = File::create(&path)?;
    let (mut md5, mut crc, mut len) = (Md5::new(), Crc64::new(), 0u64);
    let mut buf = vec![0u8; READ_CHUNK];
    let result = (|| loop {
        let n = source.read(&mut buf)?;
        if n == 0 {
            return file.flush();
        }
        md5.update(&buf[..n]);
        crc.update(&buf[..n]);
        len += n as u64;
        file.write_all(&buf[..n])?;
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(WrittenBlob { tmp_path: path, len, md5: md5.finalize().into(), crc64: crc.finish() })
}

/// Chunk size for streaming reads: large enough for throughput, small enough to bound memory.
pub const READ_CHUNK: usize = 256 * 1024;

/// Visits bytes `[start, start+len)` of the concatenation of `segments`, chunk by chunk.
pub fn for_each_chunk(
    blobs_dir: &Path,
    segments: &[Segment],
    start: u64,
    len: u64,
    mut f: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; READ_CHUNK];
    for (seg, seg_start, seg_len) in slice_segments(segments, start, len) {
        let mut file = File::open(blobs_dir.join(&seg.blob))?;
        file.seek(SeekFrom::Start(seg.offset + seg_start))?;
        let mut left = seg_len;
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

/// The parts of `segments` covering `[start, start+len)`: each segment with the offset and
/// length to use *within* it.
pub fn slice_segments(segments: &[Segment], start: u64, len: u64) -> Vec<(&Segment, u64, u64)> {
    let end = start + len;
    let mut out = Vec::new();
    let mut pos = 0u64;
    for seg in segments {
        let (seg_begin, seg_end) = (pos, pos + seg.len);
        pos = seg_end;
        if seg_end <= start || seg_begin >= end || seg.len == 0 {
            continue;
        }
        let from = start.max(seg_begin) - seg_begin;
        let to = end.min(seg_end) - seg_begin;
        out.push((seg, from, to - from));
    }
    out
}

/// MD5 and CRC-64 of a byte range of an object (UploadPartCopy's part ETag and CRC).
pub fn digest_range(blobs_dir: &Path, segments: &[Segment], start: u64, len: u64) -> std::io::Result<([u8; 16], u64)> {
    let mut md5 = Md5::new();
    let mut crc = Crc64::new();
    for_each_chunk(blobs_dir, segments, start, len, |chunk| {
        md5.update(chunk);
        crc.update(chunk);
        Ok(())
    })?;
    Ok((md5.finalize().into(), crc.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(blob: &str, offset: u64, len: u64) -> Segment {
        Segment { blob: blob.into(), offset, len }
    }

    #[test]
    fn slicing() {
        let segs = vec![seg("a", 0, 10), seg("b", 5, 10), seg("c", 0, 10)];
        let got: Vec<_> = slice_segments(&segs, 8, 10).into_iter().map(|(s, o, l)| (s.blob.as_str(), o, l)).collect();
        assert_eq!(got, vec![("a", 8, 2), ("b", 0, 8)]);
        assert_eq!(slice_segments(&segs, 0, 30).len(), 3);
        assert!(slice_segments(&segs, 30, 0).is_empty());
    }

    #[test]
    fn ranged_reads_cross_segments() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("b"), b"xxxxxABCDE").unwrap();
        let segs = vec![seg("a", 0, 10), seg("b", 5, 5)];
        let mut out = Vec::new();
        for_each_chunk(dir.path(), &segs, 7, 6, |c| {
            out.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        assert_eq!(out, b"789ABC");
        let (_, crc) = digest_range(dir.path(), &segs, 0, 15).unwrap();
        assert_eq!(crc, oss_protocol::crc64::checksum(b"0123456789ABCDE"));
    }
}
