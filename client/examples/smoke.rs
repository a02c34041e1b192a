//! Runs every typed operation once against an endpoint, V1 and V4, and reports what failed.
//!
//! `cargo run -p oss-client --example smoke -- http://127.0.0.1:9000 AK SK [region]`

use std::time::Duration;

use oss_client::{
    complete_part, Client, CompleteMultipartUploadOptions, Config, CopyObjectRequest, Error, GetObjectOptions,
    InitiateMultipartUploadOptions, ListObjectsOptions, ListObjectsV2Options, Method, PutObjectOptions,
    SignatureVersion, UploadPartCopyRequest,
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, ak, sk, rest @ ..] = args.as_slice() else {
        eprintln!("usage: smoke ENDPOINT AK SK [REGION]");
        std::process::exit(2);
    };
    let region = rest.first().map(String::as_str).unwrap_or("cn-hangzhou");
    let mut failures = 0;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let config = Config::new(endpoint.as_str(), region).credentials(ak.as_str(), sk.as_str()).signature(version);
        let client = match Client::new(config) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("client: {e}");
                std::process::exit(2);
            }
        };
        let bucket = format!("smoke-{}", if version == SignatureVersion::V1 { "v1" } else { "v4" });
        if let Err(e) = run(&client, &bucket).await {
            failures += 1;
            println!("{version:?}: FAILED: {e}");
        } else {
            println!("{version:?}: ok");
        }
    }
    std::process::exit(if failures == 0 { 0 } else { 1 });
}

fn step<T>(name: &str, r: Result<T, Error>) -> Result<T, String> {
    match r {
        Ok(v) => {
            println!("  {name}: ok");
            Ok(v)
        }
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn expect_code<T: std::fmt::Debug>(name: &str, r: Result<T, Error>, code: &str) -> Result<(), String> {
    match r {
        Err(e) if e.code() == Some(code) => {
            println!("  {name}: {code} as expected");
            Ok(())
        }
        other => Err(format!("{name}: expected {code}, got {other:?}")),
    }
}

async fn run(c: &Client, bucket: &str) -> Result<(), String> {
    let b = bucket;
    step("put_bucket", c.put_bucket(b, Some("private"), None).await)?;
    let loc = step("get_bucket_location", c.get_bucket_location(b).await)?;
    println!("    location {}", loc.data);
    step("get_bucket_info", c.get_bucket_info(b).await)?;
    step("put_bucket_acl", c.put_bucket_acl(b, "public-read").await)?;
    let acl = step("get_bucket_acl", c.get_bucket_acl(b).await)?;
    if acl.access_control_list.grant != "public-read" {
        return Err(format!("bucket ACL is {:?}", acl.access_control_list.grant));
    }
    let buckets = step("list_buckets", c.list_buckets(&Default::default()).await)?;
    if !buckets.buckets.bucket.iter().any(|x| x.name == b) {
        return Err("list_buckets misses the bucket".into());
    }

    let key = "dir/a b+c/中文.txt";
    let opts = PutObjectOptions {
        content_type: Some("text/plain".into()),
        metadata: vec![("author".into(), "alice".into())],
        ..Default::default()
    };
    let put = step("put_object", c.put_object(b, key, &b"hello world"[..], &opts).await)?;
    let head = step("head_object", c.head_object(b, key, &GetObjectOptions::default()).await)?;
    if head.content_length != Some(11) || head.etag != put.etag || head.meta("author") != Some("alice") {
        return Err(format!("head_object meta {:?}", head.data));
    }
    step("get_object_meta", c.get_object_meta(b, key, None).await)?;
    let got = step("get_object", c.get_object(b, key, &GetObjectOptions::default()).await)?;
    if got.body.as_ref() != b"hello world" {
        return Err("get_object body differs".into());
    }
    let part = step("get_object range", c.get_object(b, key, &GetObjectOptions::range(0, Some(4))).await)?;
    if part.body.as_ref() != b"hello" || part.status != 206 {
        return Err(format!("range answer {} {:?}", part.status, part.body));
    }
    let cond = GetObjectOptions { if_none_match: put.etag.clone(), ..Default::default() };
    match c.get_object(b, key, &cond).await {
        Err(e) if e.is_not_modified() => println!("  get_object if-none-match: 304 as expected"),
        other => return Err(format!("if-none-match: expected 304, got {other:?}")),
    }
    expect_code("head missing", c.head_object(b, "nope", &GetObjectOptions::default()).await, "NoSuchKey")?;
    expect_code("get missing", c.get_object(b, "nope", &GetObjectOptions::default()).await, "NoSuchKey")?;
    step("put_object_acl", c.put_object_acl(b, key, "public-read", None).await)?;
    step("get_object_acl", c.get_object_acl(b, key, None).await)?;

    let v1 =
        ListObjectsOptions { prefix: Some("dir/".into()), encoding_type: Some("url".into()), ..Default::default() };
    let l1 = step("list_objects", c.list_objects(b, &v1).await)?;
    if l1.contents.first().map(|o| o.key.as_str()) != Some(key) {
        return Err(format!("list_objects keys {:?}", l1.contents));
    }
    let v2 =
        ListObjectsV2Options { delimiter: Some("/".into()), encoding_type: Some("url".into()), ..Default::default() };
    let l2 = step("list_objects_v2", c.list_objects_v2(b, &v2).await)?;
    if l2.common_prefixes.first().map(|p| p.prefix.as_str()) != Some("dir/") {
        return Err(format!("list_objects_v2 prefixes {:?}", l2.common_prefixes));
    }

    let copy = CopyObjectRequest::new(b, key, b, "copy/1");
    step("copy_object", c.copy_object(&copy).await)?;

    let big: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    step("put_object big", c.put_object(b, "big", big.clone(), &PutObjectOptions::default()).await)?;
    let init = step(
        "initiate_multipart_upload",
        c.initiate_multipart_upload(b, "mp/é", &InitiateMultipartUploadOptions::default()).await,
    )?;
    let id = init.upload_id.clone();
    let p1 = step("upload_part", c.upload_part(b, "mp/é", &id, 1, big.clone(), &Default::default()).await)?;
    let p2 = step(
        "upload_part_copy",
        c.upload_part_copy(&UploadPartCopyRequest::new(b, "big", b, "mp/é", id.clone(), 2).with_range(0, Some(99)))
            .await,
    )?;
    let parts = step("list_parts", c.list_parts(b, "mp/é", &id, &Default::default()).await)?;
    if parts.parts.len() != 2 {
        return Err(format!("list_parts {:?}", parts.parts));
    }
    let uploads = step("list_multipart_uploads", c.list_multipart_uploads(b, &Default::default()).await)?;
    if uploads.uploads.len() != 1 {
        return Err(format!("list_multipart_uploads {:?}", uploads.uploads));
    }
    let list = [complete_part(1, p1.etag.clone().unwrap_or_default()), complete_part(2, p2.etag.clone())];
    let done = step(
        "complete_multipart_upload",
        c.complete_multipart_upload(b, "mp/é", &id, &list, &CompleteMultipartUploadOptions::default()).await,
    )?;
    println!("    multipart etag {}", done.etag);
    let whole = step("get multipart", c.get_object(b, "mp/é", &GetObjectOptions::default()).await)?;
    if whole.body.len() != 150_100 {
        return Err(format!("multipart object is {} bytes", whole.body.len()));
    }
    let init = step(
        "initiate (to abort)",
        c.initiate_multipart_upload(b, "mp2", &InitiateMultipartUploadOptions::default()).await,
    )?;
    step("abort_multipart_upload", c.abort_multipart_upload(b, "mp2", &init.upload_id).await)?;

    let url = c
        .presign(Method::GET, Some(b), Some(key), Duration::from_secs(300), &[], &[])
        .map_err(|e| format!("presign: {e}"))?;
    let http = reqwest::Client::builder().no_proxy().build().map_err(|e| e.to_string())?;
    let resp = http.get(&url).send().await.map_err(|e| format!("presigned GET: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("presigned GET: {e}"))?;
    if status != 200 || body.as_ref() != b"hello world" {
        return Err(format!("presigned GET {url}: {status} {}", String::from_utf8_lossy(&body)));
    }
    println!("  presigned GET: ok");

    let skewed = c
        .request(Method::GET, Some(b), Some(key))
        .date(std::time::SystemTime::now() - Duration::from_secs(3600))
        .send()
        .await;
    expect_code("skewed clock", skewed, "RequestTimeTooSkewed")?;
    let tampered = c.request(Method::GET, Some(b), Some(key)).unsigned_header("x-oss-meta-x", "1").send().await;
    expect_code("tampered header", tampered, "SignatureDoesNotMatch")?;
    let config = c.config().clone();
    let ali = Client::new(
        config
            .addressing(oss_client::Addressing::VirtualHost)
            .host_override(Some(format!("oss-{}.aliyuncs.com", c.config().region()))),
    )
    .map_err(|e| e.to_string())?;
    step("virtual host via Host header", ali.get_object(b, key, &GetObjectOptions::default()).await)?;

    let keys = [key, "copy/1", "big", "mp/é"];
    let del = step("delete_multiple_objects", c.delete_multiple_objects(b, &keys, false, Some("url")).await)?;
    if del.deleted.len() != 4 {
        return Err(format!("deleted {:?}", del.deleted));
    }
    step("delete_object", c.delete_object(b, "already-gone").await)?;
    step("delete_bucket", c.delete_bucket(b).await)?;
    Ok(())
}
