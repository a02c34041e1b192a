//! Interop: Apache OpenDAL's OSS service (opendal 0.59, `services-oss`), unchanged, against an
//! in-process emulator on a real socket: put, get (whole and ranged), stat, copy, a chunked
//! writer that must become a multipart upload, flat and recursive listing, recursive delete.
//!
//! opendal is a library, not an SDK script, so this needs no provisioning. It always runs against
//! its own in-process emulator (path-style addressing, which real OSS refuses, and a multipart
//! check that reads the emulator's journal), so with an external target it has nothing to say
//! about that target and is ignored.

use opendal::{EntryMode, ErrorKind, Operator};
use oss_client::{Client, Config};
use oss_emulator::journal::Filter;
use oss_emulator::{Emulator, RunningEmulator};

const AK: &str = oss_emulator::config::DEV_ACCESS_KEY_ID;
const SK: &str = oss_emulator::config::DEV_ACCESS_KEY_SECRET;
const REGION: &str = "cn-hangzhou";
/// Above the emulator's 100 KiB multipart minimum, so every part but the last is legal.
const CHUNK: usize = 256 * 1024;

/// Bound as a whole by each case: a destructuring `let` would drop (and stop) the emulator and
/// its data directory at once.
struct Setup {
    emulator: RunningEmulator,
    op: Operator,
    _data: tempfile::TempDir,
}

/// An emulator with one bucket (opendal does not create buckets), and an operator on it.
async fn setup(bucket: &str) -> Setup {
    let data = tempfile::tempdir().expect("data dir");
    let emulator = Emulator::builder().data_dir(data.path().to_path_buf()).start().await.expect("emulator");
    let client = Client::new(Config::new(emulator.endpoint(), REGION).credentials(AK, SK)).expect("client");
    client.put_bucket(bucket, None, None).await.expect("PutBucket");
    let builder = opendal::services::Oss::default()
        .endpoint(&emulator.endpoint())
        .bucket(bucket)
        .addressing_style("path")
        .access_key_id(AK)
        .access_key_secret(SK);
    let op = Operator::new(builder).expect("operator");
    Setup { emulator, op, _data: data }
}

fn count(emulator: &RunningEmulator, operation: &str) -> usize {
    emulator.journal().query(&Filter { operation: Some(operation.into()), ..Default::default() }).len()
}

/// Paths of a listing, sorted, without the listed directory itself (which opendal may include).
fn paths(entries: &[opendal::Entry], listed: &str) -> Vec<String> {
    let mut paths: Vec<String> = entries.iter().map(|e| e.path().to_owned()).filter(|p| p != listed).collect();
    paths.sort();
    paths
}

fn data(len: usize) -> Vec<u8> {
    conformance_tests::data(len, 59)
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "runs against its own in-process emulator, not the target")]
async fn put_get_stat_copy() {
    let s = setup("opendal-basic").await;
    let op = &s.op;
    op.write("a.txt", b"hello opendal".to_vec()).await.expect("write");
    assert_eq!(op.read("a.txt").await.expect("read").to_vec(), b"hello opendal");
    let ranged = op.read_with("a.txt").range(6..13).await.expect("ranged read");
    assert_eq!(ranged.to_vec(), b"opendal");

    let meta = op.stat("a.txt").await.expect("stat");
    assert_eq!(meta.mode(), EntryMode::FILE);
    assert_eq!(meta.content_length(), 13);
    let etag = meta.etag().expect("ETag");
    assert_eq!(etag, conformance_tests::md5_etag(b"hello opendal"), "stat reports the MD5 ETag");
    assert!(meta.last_modified().is_some(), "Last-Modified");

    let err = op.stat("missing.txt").await.expect_err("stat of a missing key");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let err = op.read("missing.txt").await.expect_err("read of a missing key");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    op.copy("a.txt", "copies/a.txt").await.expect("copy");
    assert_eq!(op.read("copies/a.txt").await.expect("read the copy").to_vec(), b"hello opendal");
    assert_eq!(op.stat("copies/a.txt").await.expect("stat the copy").content_length(), 13);
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "runs against its own in-process emulator, not the target")]
async fn chunked_writer_uploads_in_parts() {
    let s = setup("opendal-multipart").await;
    let (emulator, op) = (&s.emulator, &s.op);
    let body = data(2 * CHUNK + 100_000);
    let mut writer = op.writer_with("big.bin").chunk(CHUNK).await.expect("writer");
    // Uneven writes: the writer, not the caller, cuts the parts.
    for piece in body.chunks(200_000) {
        writer.write(piece.to_vec()).await.expect("write a piece");
    }
    writer.close().await.expect("close");

    assert_eq!(count(emulator, "InitiateMultipartUpload"), 1, "the chunk size forces a multipart upload");
    assert_eq!(count(emulator, "UploadPart"), 3, "two full chunks and the rest");
    assert_eq!(count(emulator, "CompleteMultipartUpload"), 1);
    assert_eq!(count(emulator, "PutObject"), 0, "no single PUT of the whole body");
    let meta = op.stat("big.bin").await.expect("stat");
    assert_eq!(meta.content_length(), body.len() as u64);
    assert!(op.read("big.bin").await.expect("read").to_vec() == body, "the bytes read back differ");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "runs against its own in-process emulator, not the target")]
async fn list_flat_and_recursive_then_delete_recursively() {
    let s = setup("opendal-list").await;
    let op = &s.op;
    for path in ["top.txt", "dir/b.txt", "dir/c.txt", "dir/sub/d.txt", "dir/sub/deeper/e.txt", "other/f.txt"] {
        op.write(path, path.as_bytes().to_vec()).await.unwrap_or_else(|e| panic!("write {path}: {e}"));
    }

    let flat = op.list("dir/").await.expect("flat list");
    assert_eq!(paths(&flat, "dir/"), ["dir/b.txt", "dir/c.txt", "dir/sub/"]);
    let sub = flat.iter().find(|e| e.path() == "dir/sub/").expect("dir/sub/");
    assert_eq!(sub.metadata().mode(), EntryMode::DIR);

    let all = op.list_with("").recursive(true).await.expect("recursive list");
    let files: Vec<String> = {
        let mut f: Vec<String> =
            all.iter().filter(|e| e.metadata().mode() == EntryMode::FILE).map(|e| e.path().to_owned()).collect();
        f.sort();
        f
    };
    assert_eq!(files, ["dir/b.txt", "dir/c.txt", "dir/sub/d.txt", "dir/sub/deeper/e.txt", "other/f.txt", "top.txt"]);

    op.delete_with("dir/").recursive(true).await.expect("recursive delete");
    let left = op.list_with("").recursive(true).await.expect("list after delete");
    let mut left: Vec<String> =
        left.iter().filter(|e| e.metadata().mode() == EntryMode::FILE).map(|e| e.path().to_owned()).collect();
    left.sort();
    assert_eq!(left, ["other/f.txt", "top.txt"]);
    let err = op.stat("dir/sub/deeper/e.txt").await.expect_err("deleted");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}
