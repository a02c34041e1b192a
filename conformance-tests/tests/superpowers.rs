//! The emulator's testing superpowers: control API, request journal, fault injection, clock,
//! reset and seeding. Emulator-only by nature: on an external target every case is ignored.

use std::time::{Duration, SystemTime};

use conformance_tests::*;
use oss_client::{
    complete_part, CompleteMultipartUploadOptions, CopyObjectRequest, GetObjectOptions, InitiateMultipartUploadOptions,
    PresignRequest, PutObjectOptions, UploadPartCopyRequest,
};
use oss_emulator::fault::{FaultAction, FaultRule};
use oss_emulator::journal::Filter;
use serde_json::{json, Value};

async fn emulator_target() -> Target {
    let target = Target::start().await;
    target.require_emulator();
    target
}

fn control(target: &Target, path: &str) -> String {
    format!("{}/_emulator/{path}", target.endpoint)
}

async fn get_json(url: &str) -> Value {
    let resp = reqwest::get(url).await.expect("control request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.json().await.expect("JSON")
}

fn count(entries: &Value, operation: &str) -> usize {
    entries["entries"].as_array().map_or(0, |e| e.iter().filter(|x| x["operation"] == operation).count())
}

/// The copy document's two flows, then the journal says exactly what happened.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn journal_shows_server_side_copies() {
    let target = emulator_target().await;
    let client = target.client();
    let bucket = target.bucket("journal").await;
    let source = data(1_100_000, 1);
    client.put_object(&bucket.name, "src", source.clone(), &PutObjectOptions::default()).await.expect("put");
    let start = target.emulator().map(|e| e.journal().next_id()).unwrap_or_default();

    client.copy_object(&CopyObjectRequest::new(&bucket.name, "src", &bucket.name, "simple")).await.expect("copy");
    let upload = client
        .initiate_multipart_upload(&bucket.name, "multi", &InitiateMultipartUploadOptions::default())
        .await
        .expect("init");
    let part = 102_400u64;
    let mut parts = Vec::new();
    for (i, first) in (0..source.len() as u64).step_by(part as usize).enumerate() {
        let last = (first + part).min(source.len() as u64) - 1;
        let mut req =
            UploadPartCopyRequest::new(&bucket.name, "src", &bucket.name, "multi", &upload.upload_id, i as u32 + 1);
        req.range = Some(format!("bytes={first}-{last}"));
        let out = client.upload_part_copy(&req).await.expect("part copy");
        parts.push(complete_part(i as u32 + 1, out.etag.clone()));
    }
    client
        .complete_multipart_upload(
            &bucket.name,
            "multi",
            &upload.upload_id,
            &parts,
            &CompleteMultipartUploadOptions::default(),
        )
        .await
        .expect("complete");

    let journal = get_json(&format!("{}?since_id={}", control(&target, "journal"), start - 1)).await;
    assert_eq!(count(&journal, "CopyObject"), 1);
    assert_eq!(count(&journal, "UploadPartCopy"), 11, "1.1 MB in 100 KiB parts");
    assert_eq!(count(&journal, "CompleteMultipartUpload"), 1);
    assert_eq!(count(&journal, "GetObject"), 0, "a server-side copy never downloads the object");
    let entries = journal["entries"].as_array().expect("entries");
    let copies: Vec<&Value> = entries.iter().filter(|e| e["operation"] == "UploadPartCopy").collect();
    assert!(copies.iter().all(|e| e["auth"] == "v4" && e["status"] == 200));
    assert!(copies.iter().all(|e| e["copy_source"] == format!("/{}/src", bucket.name)));
    assert!(copies.iter().all(|e| e["access_key_id"] == target.primary.access_key_id));
    assert!(entries
        .iter()
        .all(|e| e.get("signature").is_none() && !e.to_string().contains(&target.primary.access_key_secret)));
    let last_copy = copies.last().map(|e| e["id"].as_u64()).unwrap_or_default();
    let complete = entries.iter().find(|e| e["operation"] == "CompleteMultipartUpload").expect("complete entry");
    assert!(complete["id"].as_u64() > last_copy, "Complete came after every part");

    // The same through the Rust handle, with filters.
    let journal = target.emulator().expect("emulator").journal();
    let filter = Filter {
        operation: Some("UploadPartCopy".into()),
        key_prefix: Some("mul".into()),
        since_id: Some(start - 1),
        ..Default::default()
    };
    assert_eq!(journal.query(&filter).len(), 11);
    let reqwest_clear = reqwest::Client::new().delete(control(&target, "journal")).send().await.expect("clear");
    assert!(reqwest_clear.status().is_success());
    assert!(journal.query(&Filter::default()).is_empty());
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn journal_follow_waits_for_new_entries() {
    let target = emulator_target().await;
    let next = target.emulator().map(|e| e.journal().next_id()).unwrap_or_default();
    let url =
        format!("{}?operation=PutBucket&since_id={}&timeout_ms=5000", control(&target, "journal/follow"), next - 1);
    let follower = tokio::spawn(async move { get_json(&url).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bucket = target.bucket("follow").await;
    let got = follower.await.expect("follower");
    assert_eq!(got["entries"][0]["bucket"], bucket.name);
    assert_eq!(got["entries"][0]["operation"], "PutBucket");
}

fn rule(operation: &str, nth: u64, action: FaultAction) -> FaultRule {
    let mut r = FaultRule::new(operation.parse().expect("a known operation"), action);
    r.nth = nth;
    r
}

/// "Make the 3rd UploadPartCopy fail with InternalError": the client sees it, the journal shows it.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn third_upload_part_copy_fails_with_injected_error() {
    let target = emulator_target().await;
    let emulator = target.emulator().expect("emulator");
    let client = target.client();
    let bucket = target.bucket("fault").await;
    client.put_object(&bucket.name, "src", data(50_000, 2), &PutObjectOptions::default()).await.expect("put");
    let upload = client
        .initiate_multipart_upload(&bucket.name, "dst", &InitiateMultipartUploadOptions::default())
        .await
        .expect("init");
    let body = json!({"operation": "UploadPartCopy", "nth": 3, "action": {"type": "error", "code": "InternalError", "status": 500, "ec": "0000-00000000"}});
    let added: Value = reqwest::Client::new()
        .post(control(&target, "faults"))
        .json(&body)
        .send()
        .await
        .expect("add")
        .json()
        .await
        .expect("json");
    let id = added["id"].as_str().expect("id").to_owned();
    let mut outcomes = Vec::new();
    for n in 1..=4 {
        let req = UploadPartCopyRequest::new(&bucket.name, "src", &bucket.name, "dst", &upload.upload_id, n);
        outcomes.push(
            client
                .upload_part_copy(&req)
                .await
                .map(|_| ())
                .map_err(|e| (e.status().map(|s| s.as_u16()), e.code().map(str::to_owned))),
        );
    }
    assert_eq!(outcomes[0], Ok(()));
    assert_eq!(outcomes[1], Ok(()));
    assert_eq!(outcomes[2], Err((Some(500), Some("InternalError".to_owned()))));
    assert_eq!(outcomes[3], Ok(()), "the rule fired once");
    let fired: Vec<_> = emulator
        .journal()
        .query(&Filter::default())
        .into_iter()
        .filter(|e| e.fault.as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(fired.len(), 1);
    assert_eq!((fired[0].operation.as_str(), fired[0].status), ("UploadPartCopy", 500));
    let rules = get_json(&control(&target, "faults")).await;
    assert_eq!((rules["rules"][0]["matched"].as_u64(), rules["rules"][0]["fired"].as_u64()), (Some(4), Some(1)));
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn delay_and_throttle_slow_the_response_down() {
    let target = emulator_target().await;
    let emulator = target.emulator().expect("emulator");
    let client = target.client();
    let bucket = target.bucket("slow").await;
    client.put_object(&bucket.name, "obj", data(60_000, 3), &PutObjectOptions::default()).await.expect("put");
    emulator.faults().add(rule("HeadObject", 1, FaultAction::Delay { ms: 300 }));
    let started = std::time::Instant::now();
    client.head_object(&bucket.name, "obj", &GetObjectOptions::default()).await.expect("head");
    assert!(started.elapsed() >= Duration::from_millis(300), "delayed: {:?}", started.elapsed());
    emulator.faults().add(rule("GetObject", 1, FaultAction::Throttle { bytes_per_sec: 100_000 }));
    let started = std::time::Instant::now();
    let got = client.get_object(&bucket.name, "obj", &GetObjectOptions::default()).await.expect("get");
    assert_eq!(got.body.len(), 60_000, "throttled, not truncated");
    assert!(started.elapsed() >= Duration::from_millis(500), "60 kB at 100 kB/s: {:?}", started.elapsed());
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn cut_and_stalled_responses_reach_the_client_as_transport_errors() {
    let target = emulator_target().await;
    let emulator = target.emulator().expect("emulator");
    let bucket = target.bucket("cut").await;
    let client = target.client();
    client.put_object(&bucket.name, "obj", data(200_000, 4), &PutObjectOptions::default()).await.expect("put");
    emulator.faults().add(rule("GetObject", 1, FaultAction::ResetResponseAfter { bytes: 1000 }));
    let err = client.get_object(&bucket.name, "obj", &GetObjectOptions::default()).await.expect_err("cut");
    assert!(err.is_transport(), "{err:?}");
    emulator.faults().add(rule("GetObject", 1, FaultAction::StallAfter { bytes: 1000 }));
    let impatient = Client::new(
        Config::new(&target.endpoint, &target.region)
            .credentials(&target.primary.access_key_id, &target.primary.access_key_secret)
            .timeout(Some(Duration::from_millis(800))),
    )
    .expect("client");
    let err = impatient.get_object(&bucket.name, "obj", &GetObjectOptions::default()).await.expect_err("stalled");
    assert!(err.is_transport(), "{err:?}");
    // Both rules are spent: the object reads whole again.
    let got = client.get_object(&bucket.name, "obj", &GetObjectOptions::default()).await.expect("get");
    assert_eq!(got.body.as_ref(), data(200_000, 4).as_slice());
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn request_reset_stores_nothing_and_commit_then_drop_stores_everything() {
    let target = emulator_target().await;
    let emulator = target.emulator().expect("emulator");
    let bucket = target.bucket("drop").await;
    let client = target.client();
    emulator.faults().add(rule("PutObject", 1, FaultAction::ResetRequestAfter { bytes: 10_000 }));
    let err = client
        .put_object(&bucket.name, "cut", data(100_000, 5), &PutObjectOptions::default())
        .await
        .expect_err("reset");
    assert!(err.is_transport(), "{err:?}");
    let missing = service_error(client.head_object(&bucket.name, "cut", &GetObjectOptions::default()).await);
    assert_error(&missing, 404, "NoSuchKey");

    emulator.faults().add(rule("PutObject", 1, FaultAction::CommitThenDrop));
    let err = client
        .put_object(&bucket.name, "kept", data(1000, 6), &PutObjectOptions::default())
        .await
        .expect_err("dropped");
    assert!(err.is_transport(), "the client cannot tell it worked: {err:?}");
    let got = client.get_object(&bucket.name, "kept", &GetObjectOptions::default()).await.expect("stored anyway");
    assert_eq!(got.body.as_ref(), data(1000, 6).as_slice());
}

/// Rule sets named by a header only touch the requests that name them.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn fault_sets_isolate_parallel_tests() {
    let target = emulator_target().await;
    let bucket = target.bucket("sets").await;
    let client = target.client();
    client.put_object(&bucket.name, "obj", &b"x"[..], &PutObjectOptions::default()).await.expect("put");
    let rules = json!([{ "operation": "GetObject", "times": 0, "action": { "type": "error", "code": "ServiceUnavailable", "status": 503 } }]);
    let resp = reqwest::Client::new().put(control(&target, "fault-sets/flaky")).json(&rules).send().await.expect("set");
    assert!(resp.status().is_success());
    let plain = client.get_object(&bucket.name, "obj", &GetObjectOptions::default()).await;
    assert!(plain.is_ok(), "requests without the header are untouched");
    for _ in 0..2 {
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some("obj"))
            .header("x-oss-emulator-fault-set", "flaky")
            .send_raw()
            .await
            .expect("send");
        assert_error(&resp.into_service_error(), 503, "ServiceUnavailable");
    }
}

/// A presigned URL under the frozen clock: valid until its expiry second, expired after.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn presigned_url_expires_under_the_frozen_clock() {
    let target = emulator_target().await;
    let emulator = target.emulator().expect("emulator");
    let bucket = target.bucket("clock").await;
    let client = target.client();
    client.put_object(&bucket.name, "obj", &b"hello"[..], &PutObjectOptions::default()).await.expect("put");
    let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    emulator.clock().freeze(signed_at);
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let mut req = PresignRequest::new(Method::GET, Some(&bucket.name), Some("obj"), Duration::from_secs(60));
        req.time = Some(signed_at);
        req.signature = Some(version);
        let url = client.presign_request(&req).expect("presign");
        emulator.clock().freeze(signed_at + Duration::from_secs(60));
        let ok = reqwest::get(&url).await.expect("get");
        assert_eq!(ok.status(), 200, "{version:?} at its expiry second");
        emulator.clock().freeze(signed_at + Duration::from_secs(61));
        let expired = reqwest::get(&url).await.expect("get");
        assert_eq!(expired.status(), 403);
        let text = expired.text().await.expect("body");
        assert!(text.contains("<Message>Request has expired.</Message>"), "{version:?}: {text}");
        emulator.clock().freeze(signed_at);
    }
    let clock = get_json(&control(&target, "clock")).await;
    assert_eq!(clock["mode"], "frozen");
    assert_eq!(clock["now"], "2030-03-17T17:46:40.000Z");
    let resp = reqwest::Client::new()
        .post(control(&target, "clock"))
        .json(&json!({"reset": true}))
        .send()
        .await
        .expect("reset");
    assert_eq!(resp.json::<Value>().await.expect("json")["mode"], "system");
}

/// Reset isolates cases without a restart; seeding fills buckets from a manifest or a directory.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn reset_and_seed() {
    let target = emulator_target().await;
    let client = target.client();
    let manifest = json!({"buckets": [
        {"name": "seeded-one", "acl": "public-read", "objects": [
            {"key": "a/b.txt", "content": "hello", "metadata": {"origin": "seed"}},
            {"key": "bin", "content_base64": "AAEC", "content_type": "application/x-raw"}
        ]},
        {"name": "seeded-two"}
    ]});
    let http = reqwest::Client::new();
    let seeded: Value =
        http.post(control(&target, "seed")).json(&manifest).send().await.expect("seed").json().await.expect("json");
    assert_eq!((seeded["buckets"].as_u64(), seeded["objects"].as_u64()), (Some(2), Some(2)));
    let got = target
        .anonymous()
        .get_object("seeded-one", "a/b.txt", &GetObjectOptions::default())
        .await
        .expect("public read");
    assert_eq!(got.body.as_ref(), b"hello");
    assert_eq!(got.meta.metadata.get("origin").map(String::as_str), Some("seed"));
    let raw = client.get_object("seeded-one", "bin", &GetObjectOptions::default()).await.expect("get");
    assert_eq!((raw.body.as_ref(), raw.meta.content_type.as_deref()), (&[0u8, 1, 2][..], Some("application/x-raw")));

    let one: Value = http
        .post(format!("{}?bucket=seeded-two", control(&target, "reset")))
        .send()
        .await
        .expect("reset")
        .json()
        .await
        .expect("json");
    assert_eq!(one["deleted_buckets"], json!(["seeded-two"]));
    assert!(client.get_bucket_info("seeded-one").await.is_ok(), "only the named bucket goes");
    let all: Value = http.post(control(&target, "reset")).send().await.expect("reset").json().await.expect("json");
    assert_eq!(all["deleted_buckets"], json!(["seeded-one"]));
    let listed = client.list_buckets(&Default::default()).await.expect("list");
    assert!(listed.buckets.bucket.is_empty());

    // Seeding at start from a directory tree.
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("tree-bucket/x/y")).expect("mkdir");
    std::fs::write(dir.path().join("tree-bucket/x/y/z.json"), b"{}").expect("write");
    let seeded_dir = dir.path().to_path_buf();
    let tree = Target::start_with(move |b| b.seed(seeded_dir)).await;
    let got =
        tree.client().get_object("tree-bucket", "x/y/z.json", &GetObjectOptions::default()).await.expect("seeded file");
    assert_eq!((got.body.as_ref(), got.meta.content_type.as_deref()), (&b"{}"[..], Some("application/json")));
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn health_admin_token_and_reproducible_ids() {
    let target = emulator_target().await;
    let health = get_json(&control(&target, "health")).await;
    assert_eq!(health["region"], "cn-hangzhou");
    assert_eq!(health["listeners"].as_array().map(Vec::len), Some(2));
    assert!(health["accounts"].to_string().contains(&target.primary.access_key_id));
    assert!(!health.to_string().contains(&target.primary.access_key_secret), "secrets are never shown");
    assert_eq!(health["limits"]["min_part_size"], 102_400);

    let guarded = Target::start_with(|b| b.admin_token("s3cret")).await;
    let http = reqwest::Client::new();
    let denied = http.get(control(&guarded, "health")).send().await.expect("get");
    assert_eq!(denied.status(), 401);
    let allowed = http.get(control(&guarded, "health")).bearer_auth("s3cret").send().await.expect("get");
    assert_eq!(allowed.status(), 200);

    let mut runs = Vec::new();
    for _ in 0..2 {
        let seeded = Target::start_with(|b| b.id_seed(42)).await;
        let client = seeded.client();
        let name = "ids-bucket";
        let created = client.put_bucket(name, None, None).await.expect("bucket");
        let upload = client
            .initiate_multipart_upload(name, "k", &InitiateMultipartUploadOptions::default())
            .await
            .expect("init");
        client.put_bucket_versioning(name, oss_client::protocol::VersioningStatus::Enabled).await.expect("versioning");
        let put = client.put_object(name, "v", &b"x"[..], &Default::default()).await.expect("put");
        let version = put.version_id.clone().expect("a version id");
        runs.push((created.request_id.clone(), upload.upload_id.clone(), version));
    }
    assert_eq!(runs[0], runs[1], "same seed, same request, upload and version ids");
    assert_eq!((runs[0].1.len(), runs[0].2.len()), (32, 64));
}

/// A fault rule must name a real operation: a misspelt one would never fire, so it is refused
/// with the names that exist.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's control API")]
async fn fault_rules_naming_unknown_operations_are_refused() {
    let target = emulator_target().await;
    let body = json!({"operation": "UploadPartcopy", "action": {"type": "delay", "ms": 1}});
    let resp = reqwest::Client::new().post(control(&target, "faults")).json(&body).send().await.expect("post");
    assert_eq!(resp.status(), 400);
    let text = resp.text().await.expect("body");
    assert!(text.contains("UploadPartcopy") && text.contains("UploadPartCopy"), "{text}");
    let rules: Value = reqwest::get(control(&target, "faults")).await.expect("list").json().await.expect("json");
    assert_eq!(rules["rules"].as_array().map(Vec::len), Some(0), "{rules}");
}
