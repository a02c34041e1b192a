use super::*;

fn meta(key: &str) -> ObjectMeta {
    ObjectMeta { key: key.into(), object_type: "Normal".into(), acl: "default".into(), ..Default::default() }
}

fn bucket_meta(name: &str) -> BucketMeta {
    BucketMeta {
        name: name.into(),
        owner_id: "1".into(),
        region: "cn-hangzhou".into(),
        acl: "private".into(),
        storage_class: "Standard".into(),
        data_redundancy_type: "LRS".into(),
        created_ms: 0,
    }
}

fn put(bucket: &Bucket, key: &str, data: &[u8]) -> Arc<ObjectVersion> {
    let tmp = bucket.tmp_file();
    fs::write(&tmp, data).unwrap();
    let seg = bucket.adopt(WrittenBlob { tmp_path: tmp, len: data.len() as u64, md5: [0; 16], crc64: 0 }).unwrap();
    let mut m = meta(key);
    m.size = data.len() as u64;
    m.segments = vec![seg];
    bucket.publish(m, |_| Ok(())).unwrap()
}

fn read_all(v: &ObjectVersion) -> Vec<u8> {
    let mut out = Vec::new();
    blob::for_each_chunk(v.blobs_dir(), &v.meta.segments, 0, v.meta.size, |c| {
        out.extend_from_slice(c);
        Ok(())
    })
    .unwrap();
    out
}

fn blob_count(store: &Store, bucket: &str) -> usize {
    fs::read_dir(store.layout().blobs_dir(bucket)).unwrap().count()
}

#[test]
fn replace_keeps_readers_and_frees_old_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let b = store.create_bucket(bucket_meta("bkt")).unwrap().unwrap();
    let old = put(&b, "k", b"old");
    put(&b, "k", b"new");
    // The reader holding the old version still reads it whole.
    assert_eq!(read_all(&old), b"old");
    assert_eq!(read_all(&b.get("k").unwrap()), b"new");
    assert_eq!(blob_count(&store, "bkt"), 2);
    drop(old);
    assert_eq!(blob_count(&store, "bkt"), 1);
}

#[test]
fn links_share_and_survive_source_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = store.create_bucket(bucket_meta("src-b")).unwrap().unwrap();
    let b = store.create_bucket(bucket_meta("dst-b")).unwrap().unwrap();
    let src = put(&a, "s", b"0123456789");
    let pieces = blob::slice_segments(&src.meta.segments, 2, 5);
    let mut m = meta("d");
    m.size = 5;
    m.segments = b.link(src.blobs_dir(), &pieces).unwrap();
    drop(src);
    let copy = b.publish(m, |_| Ok(())).unwrap();
    assert!(a.delete("s").unwrap());
    assert_eq!(read_all(&copy), b"23456");
}

#[test]
fn failed_check_leaves_current_version_and_no_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let b = store.create_bucket(bucket_meta("bkt")).unwrap().unwrap();
    put(&b, "k", b"first");
    let tmp = b.tmp_file();
    fs::write(&tmp, b"second").unwrap();
    let seg = b.adopt(WrittenBlob { tmp_path: tmp, len: 6, md5: [0; 16], crc64: 0 }).unwrap();
    let mut m = meta("k");
    m.size = 6;
    m.segments = vec![seg];
    let err = b.publish(m, |cur| if cur.is_some() { Err(OssError::new(Code::FileAlreadyExists)) } else { Ok(()) });
    assert_eq!(err.unwrap_err().code, Code::FileAlreadyExists);
    assert_eq!(read_all(&b.get("k").unwrap()), b"first");
    assert_eq!(blob_count(&store, "bkt"), 1);
}

#[test]
fn state_survives_restart_and_orphans_are_collected() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let b = store.create_bucket(bucket_meta("bkt")).unwrap().unwrap();
        put(&b, "../../etc/passwd", b"x");
        put(&b, "dir/a b", b"yy");
        let up = b
            .create_upload(UploadMeta {
                upload_id: layout::new_id(),
                key: "m".into(),
                initiated_ms: 1,
                template: meta("m"),
                forbid_overwrite: false,
            })
            .unwrap();
        let tmp = b.tmp_file();
        fs::write(&tmp, b"part").unwrap();
        let seg = b.adopt(WrittenBlob { tmp_path: tmp, len: 4, md5: [0; 16], crc64: 0 }).unwrap();
        b.put_part(
            &up,
            PartMeta { number: 1, etag: "\"E\"".into(), size: 4, crc64: 0, last_modified_ms: 0, segments: vec![seg] },
        )
        .unwrap();
        // A crash between adopting a body and publishing it leaves an orphan blob.
        fs::write(store.layout().blob("bkt", &layout::new_id()), b"orphan").unwrap();
    }
    assert!(!dir.path().join("etc").exists());
    let store = Store::open(dir.path()).unwrap();
    let b = store.bucket("bkt").unwrap();
    assert_eq!(read_all(&b.get("../../etc/passwd").unwrap()), b"x");
    assert_eq!(read_all(&b.get("dir/a b").unwrap()), b"yy");
    assert_eq!(b.uploads().len(), 1);
    assert_eq!(b.uploads()[0].parts().len(), 1);
    assert_eq!(blob_count(&store, "bkt"), 3);
}

#[test]
fn complete_and_abort_are_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let b = store.create_bucket(bucket_meta("bkt")).unwrap().unwrap();
    let up = b
        .create_upload(UploadMeta {
            upload_id: layout::new_id(),
            key: "m".into(),
            initiated_ms: 1,
            template: meta("m"),
            forbid_overwrite: false,
        })
        .unwrap();
    b.abort_upload(&up).unwrap();
    assert_eq!(b.abort_upload(&up).unwrap_err().code, Code::NoSuchUpload);
    let err = b.complete_upload(&up, |_| Ok(meta("m")), |_| Ok(())).unwrap_err();
    assert_eq!(err.code, Code::NoSuchUpload);
    assert!(!b.has_uploads());
    store.delete_bucket("bkt").unwrap();
    assert!(store.bucket("bkt").is_none());
}
