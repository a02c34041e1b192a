use md5::Digest;
use std::fs;

use oss_protocol::{Acl, StorageClass};

use super::*;

fn bucket_meta(name: &str) -> BucketMeta {
    BucketMeta {
        name: name.into(),
        owner_id: "1".into(),
        region: "cn-hangzhou".into(),
        acl: Acl::Private,
        storage_class: StorageClass::Standard,
        data_redundancy_type: "LRS".into(),
        created_ms: 0,
        tags: Vec::new(),
        lifecycle: None,
        versioning: None,
        configs: Default::default(),
    }
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(dir, Durability::Process, StoreHooks::default()).unwrap()
}

fn no_check() -> Check {
    Box::new(|_| Ok(()))
}

async fn put(store: &Store, bucket: &str, key: &str, data: &[u8]) -> ObjectMeta {
    let received = store.receive_bytes(data.to_vec());
    let mut meta = ObjectMeta::new(key, StorageClass::Standard);
    meta.size = received.len;
    meta.version_id = version_id();
    store.put_object(bucket, meta, received.data, no_check()).await.unwrap()
}

fn version_id() -> VersionId {
    let id: String = (0..VersionId::LEN).map(|_| char::from(b'a' + rand::random::<u8>() % 26)).collect();
    VersionId::parse(&id).unwrap()
}

/// Deletes the current version of `key`.
fn delete(key: &str) -> Delete {
    Delete { key: key.into(), version: None, marker_id: version_id(), now_ms: 0 }
}

fn delete_version(key: &str, version: &VersionId) -> Delete {
    Delete { version: Some(version.clone()), ..delete(key) }
}

async fn history(store: &Store, bucket: &str) -> Vec<(String, String, bool, bool)> {
    let visit = |all: &mut Vec<(String, String, bool, bool)>, m: &ObjectMeta, latest: bool| {
        all.push((m.key.clone(), m.version_id.to_string(), m.delete_marker, latest));
        Step::Next
    };
    store.scan_versions(bucket, "", None, Vec::new(), visit).await.unwrap()
}

async fn read_all(store: &Store, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let opened = store.open_object(bucket, key, None, 0).await.unwrap()?;
    Some(read_opened(store, opened).await)
}

async fn read_opened(store: &Store, opened: Opened) -> Vec<u8> {
    use futures_util::StreamExt;
    let size = opened.meta.size;
    let mut stream = store.stream(opened, 0, size);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

fn blob_files(dir: &std::path::Path) -> usize {
    fs::read_dir(dir.join("blobs")).unwrap().map(|d| fs::read_dir(d.unwrap().path()).unwrap().count()).sum()
}

fn small_blobs(dir: &std::path::Path) -> usize {
    let conn = index::connect(&dir.join("index.sqlite"), Durability::Process).unwrap();
    conn.query_row("SELECT count(*) FROM small_blobs", [], |r| r.get::<_, i64>(0)).unwrap() as usize
}

/// Blobs stored either way: files, and small ones in the index.
fn blob_count(dir: &std::path::Path) -> usize {
    blob_files(dir) + small_blobs(dir)
}

/// A body stored in a blob file of its own.
fn large(fill: u8) -> Vec<u8> {
    vec![fill; blob::INDEX_BLOB_MAX + 1]
}

fn upload(key: &str) -> UploadMeta {
    UploadMeta {
        upload_id: format!("{:032X}", rand::random::<u128>()),
        key: key.into(),
        initiated_ms: 1,
        template: ObjectMeta::new(key, StorageClass::Standard),
        forbid_overwrite: false,
        sequential: false,
    }
}

fn part(number: u32, size: u64) -> PartMeta {
    PartMeta { number, etag: format!("\"E{number}\""), size, crc64: 0, last_modified_ms: 0, segments: Vec::new() }
}

/// Every part, in order, as the object (the simplest Complete).
fn assemble_all(upload: &UploadMeta, parts: &BTreeMap<u32, PartMeta>) -> Result<ObjectMeta> {
    let mut meta = upload.template.clone();
    for p in parts.values() {
        meta.size += p.size;
        meta.segments.extend(p.segments.iter().cloned());
    }
    Ok(meta)
}

#[tokio::test]
async fn overwrite_keeps_readers_and_frees_old_blobs_later() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    put(&store, "bkt", "k", &large(1)).await;
    let reader = store.open_object("bkt", "k", None, 0).await.unwrap().unwrap();
    put(&store, "bkt", "k", &large(2)).await;
    store.settle().await;
    // The reader holding the old version still reads it whole.
    assert_eq!(blob_files(dir.path()), 2);
    assert_eq!(read_opened(&store, reader).await, large(1));
    assert_eq!(read_all(&store, "bkt", "k").await.unwrap(), large(2));
    store.settle().await;
    assert_eq!(blob_files(dir.path()), 1, "the old blob goes once its reader is done");
}

#[tokio::test]
async fn small_bodies_live_in_the_index_and_go_with_the_commit_that_drops_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    let stored = put(&store, "bkt", "k", b"old").await;
    assert_eq!(stored.segments[0].placement, Placement::Index);
    assert_eq!((blob_files(dir.path()), small_blobs(dir.path())), (0, 1), "no file for a small body");
    let reader = store.open_object("bkt", "k", None, 0).await.unwrap().unwrap();
    put(&store, "bkt", "k", b"new").await;
    // The old bytes left the index with the overwrite; the reader read them in its snapshot.
    assert_eq!(small_blobs(dir.path()), 1);
    assert_eq!(read_opened(&store, reader).await, b"old");
    assert_eq!(read_all(&store, "bkt", "k").await.unwrap(), b"new");
    // A part copied from a small object shares its blob; so does an object assembled from it.
    let up = upload("m");
    store.create_upload("bkt", up.clone()).await.unwrap();
    let src = store.open_object("bkt", "k", None, 0).await.unwrap().unwrap();
    let shared = PartData::Shared { segments: blob::sub_segments(&src.meta.segments, 1, 2), source_key: "k".into() };
    store.put_part("bkt", &up.upload_id, part(1, 2), shared).await.unwrap();
    assert!(store.delete_object("bkt", delete("k")).await.unwrap().existed);
    assert_eq!(small_blobs(dir.path()), 1, "the part still references it");
    store.complete_upload("bkt", &up.upload_id, "m", assemble_all, no_check()).await.unwrap();
    assert_eq!(read_all(&store, "bkt", "m").await.unwrap(), b"ew");
    let opened = store.open_object("bkt", "m", None, 0).await.unwrap().unwrap();
    let (md5, crc) = store.digest(&opened, 0, 2).await.unwrap();
    assert_eq!((md5, crc), (<[u8; 16]>::from(md5::Md5::digest(b"ew")), oss_protocol::crc64::checksum(b"ew")));
    assert!(store.delete_object("bkt", delete("m")).await.unwrap().existed);
    assert_eq!(blob_count(dir.path()), 0);
}

#[tokio::test]
async fn copies_share_blobs_and_survive_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("src-b")).await.unwrap().unwrap();
    store.create_bucket(bucket_meta("dst-b")).await.unwrap().unwrap();
    let src = put(&store, "src-b", "s", b"0123456789").await;
    let mut copy = src.clone();
    copy.key = "d".into();
    store.copy_object("dst-b", copy, "s", no_check()).await.unwrap();
    assert_eq!(blob_count(dir.path()), 1, "a copy moves no bytes");
    assert!(store.delete_object("src-b", delete("s")).await.unwrap().existed);
    store.settle().await;
    assert_eq!(read_all(&store, "dst-b", "d").await.unwrap(), b"0123456789");
    assert!(store.delete_object("dst-b", delete("d")).await.unwrap().existed);
    store.settle().await;
    assert_eq!(blob_count(dir.path()), 0);
    // A copy whose source vanished after it was read fails cleanly.
    let err = store.copy_object("dst-b", src, "s", no_check()).await.unwrap_err();
    assert_eq!(err.code, Code::NoSuchKey);
}

#[tokio::test]
async fn failed_check_leaves_current_version_and_no_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    put(&store, "bkt", "k", b"first").await;
    let received = store.receive_bytes(b"second".to_vec());
    let refuse: Check =
        Box::new(|cur| if cur.is_some() { Err(OssError::new(Code::FileAlreadyExists)) } else { Ok(()) });
    let err = store.put_object("bkt", ObjectMeta::new("k", StorageClass::Standard), received.data, refuse).await;
    assert_eq!(err.unwrap_err().code, Code::FileAlreadyExists);
    assert_eq!(read_all(&store, "bkt", "k").await.unwrap(), b"first");
    assert_eq!(blob_count(dir.path()), 1);
}

#[tokio::test]
async fn a_write_that_loses_to_delete_bucket_is_no_such_bucket_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    let up = upload("m");
    store.create_upload("bkt", up.clone()).await.unwrap();
    store.abort_upload("bkt", &up.upload_id, "m").await.unwrap();
    // The body was received while the bucket existed; DeleteBucket commits first.
    let small = store.receive_bytes(b"small".to_vec());
    let large = store.receive_bytes(vec![1; blob::INLINE_MAX * 2]);
    store.delete_bucket("bkt").await.unwrap();
    let err = store.put_object("bkt", ObjectMeta::new("k", StorageClass::Standard), small.data, no_check()).await;
    assert_eq!(err.unwrap_err().code, Code::NoSuchBucket);
    let err = store.put_object("bkt", ObjectMeta::new("k2", StorageClass::Standard), large.data, no_check()).await;
    assert_eq!(err.unwrap_err().code, Code::NoSuchBucket);
    let err = store.put_part("bkt", &up.upload_id, part(1, 5), PartData::Received(Data::Bytes("x".into()))).await;
    assert_eq!(err.unwrap_err().code, Code::NoSuchUpload);
    assert_eq!(store.create_upload("bkt", upload("n")).await.unwrap_err().code, Code::NoSuchBucket);
    assert_eq!(blob_count(dir.path()), 0);
    assert!(store.bucket("bkt").is_none());
}

#[tokio::test]
async fn state_survives_restart_and_crash_leftovers_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let up = upload("m");
    {
        let store = open(dir.path());
        store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
        put(&store, "bkt", "../../etc/passwd", b"x").await;
        put(&store, "bkt", "dir/a b", b"yy").await;
        store.create_upload("bkt", up.clone()).await.unwrap();
        let data = store.receive_bytes(b"part".to_vec()).data;
        store.put_part("bkt", &up.upload_id, part(1, 4), PartData::Received(data)).await.unwrap();
        // What a crash between writing a body and committing it leaves.
        fs::write(dir.path().join("blobs/00").join(format!("00{}", &BlobId::new().as_str()[2..])), b"orphan").unwrap();
        fs::write(dir.path().join("tmp/partial"), b"half a body").unwrap();
    }
    assert!(!dir.path().join("etc").exists());
    let store = open(dir.path());
    assert_eq!(read_all(&store, "bkt", "../../etc/passwd").await.unwrap(), b"x");
    assert_eq!(read_all(&store, "bkt", "dir/a b").await.unwrap(), b"yy");
    assert_eq!(store.parts("bkt", &up.upload_id, 0, 10).await.unwrap().len(), 1);
    store.settle().await;
    assert_eq!(blob_count(dir.path()), 3, "the orphan is swept, the referenced blobs stay");
    assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    assert!(!dir.path().join("trash").read_dir().unwrap().any(|_| true));
}

#[tokio::test]
async fn complete_and_abort_are_one_transaction_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    let up = upload("m");
    store.create_upload("bkt", up.clone()).await.unwrap();
    for n in 1..=3 {
        let data = store.receive_bytes(vec![n as u8; 10]).data;
        let stored = store.put_part("bkt", &up.upload_id, part(n, 10), PartData::Received(data)).await.unwrap();
        assert_eq!(stored.segments[0].placement, Placement::File, "received parts are files, however small");
    }
    let done = store.complete_upload("bkt", &up.upload_id, "m", assemble_all, no_check()).await.unwrap();
    assert_eq!(done.size, 30);
    let err = store.abort_upload("bkt", &up.upload_id, "m").await.unwrap_err();
    assert_eq!(err.code, Code::NoSuchUpload);
    let err = store.complete_upload("bkt", &up.upload_id, "m", assemble_all, no_check()).await.unwrap_err();
    assert_eq!(err.code, Code::NoSuchUpload);
    store.settle().await;
    assert_eq!(blob_count(dir.path()), 3, "the parts' blobs became the object's");
    let mut expected = vec![1u8; 10];
    expected.extend([2u8; 10]);
    expected.extend([3u8; 10]);
    assert_eq!(read_all(&store, "bkt", "m").await.unwrap(), expected);
    let err = store.delete_bucket("bkt").await.unwrap_err();
    assert_eq!(err.code, Code::BucketNotEmpty);
}

/// Sets up an upload with two parts in a fresh store whose writer will die at `step`.
async fn upload_with_parts(dir: &std::path::Path, hooks: StoreHooks) -> (Store, UploadMeta) {
    let store = Store::open(dir, Durability::Process, hooks).unwrap();
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    let up = upload("m");
    store.create_upload("bkt", up.clone()).await.unwrap();
    for n in 1..=2 {
        let data = store.receive_bytes(vec![n as u8; 8]).data;
        store.put_part("bkt", &up.upload_id, part(n, 8), PartData::Received(data)).await.unwrap();
    }
    // The start-up sweep checks blob files with write jobs of its own: let it finish, so that the
    // armed crash hits the Complete or Abort commit and not one of the sweep's.
    store.settle().await;
    (store, up)
}

#[tokio::test]
async fn a_crash_inside_complete_or_abort_leaves_one_state_or_the_other() {
    for (step, abort) in
        [("before-commit", false), ("after-commit", false), ("before-commit", true), ("after-commit", true)]
    {
        let dir = tempfile::tempdir().unwrap();
        let hooks = StoreHooks::enabled();
        let (store, up) = upload_with_parts(dir.path(), hooks.clone()).await;
        hooks.crash_at(step);
        let result = if abort {
            store.abort_upload("bkt", &up.upload_id, "m").await
        } else {
            store.complete_upload("bkt", &up.upload_id, "m", assemble_all, no_check()).await.map(drop)
        };
        assert!(result.is_err(), "{step}: the writer died, nothing was acknowledged");
        drop(store);
        let store = open(dir.path());
        let pending = store.upload("bkt", &up.upload_id).await.unwrap();
        let object = read_all(&store, "bkt", "m").await;
        match step {
            "before-commit" => {
                assert!(pending.is_some() && object.is_none(), "{step}: the upload is still pending");
                let parts = store.parts("bkt", &up.upload_id, 0, 10).await.unwrap();
                assert_eq!(parts.len(), 2);
                // Every part is still readable: Complete works after the restart.
                let done = store.complete_upload("bkt", &up.upload_id, "m", assemble_all, no_check()).await.unwrap();
                assert_eq!(done.size, 16);
                assert_eq!(read_all(&store, "bkt", "m").await.unwrap(), [[1u8; 8], [2u8; 8]].concat());
            }
            _ => {
                assert!(pending.is_none(), "{step}: the upload is gone");
                assert_eq!(object.is_some(), !abort, "{step}: the object is visible iff it was a Complete");
            }
        }
    }
}

#[tokio::test]
async fn power_mode_syncs_data_directory_and_index_before_answering() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = StoreHooks::enabled();
    let store = Store::open(dir.path(), Durability::Power, hooks.clone()).unwrap();
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    // The start-up sweep's checks are commits too: once it has reached a shard this test wrote
    // into, its commit would land among the events counted below.
    store.settle().await;
    for body in [vec![1u8; 10], vec![3u8; blob::INDEX_BLOB_MAX + 10], vec![2u8; blob::INLINE_MAX + 10]] {
        let before = hooks.synced().len();
        let received = if body.len() > blob::INLINE_MAX {
            let mut incoming = store.incoming();
            incoming.push(&body).await.unwrap();
            incoming.finish().await.unwrap()
        } else {
            store.receive_bytes(body)
        };
        let stored = store
            .put_object("bkt", ObjectMeta::new("k", StorageClass::Standard), received.data, no_check())
            .await
            .unwrap();
        let blob = stored.segments[0].blob.clone();
        let shard = dir.path().join("blobs").join(&blob.as_str()[..2]);
        // Recorded before put_object returned, i.e. before any response could be written.
        let events = hooks.synced()[before..].to_vec();
        if stored.segments[0].placement == Placement::Index {
            assert_eq!(events, vec![SyncEvent::Index { synced: true }], "a small body is synced with the index");
            continue;
        }
        assert_eq!(
            events,
            vec![SyncEvent::Data(blob), SyncEvent::Dir(shard), SyncEvent::Index { synced: true }],
            "data, then its directory, then the index commit"
        );
    }
    let conn = index::connect(&dir.path().join("index.sqlite"), Durability::Power).unwrap();
    let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!(synchronous, 2, "FULL: SQLite syncs the WAL at every commit");
}

#[tokio::test]
async fn scans_skip_common_prefixes_and_respect_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("bkt")).await.unwrap().unwrap();
    for key in ["a/1", "a/2", "a/3", "b", "c/1", "c/2", "d", "\u{ff}x"] {
        put(&store, "bkt", key, b"").await;
    }
    let seen = store
        .scan("bkt", "", None, Vec::new(), |seen: &mut Vec<String>, m| {
            seen.push(m.key.clone());
            match m.key.split_once('/') {
                Some((dir, _)) => Step::SkipPrefix(format!("{dir}/")),
                None => Step::Next,
            }
        })
        .await
        .unwrap();
    assert_eq!(seen, ["a/1", "b", "c/1", "d", "\u{ff}x"]);
    let after = store
        .scan("bkt", "c/", Some("c/1"), Vec::new(), |seen: &mut Vec<String>, m| {
            seen.push(m.key.clone());
            Step::Next
        })
        .await
        .unwrap();
    assert_eq!(after, ["c/2"]);
}

#[tokio::test]
async fn a_first_layout_data_directory_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("FORMAT"), layout::FORMAT_VERSION_1).unwrap();
    let err = Store::open(dir.path(), Durability::Process, StoreHooks::default()).err().unwrap();
    assert!(err.to_string().contains("earlier oss-emulator"), "{err}");
}

/// Versioning as the store keeps it: an Enabled bucket keeps every version, a delete hides the
/// key behind a marker, removing versions by id promotes the next newest, and a Suspended bucket
/// keeps at most one `null` version per key. Blobs go only with the last version naming them.
#[tokio::test]
async fn versions_are_kept_hidden_and_promoted() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create_bucket(bucket_meta("v")).await.unwrap().unwrap();
    let unversioned = put(&store, "v", "k", b"before").await;
    assert!(unversioned.version_id.is_null(), "an unversioned bucket keeps no id");
    store.update_bucket("v", |b| b.versioning = Some(VersioningStatus::Enabled)).await.unwrap();
    let v1 = put(&store, "v", "k", &large(1)).await;
    let v2 = put(&store, "v", "k", b"second").await;
    assert!(!v1.version_id.is_null() && v1.version_id != v2.version_id);
    let ids = |h: Vec<(String, String, bool, bool)>| h.into_iter().map(|(_, v, m, l)| (v, m, l)).collect::<Vec<_>>();
    let (n, s1, s2) = ("null".to_owned(), v1.version_id.to_string(), v2.version_id.to_string());
    assert_eq!(
        ids(history(&store, "v").await),
        [(s2.clone(), false, true), (s1.clone(), false, false), (n.clone(), false, false)]
    );
    assert_eq!(read_all(&store, "v", "k").await.unwrap(), b"second");
    let old = store.open_object("v", "k", Some(&v1.version_id), 0).await.unwrap().unwrap();
    assert_eq!(read_opened(&store, old).await, large(1));

    // A delete hides the key: ListObjects sees nothing, the versions stay.
    let marker = store.delete_object("v", delete("k")).await.unwrap();
    assert!(marker.delete_marker && marker.existed);
    let m = marker.version_id.clone().unwrap().to_string();
    let listed = store
        .scan("v", "", None, 0, |n: &mut usize, _| {
            *n += 1;
            Step::Next
        })
        .await
        .unwrap();
    assert_eq!(listed, 0);
    assert!(store.head("v", "k", None).await.unwrap().unwrap().delete_marker);
    assert!(index::has_versions(&index::connect(&dir.path().join("index.sqlite"), Durability::Process).unwrap(), "v")
        .unwrap());
    assert_eq!(store.delete_bucket("v").await.unwrap_err().code, Code::BucketNotEmpty);

    // Removing the marker by its id brings v2 back; removing v1 frees its blob file.
    let gone = store.delete_object("v", delete_version("k", marker.version_id.as_ref().unwrap())).await.unwrap();
    assert!(gone.delete_marker && gone.existed);
    assert_eq!(read_all(&store, "v", "k").await.unwrap(), b"second");
    assert_eq!(blob_files(dir.path()), 1);
    store.delete_object("v", delete_version("k", &v1.version_id)).await.unwrap();
    store.settle().await;
    assert_eq!(blob_files(dir.path()), 0);
    let missing = store.delete_object("v", delete_version("k", &v1.version_id)).await.unwrap();
    assert!(!missing.existed, "a version already gone is no error");
    assert_eq!(ids(history(&store, "v").await), [(s2.clone(), false, true), (n.clone(), false, false)]);

    // Suspended: writes and deletes replace the one null version, other versions stay.
    store.update_bucket("v", |b| b.versioning = Some(VersioningStatus::Suspended)).await.unwrap();
    let s = put(&store, "v", "k", b"suspended").await;
    assert!(s.version_id.is_null());
    assert_eq!(ids(history(&store, "v").await), [(n.clone(), false, true), (s2.clone(), false, false)]);
    let marker = store.delete_object("v", delete("k")).await.unwrap();
    assert_eq!(marker.version_id.as_ref().map(VersionId::is_null), Some(true));
    assert_eq!(ids(history(&store, "v").await), [(n.clone(), true, true), (s2.clone(), false, false)]);
    assert_ne!(m, n);

    // Metadata of a noncurrent version changes in place.
    store
        .update_object("v", "k", Some(&v2.version_id), |meta| {
            meta.tags = vec![("a".into(), "b".into())];
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(store.head("v", "k", Some(&v2.version_id)).await.unwrap().unwrap().tags.len(), 1);
    let err = store.update_object("v", "k", None, |_| Ok(())).await.unwrap_err();
    assert_eq!(err.code, Code::NoSuchKey, "a current delete marker has no metadata");

    // The reset takes every version with it.
    store.reset(Some("v")).await.unwrap();
    store.settle().await;
    assert_eq!((blob_files(dir.path()), small_blobs(dir.path())), (0, 0));
}
