//! Persistence and key safety: what survives a restart, atomic overwrites under concurrency,
//! hostile keys that must never escape the data directory, and an upload cut off by a stop.
//! Restart and filesystem checks are emulator-only; the concurrency and key cases run on both.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use conformance_tests::protocol::sign::{self, SignableRequest};
use conformance_tests::protocol::time::format_http_date;
use conformance_tests::{
    assert_error, assert_error_ec, data, get_body, md5_etag, put, service_error, Client, Method, SignatureVersion,
    Target,
};
use oss_client::{
    complete_part, CompleteMultipartUploadOptions, Credentials as Keys, GetObjectOptions,
    InitiateMultipartUploadOptions, ListBucketsOptions, ListMultipartUploadsOptions, ListObjectsV2Options,
    ListPartsOptions, PutObjectOptions, UploadPartOptions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn get_opts() -> GetObjectOptions {
    GetObjectOptions::default()
}

/// Every key of a bucket, through `encoding-type=url` so that any byte survives the XML.
async fn all_keys(client: &Client, bucket: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let opts = ListObjectsV2Options {
            continuation_token: token.clone(),
            encoding_type: Some("url".to_owned()),
            max_keys: Some(1000),
            ..Default::default()
        };
        let page = client.list_objects_v2(bucket, &opts).await.expect("ListObjectsV2");
        out.extend(page.contents.iter().map(|o| o.key.clone()));
        if !page.is_truncated {
            return out;
        }
        token = page.next_continuation_token.clone();
    }
}

/// Every file and directory under `root`, relative paths included.
fn walk(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path.clone());
            }
            out.insert(path);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Restart

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs to restart the emulator")]
async fn objects_metadata_acls_buckets_and_uploads_survive_a_restart() {
    let mut target = Target::start().await;
    target.require_emulator();
    let client = target.client();
    let bucket = target.bucket_with(&client, "persist", Some("public-read")).await;
    let (other_region, other_endpoint) = target.other.clone().expect("second region");
    let there = target.client_for(&other_endpoint, &other_region, Some(&target.primary), SignatureVersion::V4);
    let far = target.bucket_with(&there, "persistfar", None).await;

    let body = data(70_000, 7);
    let opts = PutObjectOptions {
        content_type: Some("text/x-persist".to_owned()),
        cache_control: Some("max-age=60".to_owned()),
        content_disposition: Some("attachment; filename=\"p.txt\"".to_owned()),
        metadata: vec![("Color".to_owned(), "blue".to_owned()), ("empty-ish".to_owned(), " padded ".to_owned())],
        acl: Some("private".to_owned()),
        ..Default::default()
    };
    client.put_object(&bucket.name, "dir/obj", body.clone(), &opts).await.expect("PutObject");
    put(&client, &bucket.name, "open", b"open to all").await;
    put(&client, &bucket.name, "doomed", b"deleted before the restart").await;
    client.delete_object(&bucket.name, "doomed").await.expect("DeleteObject");
    put(&there, &far.name, "far-key", b"in the second region").await;
    let before = client.head_object(&bucket.name, "dir/obj", &get_opts()).await.expect("HEAD").data;

    // A pending multipart upload with two parts.
    let init_opts = InitiateMultipartUploadOptions {
        object: PutObjectOptions { content_type: Some("application/x-mpu".to_owned()), ..Default::default() },
        ..Default::default()
    };
    let upload =
        client.initiate_multipart_upload(&bucket.name, "mpu", &init_opts).await.expect("Initiate").data.upload_id;
    let part1 = data(102_400, 1);
    let part2 = data(1_000, 2);
    let e1 = client.upload_part(&bucket.name, "mpu", &upload, 1, part1.clone(), &UploadPartOptions::default()).await;
    let e1 = e1.expect("UploadPart 1").data.etag.expect("etag");
    let e2 = client.upload_part(&bucket.name, "mpu", &upload, 2, part2.clone(), &UploadPartOptions::default()).await;
    let e2 = e2.expect("UploadPart 2").data.etag.expect("etag");

    assert!(target.restart().await);
    let client = target.client();
    let (other_region, other_endpoint) = target.other.clone().expect("second region");
    let there = target.client_for(&other_endpoint, &other_region, Some(&target.primary), SignatureVersion::V4);

    // Buckets, with their owner, region and ACL.
    let listed = client.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets");
    let names: Vec<&str> = listed.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert!(names.contains(&bucket.name.as_str()) && names.contains(&far.name.as_str()), "{names:?}");
    assert_eq!(
        client.get_bucket_acl(&bucket.name).await.expect("GetBucketAcl").access_control_list.grant,
        "public-read"
    );
    assert_eq!(there.get_bucket_location(&far.name).await.expect("location").data, format!("oss-{other_region}"));
    assert_eq!(get_body(&there, &far.name, "far-key").await, b"in the second region");

    // The object, byte for byte, with every stored header.
    let got = client.get_object(&bucket.name, "dir/obj", &get_opts()).await.expect("GetObject");
    assert_eq!(got.body.as_ref(), body.as_slice());
    let after = got.meta.clone();
    assert_eq!(after.etag.as_deref(), Some(md5_etag(&body).as_str()));
    assert_eq!(after.etag, before.etag);
    assert_eq!(after.crc64, before.crc64);
    assert_eq!(after.last_modified, before.last_modified);
    assert_eq!(after.content_type.as_deref(), Some("text/x-persist"));
    assert_eq!(after.cache_control.as_deref(), Some("max-age=60"));
    assert_eq!(after.content_disposition.as_deref(), Some("attachment; filename=\"p.txt\""));
    assert_eq!(after.metadata.get("color").map(String::as_str), Some("blue"));
    assert_eq!(after.metadata.get("empty-ish"), before.metadata.get("empty-ish"));
    assert_eq!(after.metadata, before.metadata);
    assert_eq!(after.object_type.as_deref(), Some("Normal"));
    // Object ACLs: the private object stays private under the public-read bucket.
    assert_eq!(
        client.get_object_acl(&bucket.name, "dir/obj", None).await.expect("acl").access_control_list.grant,
        "private"
    );
    let anonymous = target.anonymous();
    assert_error(&service_error(anonymous.get_object(&bucket.name, "dir/obj", &get_opts()).await), 403, "AccessDenied");
    assert_eq!(get_body(&anonymous, &bucket.name, "open").await, b"open to all");
    // The deleted object stays deleted.
    assert_error_ec(
        &service_error(client.get_object(&bucket.name, "doomed", &get_opts()).await),
        404,
        "NoSuchKey",
        "0026-00000001",
    );
    let mut keys = all_keys(&client, &bucket.name).await;
    keys.sort();
    assert_eq!(keys, vec!["dir/obj".to_owned(), "open".to_owned()]);

    // The upload and its parts, completed after the restart.
    let uploads = client.list_multipart_uploads(&bucket.name, &ListMultipartUploadsOptions::default()).await;
    let uploads = uploads.expect("ListMultipartUploads");
    assert_eq!(uploads.uploads.len(), 1);
    assert_eq!((uploads.uploads[0].key.as_str(), uploads.uploads[0].upload_id.as_str()), ("mpu", upload.as_str()));
    let parts = client.list_parts(&bucket.name, "mpu", &upload, &ListPartsOptions::default()).await.expect("ListParts");
    let listed: Vec<(u32, &str, u64)> = parts.parts.iter().map(|p| (p.part_number, p.etag.as_str(), p.size)).collect();
    assert_eq!(listed, vec![(1, e1.as_str(), 102_400), (2, e2.as_str(), 1_000)]);
    let parts = [complete_part(1, e1), complete_part(2, e2)];
    client
        .complete_multipart_upload(&bucket.name, "mpu", &upload, &parts, &CompleteMultipartUploadOptions::default())
        .await
        .expect("Complete after restart");
    let got = client.get_object(&bucket.name, "mpu", &get_opts()).await.expect("GET mpu");
    assert_eq!(got.body.len(), 103_400);
    assert_eq!(&got.body[..102_400], part1.as_slice());
    assert_eq!(&got.body[102_400..], part2.as_slice());
    assert_eq!(got.meta.content_type.as_deref(), Some("application/x-mpu"), "the upload's template survived");

    // And a second restart sees the completed object, not the upload.
    assert!(target.restart().await);
    let client = target.client();
    assert_eq!(get_body(&client, &bucket.name, "mpu").await.len(), 103_400);
    let uploads = client.list_multipart_uploads(&bucket.name, &ListMultipartUploadsOptions::default()).await;
    assert!(uploads.expect("ListMultipartUploads").uploads.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[tokio::test]
async fn concurrent_puts_of_one_key_leave_exactly_one_whole_body() {
    let target = Target::start().await;
    let bucket = target.bucket("racers").await;
    let client = target.client();
    let bodies: Vec<Vec<u8>> = (0..16).map(|i| data(48 * 1024 + i * 1000, 100 + i as u64)).collect();
    let mut tasks = Vec::new();
    for body in bodies.clone() {
        let (client, name) = (client.clone(), bucket.name.clone());
        tasks.push(tokio::spawn(async move {
            let put = client.put_object(&name, "contended", body.clone(), &PutObjectOptions::default()).await;
            put.expect("concurrent PutObject").etag().map(str::to_owned)
        }));
    }
    for (task, body) in tasks.into_iter().zip(&bodies) {
        assert_eq!(task.await.expect("task").as_deref(), Some(md5_etag(body).as_str()), "each PUT answers its ETag");
    }
    let got = client.get_object(&bucket.name, "contended", &get_opts()).await.expect("GetObject");
    let winner = bodies.iter().position(|b| b.as_slice() == got.body.as_ref()).expect("the body is one whole upload");
    assert_eq!(got.meta.etag.as_deref(), Some(md5_etag(&bodies[winner]).as_str()), "ETag matches the body");
    assert_eq!(got.meta.content_length, Some(bodies[winner].len() as u64));
    let page = client.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await.expect("list");
    assert_eq!(page.contents.len(), 1, "one key, one object");
    assert_eq!(page.contents[0].size, bodies[winner].len() as u64);
    assert_eq!(page.contents[0].etag, md5_etag(&bodies[winner]));
}

#[tokio::test]
async fn readers_during_overwrites_see_a_whole_old_or_new_body() {
    let target = Target::start().await;
    let bucket = target.bucket("readers").await;
    let client = target.client();
    let bodies: Vec<Vec<u8>> = (0..4).map(|i| data(256 * 1024 + i * 4096, 200 + i as u64)).collect();
    put(&client, &bucket.name, "hot", &bodies[0]).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (client, name, bodies, done) = (client.clone(), bucket.name.clone(), bodies.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) || reads < 3 {
                // The client checks the body's CRC-64 against the header.
                let got = client.get_object(&name, "hot", &GetObjectOptions::default()).await.expect("GET");
                let which = bodies.iter().position(|b| b.as_slice() == got.body.as_ref());
                let which = which.unwrap_or_else(|| panic!("a torn body of {} bytes", got.body.len()));
                assert_eq!(got.meta.etag.as_deref(), Some(md5_etag(&bodies[which]).as_str()), "ETag of the body read");
                assert_eq!(got.meta.content_length, Some(bodies[which].len() as u64));
                reads += 1;
            }
            reads
        }));
    }
    for round in 1..=24 {
        put(&client, &bucket.name, "hot", &bodies[round % bodies.len()]).await;
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    for reader in readers {
        assert!(reader.await.expect("reader") >= 3);
    }
    assert_eq!(get_body(&client, &bucket.name, "hot").await, bodies[24 % bodies.len()]);
}

// ---------------------------------------------------------------------------------------------
// Hostile keys

/// A raw HTTP/1.1 exchange with the emulator, for request targets no URL library will send
/// (`/bucket/..`). Returns status and body.
async fn raw_exchange(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

/// A V1-signed raw request for a key the URL parser would resolve away.
async fn raw_signed(target: &Target, method: &str, bucket: &str, key: &str, body: &[u8]) -> (u16, String) {
    let addr = target.emulator().expect("emulator").addr();
    let date = format_http_date(SystemTime::now());
    let headers = vec![("date".to_owned(), date.clone())];
    let signable = SignableRequest { method, bucket: Some(bucket), key: Some(key), query: &[], headers: &headers };
    let keys = Keys::new(&target.primary.access_key_id, &target.primary.access_key_secret);
    let authorization = sign::sign_v1_header(&signable, &keys, &date);
    let head = format!(
        "{method} /{bucket}/{key} HTTP/1.1\r\nHost: {addr}\r\nDate: {date}\r\nAuthorization: {authorization}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    raw_exchange(addr, &head, body).await
}

#[tokio::test]
async fn hostile_keys_are_plain_names_and_never_leave_the_data_dir() {
    let sandbox = tempfile::tempdir().expect("sandbox");
    // Deep enough that `../../..` from anywhere in the store would still land in the sandbox.
    let data_dir = sandbox.path().join("one/two/three/data");
    let target = Target::start_with({
        let dir = data_dir.clone();
        move |b| b.data_dir(dir)
    })
    .await;
    let marker = format!("escape-marker-{:08x}", rand::random::<u32>());
    if let Some(emulator) = target.emulator() {
        assert_eq!(emulator.data_dir(), data_dir.as_path());
    }
    let before = walk(sandbox.path());
    let bucket = target.bucket("hostile").await;
    let client = target.client();

    let long_ascii = format!("long/{}", "x".repeat(1018));
    let long_unicode = "中".repeat(341);
    assert_eq!((long_ascii.len(), long_unicode.len()), (1023, 1023));
    let deep_escape = format!("{}tmp/{marker}", "../".repeat(12));
    let stored = [
        "../../etc/passwd".to_owned(),
        "a/../../b".to_owned(),
        deep_escape.clone(),
        format!("..\\..\\win\\{marker}"),
        "./x/./y".to_owned(),
        "dir/..".to_owned(),
        "...".to_owned(),
        "%2e%2e/%2F".to_owned(),
        "中文/😀/ключ/🎉".to_owned(),
        "  spaced  ".to_owned(),
        "line\nbreak\r\nand\ttab".to_owned(),
        "q?x=1#frag%25%".to_owned(),
        long_ascii.clone(),
        long_unicode.clone(),
    ];
    for key in &stored {
        put(&client, &bucket.name, key, key.as_bytes()).await;
    }
    for key in &stored {
        assert_eq!(get_body(&client, &bucket.name, key).await, key.as_bytes(), "{key:?} reads back");
    }

    // Leading slash: refused.
    for key in ["/abs", "//abs/x"] {
        let err = service_error(client.put_object(&bucket.name, key, &b"x"[..], &PutObjectOptions::default()).await);
        assert_error_ec(&err, 400, "InvalidObjectName", "0016-00000005");
    }
    // One byte too long: refused.
    let too_long = format!("long/{}", "x".repeat(1019));
    let err = service_error(client.put_object(&bucket.name, &too_long, &b"x"[..], &PutObjectOptions::default()).await);
    assert_error(&err, 400, "InvalidObjectName");
    // NUL: rejected or stored, never anything else.
    let nul = "nul\0key".to_owned();
    let nul_stored = match client.put_object(&bucket.name, &nul, &b"nul"[..], &PutObjectOptions::default()).await {
        Ok(_) => {
            assert_eq!(get_body(&client, &bucket.name, &nul).await, b"nul");
            true
        }
        Err(e) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(400), "NUL key: {e}");
            false
        }
    };
    // `.` and `..` as whole keys: only a raw client can send them (emulator only).
    let mut dots = Vec::new();
    if !cfg!(oss_external_target) {
        for key in ["..", "."] {
            let (status, text) = raw_signed(&target, "PUT", &bucket.name, key, key.as_bytes()).await;
            match status {
                200 => dots.push(key.to_owned()),
                400 => assert!(text.contains("InvalidObjectName") || text.contains("InvalidArgument"), "{text}"),
                _ => panic!("PUT /{}/{key}: {text}", bucket.name),
            }
        }
        for key in &dots {
            let (status, text) = raw_signed(&target, "GET", &bucket.name, key, b"").await;
            assert_eq!(status, 200, "{text}");
            assert!(text.ends_with(&format!("\r\n\r\n{key}")), "GET {key:?} returns its own body: {text}");
        }
    }

    let mut want: Vec<String> = stored.to_vec();
    want.extend(dots.iter().cloned());
    if nul_stored {
        want.push(nul);
    }
    want.sort();
    let mut listed = all_keys(&client, &bucket.name).await;
    listed.sort();
    assert_eq!(listed, want, "every key listed exactly as stored");
    // A prefix that looks like a path escape is just a prefix.
    let page = client
        .list_objects_v2(
            &bucket.name,
            &ListObjectsV2Options {
                prefix: Some("../".to_owned()),
                delimiter: Some("/".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("list ../");
    let prefixes: Vec<&str> = page.common_prefixes.iter().map(|p| p.prefix.as_str()).collect();
    assert_eq!(prefixes, vec!["../../"]);

    // The data directory can only be inspected in-process. Decided at build time, not by what
    // the target turned out to be, so that an in-process run can never leave this part out.
    if cfg!(oss_external_target) {
        return;
    }
    let emulator = target.require_emulator();
    // Nothing appeared outside the data directory, and nothing inside is named after a key.
    let after = walk(sandbox.path());
    for path in after.difference(&before) {
        assert!(path.starts_with(emulator.data_dir()), "{} is outside the data directory", path.display());
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        for bad in ["passwd", "etc", "win", "abs", "b", "x", "y", "ключ", marker.as_str()] {
            assert_ne!(name, bad, "{} is named after a key", path.display());
        }
        assert!(!name.contains(&marker) && !name.contains("..") && !name.contains('\\'), "{}", path.display());
    }
    // The naive resolutions of the escaping keys, outside the sandbox.
    for escaped in [PathBuf::from("/tmp").join(&marker), std::env::temp_dir().join(&marker), PathBuf::from(&marker)] {
        assert!(!escaped.exists(), "{} exists", escaped.display());
    }
}

// ---------------------------------------------------------------------------------------------
// A stop in the middle of an upload

/// A PUT whose body never finishes, cut off by a restart: afterwards the key shows its old
/// version (never a partial one), leftovers of the interrupted write are gone, and the key
/// accepts new writes.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs to restart the emulator")]
async fn upload_cut_off_by_a_stop_leaves_no_partial_object() {
    let mut target = Target::start().await;
    target.require_emulator();
    let bucket = target.bucket("cutoff").await;
    let client = target.client();
    put(&client, &bucket.name, "big", b"the old version").await;
    let data_dir = target.emulator().unwrap().data_dir().to_path_buf();
    let tmp_dir = data_dir.join("tmp");
    let blobs_dir = data_dir.join("blobs");
    let blobs_before: BTreeSet<PathBuf> = walk(&blobs_dir);

    // Declare 8 MiB, send 1 MiB, then hold the connection open.
    const DECLARED: usize = 8 << 20;
    let prepared = client
        .request(Method::PUT, Some(&bucket.name), Some("big"))
        .header("content-length", DECLARED.to_string())
        .prepare()
        .expect("prepare");
    let mut head = format!("PUT {} HTTP/1.1\r\n", prepared.url.path());
    for (name, value) in &prepared.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let addr = target.emulator().unwrap().addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&data(1 << 20, 9)).await.expect("first MiB");
    stream.flush().await.expect("flush");
    // Wait until the body is landing on disk.
    let started = std::time::Instant::now();
    loop {
        let landed = walk(&tmp_dir).iter().filter_map(|p| std::fs::metadata(p).ok()).any(|m| m.len() >= 512 * 1024);
        if landed {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "the partial body never reached the data directory");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // While it is in flight the old version is what everyone sees.
    assert_eq!(get_body(&client, &bucket.name, "big").await, b"the old version");
    // What a kill leaves behind: a stray temporary file and an unreferenced blob.
    std::fs::write(tmp_dir.join("0123456789abcdef0123456789abcdef"), b"stray").expect("stray tmp");
    let orphan = blobs_dir.join("fe").join("fedcba9876543210fedcba9876543210");
    std::fs::write(&orphan, b"orphan blob").expect("orphan blob");

    // Stop while the upload is open; the client side dies shortly after.
    let cut = async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(stream);
    };
    let (restarted, ()) = tokio::join!(target.restart(), cut);
    assert!(restarted);
    let client = target.client();
    let got = client.get_object(&bucket.name, "big", &get_opts()).await.expect("GetObject after the stop");
    assert_eq!(got.body.as_ref(), b"the old version");
    assert_eq!(got.meta.etag.as_deref(), Some(md5_etag(b"the old version").as_str()));
    let page = client.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await.expect("list");
    let sizes: Vec<(&str, u64)> = page.contents.iter().map(|o| (o.key.as_str(), o.size)).collect();
    assert_eq!(sizes, vec![("big", 15)]);
    assert!(walk(&tmp_dir).is_empty(), "temporary files are cleared at start: {:?}", walk(&tmp_dir));
    // Unreferenced blobs are swept in the background once the listener is up.
    let swept = std::time::Instant::now();
    while orphan.exists() && swept.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!orphan.exists(), "unreferenced blobs are removed after start");
    assert_eq!(walk(&blobs_dir), blobs_before, "only the old version's data remains");
    // The key is not wedged.
    let fresh = data(2 << 20, 10);
    put(&client, &bucket.name, "big", &fresh).await;
    assert_eq!(get_body(&client, &bucket.name, "big").await, fresh);
}
