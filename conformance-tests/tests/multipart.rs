//! Multipart upload (fact sheet §6): Initiate, UploadPart, UploadPartCopy, Complete, Abort,
//! ListParts, ListMultipartUploads, plus the document's multipart-copy flow, concurrency,
//! Complete racing Abort, and a restart in the middle of an upload.

use std::time::{Duration, SystemTime};

use conformance_tests::protocol::encoding::percent_decode_lossy;
use conformance_tests::protocol::time::parse_iso8601;
use conformance_tests::protocol::xml::CompletePart;
use conformance_tests::protocol::{crc64, xml};
use conformance_tests::{
    assert_error, assert_error_ec, data, get_body as get, md5_etag, service_error, Client, Error, Method, ServiceError,
    Target,
};
use oss_client::{
    complete_part, content_md5, CompleteMultipartUploadOptions, GetObjectOptions, InitiateMultipartUploadOptions,
    ListMultipartUploadsOptions, ListPartsOptions, PutObjectOptions, UploadPartCopyRequest, UploadPartOptions,
};

const KIB: usize = 1024;
/// The smallest size a part other than the last may have.
const MIN_PART: usize = 102_400;
const BAD_PART_NUMBER: &str = "Part number must be an integer between 1 and 10000, inclusive.";

async fn initiate(client: &Client, bucket: &str, key: &str) -> String {
    let out = client
        .initiate_multipart_upload(bucket, key, &InitiateMultipartUploadOptions::default())
        .await
        .unwrap_or_else(|e| panic!("Initiate {bucket}/{key}: {e}"));
    out.upload_id.clone()
}

/// Uploads a part and checks its ETag and CRC; returns the ETag.
async fn part(client: &Client, bucket: &str, key: &str, id: &str, n: u32, body: &[u8]) -> String {
    let out = client
        .upload_part(bucket, key, id, n, body.to_vec(), &UploadPartOptions::default())
        .await
        .unwrap_or_else(|e| panic!("UploadPart {n} of {key}: {e}"));
    assert_eq!(out.status, 200);
    assert_eq!(out.etag.as_deref(), Some(md5_etag(body).as_str()), "part {n} ETag");
    assert_eq!(out.crc64, Some(crc64::checksum(body)), "part {n} CRC");
    out.etag.clone().unwrap()
}

/// The multipart ETag computed here, independently of the emulator: uppercase hex MD5 over the
/// concatenated uppercase hex part ETags, plus `-N`.
fn multipart_etag(part_etags: &[&str]) -> String {
    use md5::{Digest, Md5};
    let text: String = part_etags.iter().map(|e| e.trim_matches('"').to_ascii_uppercase()).collect();
    let digest = Md5::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
    format!("\"{hex}-{}\"", part_etags.len())
}

fn parts<S: AsRef<str>>(list: &[(u32, S)]) -> Vec<CompletePart> {
    list.iter().map(|(n, e)| complete_part(*n, e.as_ref())).collect()
}

#[track_caller]
fn assert_iso_millis(s: &str) {
    assert_eq!(s.len(), 24, "ISO-8601 with milliseconds: {s:?}");
    assert!(s.ends_with(".000Z"), "{s:?}");
    assert!(parse_iso8601(s).is_some(), "{s:?}");
}

#[track_caller]
fn assert_no_such_upload(err: &ServiceError) {
    assert_error(err, 404, "NoSuchUpload");
}

/// The host of a URL without its first label (`bucket.oss-cn-hangzhou.aliyuncs.com` →
/// `oss-cn-hangzhou.aliyuncs.com`), so the key check does not depend on the endpoint.
fn location_host_tail(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or_default();
    host.split_once('.').map_or(host, |(_, tail)| tail)
}

fn fake_upload_id() -> String {
    format!("{:032X}", rand::random::<u128>())
}

fn text_between<'a>(xml: &'a str, element: &str) -> Option<&'a str> {
    let open = format!("<{element}>");
    let close = format!("</{element}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(&xml[start..end])
}

#[tokio::test]
async fn initiate_result_and_stored_headers() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-init").await;
    let key = "dir/a b&<c>+d.txt";
    let opts = InitiateMultipartUploadOptions {
        object: PutObjectOptions {
            content_type: Some("text/x-multipart".into()),
            cache_control: Some("max-age=5".into()),
            metadata: vec![("color".into(), "blue".into()), ("n".into(), "1".into())],
            acl: Some("public-read".into()),
            storage_class: Some("IA".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let out = client.initiate_multipart_upload(b.name(), key, &opts).await.expect("initiate");
    assert_eq!(out.status, 200);
    assert_eq!(out.bucket, b.name());
    assert_eq!(out.key, key);
    assert_eq!(out.encoding_type, None);
    assert_eq!(out.upload_id.len(), 32, "{:?}", out.upload_id);
    assert!(out.upload_id.bytes().all(|c| c.is_ascii_hexdigit()), "{:?}", out.upload_id);
    let id = out.upload_id.clone();
    let second = initiate(&client, b.name(), key).await;
    assert_ne!(second, id, "every Initiate gets its own id");

    // Nothing exists until Complete; the headers given at Initiate end up on the object.
    let err = service_error(client.head_object(b.name(), key, &GetObjectOptions::default()).await);
    assert_error(&err, 404, "NoSuchKey");
    let body = data(5000, 1);
    part(&client, b.name(), key, &id, 1, &body).await;
    client.complete_multipart_upload_all(b.name(), key, &id, &Default::default()).await.expect("complete");
    let m = client.head_object(b.name(), key, &GetObjectOptions::default()).await.expect("head");
    assert_eq!(m.content_type.as_deref(), Some("text/x-multipart"));
    assert_eq!(m.cache_control.as_deref(), Some("max-age=5"));
    assert_eq!(m.meta("color"), Some("blue"));
    assert_eq!(m.meta("n"), Some("1"));
    assert_eq!(m.object_type.as_deref(), Some("Multipart"));
    assert_eq!(m.content_md5, None, "no Content-MD5 on a Multipart object");
    assert_eq!(m.storage_class.as_deref(), Some("IA"));
    let acl = client.get_object_acl(b.name(), key, None).await.expect("GetObjectAcl");
    assert_eq!(acl.access_control_list.grant, "public-read");
    assert_eq!(get(&client, b.name(), key).await, body);
    client.abort_multipart_upload(b.name(), key, &second).await.expect("the other upload is unaffected");
}

#[tokio::test]
async fn initiate_encoding_type_url() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-init-url").await;
    let key = "dir/a b&<c>+d.txt";
    let resp = client
        .request(Method::POST, Some(b.name()), Some(key))
        .query("uploads", "")
        .query("encoding-type", "url")
        .send()
        .await
        .expect("initiate with encoding-type=url");
    let text = resp.text();
    assert_eq!(text_between(&text, "EncodingType"), Some("url"), "{text}");
    let encoded = text_between(&text, "Key").expect("<Key>");
    assert!(!encoded.contains(' ') && !encoded.contains("&amp;") && !encoded.contains("&lt;"), "{encoded}");
    assert_eq!(percent_decode_lossy(encoded, false), key);
    assert_eq!(text_between(&text, "Bucket"), Some(b.name()));
    // The typed client decodes it back.
    let out = client
        .initiate_multipart_upload(
            b.name(),
            key,
            &InitiateMultipartUploadOptions { encoding_type: Some("url".into()), ..Default::default() },
        )
        .await
        .expect("typed initiate");
    assert_eq!(out.key, key);
    assert_eq!(out.encoding_type.as_deref(), Some("url"));
}

#[tokio::test]
async fn initiate_forbid_overwrite() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-init-fo").await;
    client.put_object(b.name(), "exists", &b"old"[..], &PutObjectOptions::default()).await.expect("put");
    let opts = InitiateMultipartUploadOptions {
        object: PutObjectOptions { forbid_overwrite: Some(true), ..Default::default() },
        ..Default::default()
    };
    let err = service_error(client.initiate_multipart_upload(b.name(), "exists", &opts).await);
    assert_error(&err, 409, "FileAlreadyExists");
    let list = client.list_multipart_uploads(b.name(), &Default::default()).await.expect("list uploads");
    assert!(list.uploads.is_empty(), "{:?}", list.uploads);
    let out = client.initiate_multipart_upload(b.name(), "fresh", &opts).await.expect("forbid on a new key");
    client.abort_multipart_upload(b.name(), "fresh", &out.upload_id).await.expect("abort");
    assert_eq!(get(&client, b.name(), "exists").await, b"old");
}

#[tokio::test]
async fn initiate_validates_headers_and_leaves_existing_object() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-init-val").await;
    client.put_object(b.name(), "k", &b"existing"[..], &PutObjectOptions::default()).await.expect("put");
    let bad_sse = InitiateMultipartUploadOptions {
        object: PutObjectOptions { server_side_encryption: Some("AES128".into()), ..Default::default() },
        ..Default::default()
    };
    let err = service_error(client.initiate_multipart_upload(b.name(), "k", &bad_sse).await);
    assert_error(&err, 400, "InvalidEncryptionAlgorithmError");
    let bad_class = InitiateMultipartUploadOptions {
        object: PutObjectOptions { storage_class: Some("Glacier".into()), ..Default::default() },
        ..Default::default()
    };
    let err = service_error(client.initiate_multipart_upload(b.name(), "k", &bad_class).await);
    assert_error(&err, 400, "InvalidArgument");
    let list = client.list_multipart_uploads(b.name(), &Default::default()).await.expect("list");
    assert!(list.uploads.is_empty(), "{:?}", list.uploads);
    // A pending upload does not touch the object of the same name.
    let id = initiate(&client, b.name(), "k").await;
    part(&client, b.name(), "k", &id, 1, b"replacement").await;
    assert_eq!(get(&client, b.name(), "k").await, b"existing");
    client.abort_multipart_upload(b.name(), "k", &id).await.expect("abort");
    assert_eq!(get(&client, b.name(), "k").await, b"existing");
    // A missing bucket.
    let ghost = target.bucket_name("mp-ghost");
    let err = service_error(client.initiate_multipart_upload(&ghost, "k", &Default::default()).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
    let err = service_error(client.list_multipart_uploads(&ghost, &Default::default()).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
}

#[tokio::test]
async fn multipart_server_side_encryption_and_chunked_parts() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-sse").await;
    let opts = InitiateMultipartUploadOptions {
        object: PutObjectOptions { server_side_encryption: Some("AES256".into()), ..Default::default() },
        ..Default::default()
    };
    let id = client.initiate_multipart_upload(b.name(), "k", &opts).await.expect("initiate").upload_id.clone();
    let p1 = data(MIN_PART, 110);
    let out = client.upload_part(b.name(), "k", &id, 1, p1.clone(), &Default::default()).await.expect("part 1");
    assert_eq!(out.header("x-oss-server-side-encryption"), Some("AES256"), "parts echo the upload's SSE");
    // SSE belongs to Initiate, not to UploadPart.
    let with_sse = UploadPartOptions {
        headers: vec![("x-oss-server-side-encryption".into(), "AES256".into())],
        ..Default::default()
    };
    let err = service_error(client.upload_part(b.name(), "k", &id, 2, &b"x"[..], &with_sse).await);
    assert_error(&err, 400, "InvalidArgument");
    // A chunked part (no Content-Length): the body of a download streamed straight into it.
    let p2 = data(70 * KIB, 111);
    client.put_object(b.name(), "staging", p2.clone(), &PutObjectOptions::default()).await.expect("put staging");
    let download = client
        .request(Method::GET, Some(b.name()), Some("staging"))
        .send_streaming()
        .await
        .expect("streaming GET")
        .into_stream();
    let out = client
        .upload_part_stream(b.name(), "k", &id, 2, download, None, &Default::default())
        .await
        .expect("chunked part");
    assert_eq!(out.etag.as_deref(), Some(md5_etag(&p2).as_str()));
    assert_eq!(out.crc64, Some(crc64::checksum(&p2)));
    let out = client.complete_multipart_upload_all(b.name(), "k", &id, &Default::default()).await.expect("complete");
    assert_eq!(out.header("x-oss-server-side-encryption"), Some("AES256"));
    let m = client.head_object(b.name(), "k", &GetObjectOptions::default()).await.expect("head");
    assert_eq!(m.server_side_encryption.as_deref(), Some("AES256"));
    assert_eq!(get(&client, b.name(), "k").await, [p1, p2].concat());
}

#[tokio::test]
async fn upload_part_number_bounds() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-pn").await;
    let id = initiate(&client, b.name(), "k").await;
    for n in [0u32, 10_001] {
        let err =
            service_error(client.upload_part(b.name(), "k", &id, n, &b"x"[..], &UploadPartOptions::default()).await);
        assert_error(&err, 400, "InvalidArgument");
        assert_eq!(err.message, BAD_PART_NUMBER, "part {n}");
    }
    part(&client, b.name(), "k", &id, 1, b"one").await;
    part(&client, b.name(), "k", &id, 10_000, b"ten thousand").await;
    let listed = client.list_parts(b.name(), "k", &id, &Default::default()).await.expect("ListParts");
    let numbers: Vec<u32> = listed.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 10_000]);
    client.abort_multipart_upload(b.name(), "k", &id).await.expect("abort");
}

#[tokio::test]
async fn upload_part_digest_overwrite_and_small_parts() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-part").await;
    let id = initiate(&client, b.name(), "k").await;
    let p1 = data(64 * KIB, 1);
    let p2 = data(64 * KIB, 2);

    // A Content-MD5 that does not match the body.
    let opts = UploadPartOptions { content_md5: Some(content_md5(b"something else")), ..Default::default() };
    let err = service_error(client.upload_part(b.name(), "k", &id, 1, p1.clone(), &opts).await);
    assert_error(&err, 400, "InvalidDigest");
    let listed = client.list_parts(b.name(), "k", &id, &Default::default()).await.expect("ListParts");
    assert!(listed.parts.is_empty(), "a refused part is not stored: {:?}", listed.parts);

    // The right Content-MD5 is accepted; 64 KiB parts upload fine (the minimum is a Complete rule).
    let opts = UploadPartOptions { content_md5: Some(content_md5(&p1)), ..Default::default() };
    let out = client.upload_part(b.name(), "k", &id, 1, p1.clone(), &opts).await.expect("part 1 with MD5");
    assert_eq!(out.etag.as_deref(), Some(md5_etag(&p1).as_str()));
    let e2 = part(&client, b.name(), "k", &id, 2, &p2).await;
    let etag = out.etag.clone().unwrap();
    let hex = etag.trim_matches('"');
    assert_eq!(hex.len(), 32);
    assert!(hex.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "uppercase hex: {etag}");

    // Re-uploading a number replaces the part.
    let p1b = data(MIN_PART, 3);
    let e1b = part(&client, b.name(), "k", &id, 1, &p1b).await;
    let listed = client.list_parts(b.name(), "k", &id, &Default::default()).await.expect("ListParts");
    assert_eq!(listed.parts.len(), 2);
    assert_eq!(listed.parts[0].part_number, 1);
    assert_eq!(listed.parts[0].etag, e1b);
    assert_eq!(listed.parts[0].size, MIN_PART as u64);
    assert_eq!(listed.parts[0].hash_crc64ecma, Some(crc64::checksum(&p1b)));
    // The old part 1's ETag no longer completes.
    let err = service_error(
        client
            .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &etag), (2, &e2)]), &Default::default())
            .await,
    );
    assert_error(&err, 400, "InvalidPart");
    client
        .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e1b), (2, &e2)]), &Default::default())
        .await
        .expect("complete with the new part 1");
    assert_eq!(get(&client, b.name(), "k").await, [p1b, p2].concat());
}

#[tokio::test]
async fn upload_part_copy_ranges() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-upc").await;
    let src = data(300 * KIB, 4);
    client.put_object(b.name(), "src", src.clone(), &PutObjectOptions::default()).await.expect("put source");
    let id = initiate(&client, b.name(), "dst").await;
    let n = src.len();
    // (range header, expected bytes)
    let cases: Vec<(Option<&str>, &[u8])> = vec![
        (Some("bytes=0-102399"), &src[..102_400]),
        (Some("bytes=102400-"), &src[102_400..]),
        (None, &src[..]),
        (Some("bytes=abc"), &src[..]),
        (Some("items=0-9"), &src[..]),
        (Some("bytes=1000-105399"), &src[1000..105_400]),
        (Some("bytes=-1000"), &src[n - 1000..]),
    ];
    // Allow for the clock skew OSS itself tolerates.
    let before = SystemTime::now() - Duration::from_secs(900);
    let mut etags = Vec::new();
    for (i, (range, expected)) in cases.iter().enumerate() {
        let number = i as u32 + 1;
        let req = UploadPartCopyRequest {
            range: range.map(str::to_owned),
            ..UploadPartCopyRequest::new(b.name(), "src", b.name(), "dst", &id, number)
        };
        let out = client.upload_part_copy(&req).await.unwrap_or_else(|e| panic!("{range:?}: {e}"));
        assert_eq!(out.status, 200);
        assert_eq!(out.data.etag, md5_etag(expected), "{range:?}: <ETag>");
        assert_eq!(out.etag(), Some(out.data.etag.as_str()), "{range:?}: ETag header");
        assert_iso_millis(&out.data.last_modified);
        assert!(parse_iso8601(&out.data.last_modified).unwrap() >= before);
        // The V2 SDK's Copier reads Content-Range when the service sends it.
        if let Some(range) = out.header("content-range") {
            let first = expected.as_ptr() as usize - src.as_ptr() as usize;
            let want = format!("bytes {}-{}/{}", first, first + expected.len() - 1, n);
            assert_eq!(range, want, "{range:?}");
        }
        etags.push(out.data.etag.clone());
    }
    let listed = client.list_parts(b.name(), "dst", &id, &Default::default()).await.expect("ListParts");
    let sizes: Vec<u64> = listed.parts.iter().map(|p| p.size).collect();
    let expected_sizes: Vec<u64> = cases.iter().map(|(_, e)| e.len() as u64).collect();
    assert_eq!(sizes, expected_sizes);
    for (p, (_, expected)) in listed.parts.iter().zip(&cases) {
        assert_eq!(p.hash_crc64ecma, Some(crc64::checksum(expected)), "part {}", p.part_number);
    }
    let list: Vec<(u32, &str)> = etags.iter().enumerate().map(|(i, e)| (i as u32 + 1, e.as_str())).collect();
    let out = client
        .complete_multipart_upload(b.name(), "dst", &id, &parts(&list), &Default::default())
        .await
        .expect("complete");
    let all: Vec<u8> = cases.iter().flat_map(|(_, e)| e.iter().copied()).collect();
    let refs: Vec<&str> = etags.iter().map(String::as_str).collect();
    assert_eq!(out.data.etag, multipart_etag(&refs));
    assert_eq!(out.crc64().unwrap(), Some(crc64::checksum(&all)));
    assert_eq!(get(&client, b.name(), "dst").await, all);
}

#[tokio::test]
async fn upload_part_copy_conditions() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-upc-cond").await;
    let src = data(10 * KIB, 5);
    let put = client.put_object(b.name(), "src", src.clone(), &PutObjectOptions::default()).await.expect("put");
    let etag = put.etag.clone().unwrap();
    let modified =
        client.head_object(b.name(), "src", &GetObjectOptions::default()).await.unwrap().last_modified.unwrap();
    let hour = Duration::from_secs(3600);
    let id = initiate(&client, b.name(), "dst").await;
    let base = || UploadPartCopyRequest::new(b.name(), "src", b.name(), "dst", &id, 1);
    let failing: Vec<(UploadPartCopyRequest, u16)> = vec![
        (UploadPartCopyRequest { if_match: Some("\"0123456789ABCDEF0123456789ABCDEF\"".into()), ..base() }, 412),
        (UploadPartCopyRequest { if_none_match: Some(etag.clone()), ..base() }, 304),
        (UploadPartCopyRequest { if_unmodified_since: Some(modified - hour), ..base() }, 412),
        (UploadPartCopyRequest { if_modified_since: Some(modified), ..base() }, 304),
    ];
    for (req, status) in failing {
        let err = service_error(client.upload_part_copy(&req).await);
        if status == 412 {
            assert_error(&err, 412, "PreconditionFailed");
        } else {
            assert_eq!(err.status.as_u16(), 304, "{err:?}");
            assert!(err.body.is_empty());
        }
    }
    let listed = client.list_parts(b.name(), "dst", &id, &Default::default()).await.expect("ListParts");
    assert!(listed.parts.is_empty(), "failed conditions store nothing: {:?}", listed.parts);
    let holding = vec![
        UploadPartCopyRequest { if_match: Some(etag.clone()), ..base() },
        UploadPartCopyRequest { if_none_match: Some("\"00000000000000000000000000000000\"".into()), ..base() },
        UploadPartCopyRequest { if_unmodified_since: Some(modified), ..base() },
        UploadPartCopyRequest { if_modified_since: Some(modified - hour), ..base() },
    ];
    for (i, mut req) in holding.into_iter().enumerate() {
        req.part_number = i as u32 + 1;
        let out = client.upload_part_copy(&req).await.unwrap_or_else(|e| panic!("holding case {i}: {e}"));
        assert_eq!(out.data.etag, etag);
    }
    let listed = client.list_parts(b.name(), "dst", &id, &Default::default()).await.expect("ListParts");
    assert_eq!(listed.parts.len(), 4);
    client.abort_multipart_upload(b.name(), "dst", &id).await.expect("abort");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the emulator's choice, unconfirmed on real OSS")]
async fn upload_part_copy_range_out_of_bounds() {
    let target = Target::start().await;
    // Unconfirmed for native OSS (fact sheet §10.3): the emulator's documented choice.
    target.require_emulator();
    let client = target.client();
    let b = target.bucket("mp-upc-oob").await;
    client.put_object(b.name(), "src", data(1000, 6), &PutObjectOptions::default()).await.expect("put");
    let id = initiate(&client, b.name(), "dst").await;
    for range in ["bytes=0-1000", "bytes=1000-", "bytes=999-2000"] {
        let req = UploadPartCopyRequest {
            range: Some(range.into()),
            ..UploadPartCopyRequest::new(b.name(), "src", b.name(), "dst", &id, 1)
        };
        let err = service_error(client.upload_part_copy(&req).await);
        assert_error(&err, 400, "InvalidArgument");
        assert_eq!(err.message, "The specified copy source range is not valid for the source object.", "{range}");
        assert_eq!(err.extra("ArgumentName"), Some("x-oss-copy-source-range"));
    }
    // The last byte exactly is fine.
    let req = UploadPartCopyRequest {
        range: Some("bytes=999-999".into()),
        ..UploadPartCopyRequest::new(b.name(), "src", b.name(), "dst", &id, 1)
    };
    let out = client.upload_part_copy(&req).await.expect("last byte");
    assert_eq!(out.data.etag, md5_etag(&data(1000, 6)[999..]));
}

#[tokio::test]
async fn complete_part_order_and_gaps() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-order").await;
    let id = initiate(&client, b.name(), "k").await;
    let bodies: Vec<Vec<u8>> = (0..3).map(|i| data(MIN_PART, 10 + i)).collect();
    let mut e = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        e.push(part(&client, b.name(), "k", &id, i as u32 + 1, body).await);
    }
    for (what, list) in [
        ("descending", vec![(2, e[1].as_str()), (1, e[0].as_str())]),
        ("duplicate", vec![(1, e[0].as_str()), (1, e[0].as_str()), (2, e[1].as_str())]),
        ("descending later", vec![(1, e[0].as_str()), (3, e[2].as_str()), (2, e[1].as_str())]),
    ] {
        let err = service_error(
            client.complete_multipart_upload(b.name(), "k", &id, &parts(&list), &Default::default()).await,
        );
        assert_error(&err, 400, "InvalidPartOrder");
        assert_eq!(
            err.message,
            "The list of parts was not in ascending order. Parts list must specified in order by part number.",
            "{what}"
        );
    }
    // Failed Completes leave the upload intact; a gap is fine and part 2 is dropped.
    let out = client
        .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e[0]), (3, &e[2])]), &Default::default())
        .await
        .expect("complete 1 and 3");
    assert_eq!(out.data.etag, multipart_etag(&[&e[0], &e[2]]));
    assert_eq!(get(&client, b.name(), "k").await, [bodies[0].clone(), bodies[2].clone()].concat());
    let err = service_error(client.list_parts(b.name(), "k", &id, &Default::default()).await);
    assert_no_such_upload(&err);
}

#[tokio::test]
async fn complete_invalid_part_and_etag_forms() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-invpart").await;
    let id = initiate(&client, b.name(), "k").await;
    let p1 = data(MIN_PART, 20);
    let p2 = data(3000, 21);
    let e1 = part(&client, b.name(), "k", &id, 1, &p1).await;
    let e2 = part(&client, b.name(), "k", &id, 2, &p2).await;
    let wrong = md5_etag(b"not the part");
    for (what, list) in [
        ("wrong ETag", vec![(1, e1.as_str()), (2, wrong.as_str())]),
        ("part never uploaded", vec![(1, e1.as_str()), (2, e2.as_str()), (7, e2.as_str())]),
        ("ETag of another part", vec![(1, e2.as_str()), (2, e2.as_str())]),
    ] {
        let err = service_error(
            client.complete_multipart_upload(b.name(), "k", &id, &parts(&list), &Default::default()).await,
        );
        assert_error(&err, 400, "InvalidPart");
        assert_eq!(
            err.message,
            "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
            "{what}"
        );
    }
    // Quotes written as XML character references (Go v2) are quotes.
    let body = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&#34;{}&#34;</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>&quot;{}&quot;</ETag></Part></CompleteMultipartUpload>",
        e1.trim_matches('"'),
        e2.trim_matches('"')
    );
    let id2 = initiate(&client, b.name(), "k2").await;
    let f1 = part(&client, b.name(), "k2", &id2, 1, &p1).await;
    let f2 = part(&client, b.name(), "k2", &id2, 2, &p2).await;
    assert_eq!((&f1, &f2), (&e1, &e2));
    let resp = client
        .request(Method::POST, Some(b.name()), Some("k2"))
        .query("uploadId", &id2)
        .body(body)
        .send()
        .await
        .expect("complete with &#34;-quoted ETags");
    assert_eq!(resp.header("etag"), Some(multipart_etag(&[&e1, &e2]).as_str()));
    assert_eq!(get(&client, b.name(), "k2").await, [p1.clone(), p2.clone()].concat());
    // ETags without quotes and in lowercase are the same ETags.
    let bare1 = e1.trim_matches('"').to_ascii_lowercase();
    let bare2 = e2.trim_matches('"').to_owned();
    let out = client
        .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &bare1), (2, &bare2)]), &Default::default())
        .await
        .expect("complete with bare ETags");
    assert_eq!(out.data.etag, multipart_etag(&[&e1, &e2]));
    assert_eq!(get(&client, b.name(), "k").await, [p1, p2].concat());
}

#[tokio::test]
async fn complete_malformed_body_and_digest() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-malformed").await;
    let id = initiate(&client, b.name(), "k").await;
    let e = part(&client, b.name(), "k", &id, 1, b"only part").await;
    let raw = |body: String| client.request(Method::POST, Some(b.name()), Some("k")).query("uploadId", &id).body(body);
    for body in [
        "this is not XML".to_owned(),
        "<Delete><Object><Key>k</Key></Object></Delete>".to_owned(),
        format!("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{e}</ETag></Part>"),
    ] {
        let err = raw(body.clone()).send_raw().await.expect("transport").into_service_error();
        assert_error(&err, 400, "MalformedXML");
        assert_eq!(
            err.message, "The XML you provided was not well-formed or did not validate against our published schema.",
            "{body}"
        );
    }
    // A Content-MD5 that does not match the body.
    let body = xml::to_xml("CompleteMultipartUpload", &xml::CompleteMultipartUpload { parts: parts(&[(1, &e)]) });
    let err = raw(body.clone())
        .header("content-md5", content_md5(b"another body"))
        .send_raw()
        .await
        .expect("transport")
        .into_service_error();
    assert_error(&err, 400, "InvalidDigest");
    // The right one (as ali-oss sends it) is accepted; the upload survived the refusals.
    let opts = CompleteMultipartUploadOptions { content_md5: true, ..Default::default() };
    let out = client.complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e)]), &opts).await.expect("complete");
    assert_eq!(out.data.etag, multipart_etag(&[&e]));
    assert_eq!(get(&client, b.name(), "k").await, b"only part");
}

#[tokio::test]
async fn upload_part_copy_bad_or_missing_source() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-upc-bad").await;
    client.put_object(b.name(), "src", &b"source"[..], &PutObjectOptions::default()).await.expect("put");
    let id = initiate(&client, b.name(), "dst").await;
    let name = b.name();
    for source in [format!("{name}/src"), format!("/{name}"), format!("/{name}/")] {
        let err = client
            .request(Method::PUT, Some(name), Some("dst"))
            .query("partNumber", "1")
            .query("uploadId", &id)
            .header("x-oss-copy-source", &source)
            .send_raw()
            .await
            .expect("transport")
            .into_service_error();
        assert_error(&err, 400, "InvalidArgument");
        assert_eq!(err.message, "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.");
        assert!(matches!(err.ec.as_deref(), Some("0042-00000301" | "0042-00000302")), "{source}: {:?}", err.ec);
    }
    let err = service_error(
        client.upload_part_copy(&UploadPartCopyRequest::new(name, "no-such-key", name, "dst", &id, 1)).await,
    );
    assert_error_ec(&err, 404, "NoSuchKey", "0026-00000001");
    let ghost = target.bucket_name("mp-ghost");
    let err =
        service_error(client.upload_part_copy(&UploadPartCopyRequest::new(&ghost, "src", name, "dst", &id, 1)).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
    for n in [0u32, 10_001] {
        let err =
            service_error(client.upload_part_copy(&UploadPartCopyRequest::new(name, "src", name, "dst", &id, n)).await);
        assert_error(&err, 400, "InvalidArgument");
        assert_eq!(err.message, BAD_PART_NUMBER);
    }
    let listed = client.list_parts(name, "dst", &id, &Default::default()).await.expect("ListParts");
    assert!(listed.parts.is_empty(), "{:?}", listed.parts);
    client.abort_multipart_upload(name, "dst", &id).await.expect("abort");
}

#[tokio::test]
async fn complete_entity_too_small() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-small").await;
    let id = initiate(&client, b.name(), "k").await;
    let small = data(MIN_PART - 1, 30);
    let last = data(10, 31);
    let e1 = part(&client, b.name(), "k", &id, 1, &small).await;
    let e2 = part(&client, b.name(), "k", &id, 2, &last).await;
    let err = service_error(
        client.complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e1), (2, &e2)]), &Default::default()).await,
    );
    assert_error(&err, 400, "EntityTooSmall");
    let err = service_error(client.complete_multipart_upload_all(b.name(), "k", &id, &Default::default()).await);
    assert_error(&err, 400, "EntityTooSmall");
    // Exactly 102400 bytes is enough; the last part may be tiny; a small part alone is the last.
    let big_enough = data(MIN_PART, 32);
    let e1 = part(&client, b.name(), "k", &id, 1, &big_enough).await;
    let out = client
        .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e1), (2, &e2)]), &Default::default())
        .await
        .expect("102400 + 10");
    assert_eq!(out.data.etag, multipart_etag(&[&e1, &e2]));
    assert_eq!(get(&client, b.name(), "k").await, [big_enough, last].concat());

    let id = initiate(&client, b.name(), "single").await;
    let e = part(&client, b.name(), "single", &id, 1, &small).await;
    client
        .complete_multipart_upload(b.name(), "single", &id, &parts(&[(1, &e)]), &Default::default())
        .await
        .expect("one small part is the last part");
    assert_eq!(get(&client, b.name(), "single").await, small);
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs adjusted emulator limits")]
async fn complete_min_part_size_scaled() {
    let target =
        Target::start_with(|b| b.limits(oss_emulator::Limits { min_part_size: 1024, ..Default::default() })).await;
    target.require_emulator();
    let client = target.client();
    let b = target.bucket("mp-scaled").await;
    let id = initiate(&client, b.name(), "k").await;
    let bodies = [data(2048, 1), data(1024, 2), data(1023, 3), data(5, 4)];
    let mut e = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        e.push(part(&client, b.name(), "k", &id, i as u32 + 1, body).await);
    }
    let err = service_error(
        client
            .complete_multipart_upload(
                b.name(),
                "k",
                &id,
                &parts(&[(1, &e[0]), (3, &e[2]), (4, &e[3])]),
                &Default::default(),
            )
            .await,
    );
    assert_error(&err, 400, "EntityTooSmall");
    assert_eq!(err.extra("PartNumber"), Some("3"));
    assert_eq!(err.extra("MinSizeAllowed"), Some("1024"));
    client
        .complete_multipart_upload(
            b.name(),
            "k",
            &id,
            &parts(&[(1, &e[0]), (2, &e[1]), (3, &e[2])]),
            &Default::default(),
        )
        .await
        .expect("1023 bytes is fine as the last part");
    assert_eq!(get(&client, b.name(), "k").await, [bodies[0].clone(), bodies[1].clone(), bodies[2].clone()].concat());
}

#[tokio::test]
async fn complete_all_header() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-all").await;
    let id = initiate(&client, b.name(), "k").await;
    let p1 = data(MIN_PART, 40);
    let p3 = data(777, 41);
    // Uploaded out of order, with a gap: complete-all sorts by number.
    let e3 = part(&client, b.name(), "k", &id, 3, &p3).await;
    let e1 = part(&client, b.name(), "k", &id, 1, &p1).await;

    // Header and body together.
    let body =
        xml::to_xml("CompleteMultipartUpload", &xml::CompleteMultipartUpload { parts: parts(&[(1, &e1), (3, &e3)]) });
    let resp = client
        .request(Method::POST, Some(b.name()), Some("k"))
        .query("uploadId", &id)
        .header("x-oss-complete-all", "yes")
        .body(body)
        .send_raw()
        .await
        .expect("transport");
    let err = resp.into_service_error();
    assert_error_ec(&err, 400, "InvalidArgument", "0042-00000216");
    assert_eq!(err.message, "Should not speficy both complete all header and http body.");
    assert_eq!(err.extra("ArgumentName"), Some("x-oss-complete-all"));
    assert_eq!(err.extra("ArgumentValue"), Some("yes"));

    let out =
        client.complete_multipart_upload_all(b.name(), "k", &id, &Default::default()).await.expect("complete all");
    assert_eq!(out.data.etag, multipart_etag(&[&e1, &e3]));
    assert_eq!(out.etag(), Some(out.data.etag.as_str()));
    let all = [p1, p3].concat();
    assert_eq!(out.crc64().unwrap(), Some(crc64::checksum(&all)));
    assert_eq!(get(&client, b.name(), "k").await, all);
}

/// An empty part list completes an upload without parts as a 0-byte object (the Java SDK's live
/// test); for an upload that has parts it is refused, and the parts stay: a list the server
/// could not read (wrong case, wrong wrapper) must never discard what was uploaded.
#[tokio::test]
async fn complete_empty_list() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-empty").await;
    let id = initiate(&client, b.name(), "k").await;
    let out = client.complete_multipart_upload(b.name(), "k", &id, &[], &Default::default()).await.expect("empty list");
    assert_eq!(out.status, 200);
    assert_eq!(out.crc64().unwrap(), Some(0));
    let m = client.head_object(b.name(), "k", &GetObjectOptions::default()).await.expect("head");
    assert_eq!(m.content_length, Some(0));
    assert_eq!(m.object_type.as_deref(), Some("Multipart"));
    assert_eq!(m.etag.as_deref(), Some(out.data.etag.as_str()));
    assert_eq!(get(&client, b.name(), "k").await, b"");

    let id = initiate(&client, b.name(), "kept").await;
    let e1 = part(&client, b.name(), "kept", &id, 1, b"precious").await;
    let unreadable = [
        "<CompleteMultipartUpload></CompleteMultipartUpload>".to_owned(),
        format!("<CompleteMultipartUpload><part><PartNumber>1</PartNumber><ETag>{e1}</ETag></part></CompleteMultipartUpload>"),
        format!("<CompleteMultipartUpload><Parts><PartNumber>1</PartNumber><ETag>{e1}</ETag></Parts></CompleteMultipartUpload>"),
        format!("<CompleteUpload><Part><PartNumber>1</PartNumber><ETag>{e1}</ETag></Part></CompleteUpload>"),
    ];
    for body in unreadable {
        let resp = client
            .request(Method::POST, Some(b.name()), Some("kept"))
            .query("uploadId", &id)
            .body(body.clone())
            .send_raw()
            .await
            .expect("transport");
        assert_error(&resp.into_service_error(), 400, "MalformedXML");
        let listed = client.list_parts(b.name(), "kept", &id, &Default::default()).await.expect("still pending");
        assert_eq!(listed.data.parts.len(), 1, "{body}");
    }
    client
        .complete_multipart_upload(b.name(), "kept", &id, &parts(&[(1, &e1)]), &Default::default())
        .await
        .expect("complete");
    assert_eq!(get(&client, b.name(), "kept").await, b"precious");

    // "Complete all" with nothing uploaded is refused too, and the upload stays.
    let id = initiate(&client, b.name(), "none").await;
    let err = service_error(client.complete_multipart_upload_all(b.name(), "none", &id, &Default::default()).await);
    assert_error(&err, 400, "InvalidPart");
    client.list_parts(b.name(), "none", &id, &Default::default()).await.expect("still pending");
}

/// Complete takes `x-oss-object-acl`, and it wins over Initiate's.
#[tokio::test]
async fn complete_sets_object_acl() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-acl").await;
    let id = initiate(&client, b.name(), "k").await;
    let e1 = part(&client, b.name(), "k", &id, 1, b"x").await;
    let opts =
        oss_client::CompleteMultipartUploadOptions { object_acl: Some("public-read".into()), ..Default::default() };
    client.complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e1)]), &opts).await.expect("complete");
    let acl = client.get_object_acl(b.name(), "k", None).await.expect("acl");
    assert_eq!(acl.data.access_control_list.grant, "public-read");
    let anonymous = target.anonymous();
    assert_eq!(get(&anonymous, b.name(), "k").await, b"x");
}

#[tokio::test]
async fn complete_encoding_type_url() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-c-url").await;
    let key = "sub dir/a&b<c>.txt";
    let id = initiate(&client, b.name(), key).await;
    let e = part(&client, b.name(), key, &id, 1, b"tiny").await;
    let body = xml::to_xml("CompleteMultipartUpload", &xml::CompleteMultipartUpload { parts: parts(&[(1, &e)]) });
    let resp = client
        .request(Method::POST, Some(b.name()), Some(key))
        .query("uploadId", &id)
        .query("encoding-type", "url")
        .body(body)
        .send()
        .await
        .expect("complete with encoding-type=url");
    let text = resp.text();
    assert_eq!(text_between(&text, "EncodingType"), Some("url"), "{text}");
    let encoded = text_between(&text, "Key").expect("<Key>");
    assert!(!encoded.contains(' ') && !encoded.contains("&amp;"), "{encoded}");
    assert_eq!(percent_decode_lossy(encoded, false), key);
    assert_eq!(get(&client, b.name(), key).await, b"tiny");
}

#[tokio::test]
async fn complete_forbid_overwrite() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-c-fo").await;
    client.put_object(b.name(), "k", &b"old"[..], &PutObjectOptions::default()).await.expect("put");
    let id = initiate(&client, b.name(), "k").await;
    let e = part(&client, b.name(), "k", &id, 1, b"new").await;
    let forbid = CompleteMultipartUploadOptions { forbid_overwrite: Some(true), ..Default::default() };
    let err = service_error(client.complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e)]), &forbid).await);
    assert_error(&err, 409, "FileAlreadyExists");
    assert_eq!(get(&client, b.name(), "k").await, b"old");
    // The upload survives the refusal.
    let listed = client.list_parts(b.name(), "k", &id, &Default::default()).await.expect("ListParts");
    assert_eq!(listed.parts.len(), 1);
    client
        .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e)]), &Default::default())
        .await
        .expect("complete without forbid");
    assert_eq!(get(&client, b.name(), "k").await, b"new");
    // Onto a key that does not exist, forbid-overwrite is harmless.
    let id = initiate(&client, b.name(), "fresh").await;
    let e = part(&client, b.name(), "fresh", &id, 1, b"fresh").await;
    client.complete_multipart_upload(b.name(), "fresh", &id, &parts(&[(1, &e)]), &forbid).await.expect("fresh key");
}

#[tokio::test]
async fn complete_result_shape() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-result").await;
    let key = "dir/obj ü.bin";
    let id = initiate(&client, b.name(), key).await;
    let bodies = [data(MIN_PART, 50), data(MIN_PART + 1, 51), data(50 * KIB, 52)];
    let mut etags = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        etags.push(part(&client, b.name(), key, &id, i as u32 + 1, body).await);
    }
    let list: Vec<(u32, &str)> = etags.iter().enumerate().map(|(i, e)| (i as u32 + 1, e.as_str())).collect();
    let out = client
        .complete_multipart_upload(b.name(), key, &id, &parts(&list), &Default::default())
        .await
        .expect("complete");
    let all = bodies.concat();
    let refs: Vec<&str> = etags.iter().map(String::as_str).collect();
    let expected_etag = multipart_etag(&refs);
    assert!(expected_etag.ends_with("-3\""), "{expected_etag}");
    assert_eq!(out.status, 200);
    assert_eq!(out.data.etag, expected_etag, "<ETag>");
    assert_eq!(out.etag(), Some(expected_etag.as_str()), "ETag header");
    assert_eq!(out.data.bucket, b.name());
    assert_eq!(out.data.key, key);
    assert_eq!(out.data.encoding_type, None);
    let location = &out.data.location;
    assert!(location.starts_with("http://") || location.starts_with("https://"), "{location}");
    assert!(location.contains(&format!("//{}.", b.name())), "Location names the bucket host: {location}");
    assert!(
        percent_decode_lossy(location, false).ends_with(&format!(".{}/{key}", location_host_tail(location))),
        "Location is <scheme>://<bucket>.<endpoint>/<key>: {location}"
    );
    assert_eq!(out.crc64().unwrap(), Some(crc64::checksum(&all)));

    let m = client.head_object(b.name(), key, &GetObjectOptions::default()).await.expect("head");
    assert_eq!(m.object_type.as_deref(), Some("Multipart"));
    assert_eq!(m.etag.as_deref(), Some(expected_etag.as_str()));
    assert_eq!(m.content_length, Some(all.len() as u64));
    assert_eq!(m.crc64, Some(crc64::checksum(&all)));
    assert_eq!(get(&client, b.name(), key).await, all);
    // Complete ends the upload.
    let err =
        service_error(client.complete_multipart_upload(b.name(), key, &id, &parts(&list), &Default::default()).await);
    assert_no_such_upload(&err);
}

#[tokio::test]
async fn abort_then_everything_is_no_such_upload() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-abort").await;
    let id = initiate(&client, b.name(), "k").await;
    let keep = initiate(&client, b.name(), "k").await;
    let e = part(&client, b.name(), "k", &id, 1, b"part").await;
    client.put_object(b.name(), "src", &b"copy me"[..], &PutObjectOptions::default()).await.expect("put");

    let out = client.abort_multipart_upload(b.name(), "k", &id).await.expect("abort");
    assert_eq!(out.status, 204);
    let err = service_error(client.upload_part(b.name(), "k", &id, 2, &b"late"[..], &Default::default()).await);
    assert_no_such_upload(&err);
    let err = service_error(
        client.upload_part_copy(&UploadPartCopyRequest::new(b.name(), "src", b.name(), "k", &id, 2)).await,
    );
    assert_no_such_upload(&err);
    let err = service_error(client.list_parts(b.name(), "k", &id, &Default::default()).await);
    assert_no_such_upload(&err);
    let err = service_error(
        client.complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e)]), &Default::default()).await,
    );
    assert_no_such_upload(&err);
    let err = service_error(client.abort_multipart_upload(b.name(), "k", &id).await);
    assert_no_such_upload(&err);
    let err = service_error(client.head_object(b.name(), "k", &GetObjectOptions::default()).await);
    assert_error(&err, 404, "NoSuchKey");
    let list = client.list_multipart_uploads(b.name(), &Default::default()).await.expect("list");
    let ids: Vec<&str> = list.uploads.iter().map(|u| u.upload_id.as_str()).collect();
    assert_eq!(ids, [keep.as_str()], "only the other upload is left");
    client.abort_multipart_upload(b.name(), "k", &keep).await.expect("abort the other");
}

#[tokio::test]
async fn unknown_upload_id_everywhere() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-unknown").await;
    client.put_object(b.name(), "src", &b"copy me"[..], &PutObjectOptions::default()).await.expect("put");
    let real = initiate(&client, b.name(), "real-key").await;
    // A made-up id, a malformed one, and a real id used with another key.
    for (key, id) in [("k", fake_upload_id()), ("k", "not-an-id".to_owned()), ("other-key", real.clone())] {
        let err = service_error(client.upload_part(b.name(), key, &id, 1, &b"x"[..], &Default::default()).await);
        assert_no_such_upload(&err);
        let req = UploadPartCopyRequest::new(b.name(), "src", b.name(), key, &id, 1);
        let err = service_error(client.upload_part_copy(&req).await);
        assert_no_such_upload(&err);
        let err = service_error(client.list_parts(b.name(), key, &id, &Default::default()).await);
        assert_no_such_upload(&err);
        let err = service_error(client.complete_multipart_upload(b.name(), key, &id, &[], &Default::default()).await);
        assert_no_such_upload(&err);
        let err = service_error(client.complete_multipart_upload_all(b.name(), key, &id, &Default::default()).await);
        assert_no_such_upload(&err);
        let err = service_error(client.abort_multipart_upload(b.name(), key, &id).await);
        assert_no_such_upload(&err);
    }
    let listed = client.list_parts(b.name(), "real-key", &real, &Default::default()).await.expect("still there");
    assert!(listed.parts.is_empty());
}

#[tokio::test]
async fn list_parts_paging() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-lp").await;
    let key = "a<b>&c\"d'e.txt";
    let id = initiate(&client, b.name(), key).await;
    let bodies: Vec<Vec<u8>> = (0..5).map(|i| data(1000 + i * 10, 60 + i as u64)).collect();
    for n in [3u32, 1, 5, 2, 4] {
        part(&client, b.name(), key, &id, n, &bodies[n as usize - 1]).await;
    }
    // Keys are XML-escaped in the raw answer.
    let resp = client
        .request(Method::GET, Some(b.name()), Some(key))
        .query("uploadId", &id)
        .send()
        .await
        .expect("raw ListParts");
    let text = resp.text();
    assert!(text.contains("a&lt;b") && text.contains("&amp;c"), "{text}");

    let mut marker = None;
    let mut pages = Vec::new();
    loop {
        let opts = ListPartsOptions { max_parts: Some(2), part_number_marker: marker, ..Default::default() };
        let page = client.list_parts(b.name(), key, &id, &opts).await.expect("ListParts page");
        assert_eq!(page.key, key);
        assert_eq!(page.bucket, b.name());
        assert_eq!(page.upload_id, id);
        assert_eq!(page.max_parts, 2);
        let numbers: Vec<u32> = page.parts.iter().map(|p| p.part_number).collect();
        assert_eq!(page.next_part_number_marker, numbers.last().unwrap().to_string(), "present on every page");
        for p in &page.parts {
            let body = &bodies[p.part_number as usize - 1];
            assert_eq!(p.etag, md5_etag(body));
            assert_eq!(p.size, body.len() as u64);
            assert_eq!(p.hash_crc64ecma, Some(crc64::checksum(body)));
            assert_iso_millis(&p.last_modified);
        }
        pages.push((numbers, page.is_truncated));
        if !page.is_truncated {
            break;
        }
        marker = Some(page.next_part_number_marker.parse().expect("numeric marker"));
    }
    assert_eq!(pages, [(vec![1, 2], true), (vec![3, 4], true), (vec![5], false)]);
    // A marker past everything: empty and not truncated.
    let opts = ListPartsOptions { part_number_marker: Some(5), ..Default::default() };
    let page = client.list_parts(b.name(), key, &id, &opts).await.expect("past the end");
    assert!(page.parts.is_empty());
    assert!(!page.is_truncated);
    // Default page: everything, MaxParts 1000.
    let page = client.list_parts(b.name(), key, &id, &Default::default()).await.expect("default");
    assert_eq!(page.max_parts, 1000);
    assert_eq!(page.parts.len(), 5);
    assert_eq!(page.next_part_number_marker, "5");
    client.abort_multipart_upload(b.name(), key, &id).await.expect("abort");
}

#[tokio::test]
async fn list_multipart_uploads_paging_prefix_delimiter() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-lmu").await;
    let mut all = Vec::new();
    for key in ["a/1", "a/2", "b/1", "b/1", "c", "d/x/1"] {
        all.push((key.to_owned(), initiate(&client, b.name(), key).await));
    }
    all.sort();

    let list = client.list_multipart_uploads(b.name(), &Default::default()).await.expect("list all");
    let got: Vec<(String, String)> = list.uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone())).collect();
    assert_eq!(got, all, "sorted by key, then upload id");
    assert!(!list.is_truncated);
    assert_eq!(list.max_uploads, 1000);
    assert_eq!(list.bucket, b.name());
    for u in &list.uploads {
        assert_iso_millis(&u.initiated);
    }

    // prefix
    let opts = ListMultipartUploadsOptions { prefix: Some("b/".into()), ..Default::default() };
    let list = client.list_multipart_uploads(b.name(), &opts).await.expect("prefix");
    assert_eq!(list.prefix, "b/");
    let got: Vec<(String, String)> = list.uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone())).collect();
    assert_eq!(got, all[2..4].to_vec());

    // delimiter
    let opts = ListMultipartUploadsOptions { delimiter: Some("/".into()), ..Default::default() };
    let list = client.list_multipart_uploads(b.name(), &opts).await.expect("delimiter");
    assert_eq!(list.delimiter, "/");
    let keys: Vec<&str> = list.uploads.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["c"]);
    let prefixes: Vec<&str> = list.common_prefixes.iter().map(|p| p.prefix.as_str()).collect();
    assert_eq!(prefixes, ["a/", "b/", "d/"]);
    let opts =
        ListMultipartUploadsOptions { prefix: Some("d/".into()), delimiter: Some("/".into()), ..Default::default() };
    let list = client.list_multipart_uploads(b.name(), &opts).await.expect("prefix + delimiter");
    assert!(list.uploads.is_empty());
    let prefixes: Vec<&str> = list.common_prefixes.iter().map(|p| p.prefix.as_str()).collect();
    assert_eq!(prefixes, ["d/x/"]);

    // Paging three at a time: the page boundary falls between the two uploads of b/1.
    let mut seen = Vec::new();
    let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
    let mut truncations = Vec::new();
    loop {
        let opts = ListMultipartUploadsOptions {
            max_uploads: Some(3),
            key_marker: key_marker.clone(),
            upload_id_marker: id_marker.clone(),
            ..Default::default()
        };
        let page = client.list_multipart_uploads(b.name(), &opts).await.expect("page");
        assert_eq!(page.max_uploads, 3);
        assert_eq!(page.key_marker, key_marker.clone().unwrap_or_default());
        assert_eq!(page.upload_id_marker, id_marker.clone().unwrap_or_default());
        let last = page.uploads.last().expect("non-empty page");
        assert_eq!(page.next_key_marker, last.key, "NextKeyMarker");
        assert_eq!(page.next_upload_id_marker, last.upload_id, "NextUploadIdMarker");
        seen.extend(page.uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone())));
        truncations.push(page.is_truncated);
        if !page.is_truncated {
            break;
        }
        key_marker = Some(page.next_key_marker.clone());
        id_marker = Some(page.next_upload_id_marker.clone());
    }
    assert_eq!(seen, all);
    assert_eq!(truncations, [true, false]);
    assert_eq!(all[2].0, "b/1", "the first page ends inside b/1");

    // key-marker alone skips every upload of that key; upload-id-marker alone is ignored.
    let opts = ListMultipartUploadsOptions { key_marker: Some("b/1".into()), ..Default::default() };
    let list = client.list_multipart_uploads(b.name(), &opts).await.expect("key-marker");
    let keys: Vec<&str> = list.uploads.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["c", "d/x/1"]);
    let opts = ListMultipartUploadsOptions { upload_id_marker: Some(all[0].1.clone()), ..Default::default() };
    let list = client.list_multipart_uploads(b.name(), &opts).await.expect("upload-id-marker alone");
    assert_eq!(list.uploads.len(), all.len());

    for (key, id) in &all {
        client.abort_multipart_upload(b.name(), key, id).await.expect("abort");
    }
}

/// With a delimiter, a page may end on a common prefix; the next page (key-marker = that
/// prefix) must go on after every key under it instead of returning the prefix again.
#[tokio::test]
async fn list_multipart_uploads_delimiter_paging() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-lmu-dp").await;
    let mut all = Vec::new();
    for key in ["a/1", "a/2", "b/1", "c", "d/x/1", "e"] {
        all.push((key.to_owned(), initiate(&client, b.name(), key).await));
    }
    let mut seen = Vec::new();
    let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
    for page_no in 0.. {
        assert!(page_no < 10, "paging does not end: {seen:?}");
        let opts = ListMultipartUploadsOptions {
            delimiter: Some("/".into()),
            max_uploads: Some(2),
            key_marker: key_marker.clone(),
            upload_id_marker: id_marker.clone(),
            ..Default::default()
        };
        let page = client.list_multipart_uploads(b.name(), &opts).await.expect("page");
        for p in &page.common_prefixes {
            seen.push(p.prefix.clone());
        }
        for u in &page.uploads {
            seen.push(u.key.clone());
        }
        if !page.is_truncated {
            break;
        }
        key_marker = Some(page.next_key_marker.clone());
        id_marker = Some(page.next_upload_id_marker.clone());
    }
    seen.sort();
    assert_eq!(seen, ["a/", "b/", "c", "d/", "e"]);
    for (key, id) in &all {
        client.abort_multipart_upload(b.name(), key, id).await.expect("abort");
    }
}

#[tokio::test]
async fn list_multipart_uploads_encoding_type_url() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-lmu-url").await;
    let key = "sp ace/k&1<2>.txt";
    let id = initiate(&client, b.name(), key).await;
    let resp = client
        .request(Method::GET, Some(b.name()), None)
        .query("uploads", "")
        .query("prefix", "sp ace/")
        .query("encoding-type", "url")
        .send()
        .await
        .expect("raw ListMultipartUploads");
    let text = resp.text();
    assert_eq!(text_between(&text, "EncodingType"), Some("url"), "{text}");
    let encoded_key = text_between(&text, "Key").expect("<Key>");
    assert!(!encoded_key.contains(' ') && !encoded_key.contains("&amp;"), "{encoded_key}");
    assert_eq!(percent_decode_lossy(encoded_key, false), key);
    let encoded_prefix = text_between(&text, "Prefix").expect("<Prefix>");
    assert!(!encoded_prefix.contains(' '), "{encoded_prefix}");
    assert_eq!(percent_decode_lossy(encoded_prefix, false), "sp ace/");
    assert_eq!(text_between(&text, "UploadId"), Some(id.as_str()));
    // The typed client decodes.
    let opts = ListMultipartUploadsOptions {
        prefix: Some("sp ace/".into()),
        encoding_type: Some("url".into()),
        ..Default::default()
    };
    let list = client.list_multipart_uploads(b.name(), &opts).await.expect("typed");
    assert_eq!(list.uploads.len(), 1);
    assert_eq!(list.uploads[0].key, key);
    assert_eq!(list.prefix, "sp ace/");
    // ListParts too.
    let opts = ListPartsOptions { encoding_type: Some("url".into()), ..Default::default() };
    let parts = client.list_parts(b.name(), key, &id, &opts).await.expect("ListParts url");
    assert_eq!(parts.encoding_type.as_deref(), Some("url"));
    assert_eq!(parts.key, key);
    client.abort_multipart_upload(b.name(), key, &id).await.expect("abort");
}

#[tokio::test]
async fn delete_bucket_with_pending_upload() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-delb").await;
    let id = initiate(&client, b.name(), "pending").await;
    let err = service_error(client.delete_bucket(b.name()).await);
    assert_error_ec(&err, 409, "BucketNotEmpty", "0015-00000301");
    client.abort_multipart_upload(b.name(), "pending", &id).await.expect("abort");
    let out = client.delete_bucket(b.name()).await.expect("delete the now empty bucket");
    assert_eq!(out.status, 204);
}

/// The document's multipart-copy flow: part size from a preferred 100 KiB, doubled while
/// `part * 10000 < size`; Initiate; UploadPartCopy part by part; Complete.
#[tokio::test]
async fn multipart_copy_flow() {
    let target = Target::start().await;
    let client = target.client();
    let src_bucket = target.bucket("mp-flow-s").await;
    let dst_bucket = target.bucket("mp-flow-d").await;
    let src = data(1_000_000, 70);
    let put =
        client.put_object(src_bucket.name(), "big.src", src.clone(), &PutObjectOptions::default()).await.expect("put");
    let total = client
        .head_object(src_bucket.name(), "big.src", &GetObjectOptions::default())
        .await
        .expect("head source")
        .content_length
        .expect("Content-Length");
    let mut part_size: u64 = 100 * 1024;
    while part_size * 10_000 < total {
        part_size *= 2;
    }
    assert_eq!(part_size, 102_400);

    let id = initiate(&client, dst_bucket.name(), "big.copy").await;
    let mut list = Vec::new();
    let mut offset = 0;
    let mut number = 1;
    while offset < total {
        let end = (offset + part_size).min(total) - 1;
        let req = UploadPartCopyRequest::new(src_bucket.name(), "big.src", dst_bucket.name(), "big.copy", &id, number)
            .with_range(offset, Some(end));
        let out = client.upload_part_copy(&req).await.unwrap_or_else(|e| panic!("part {number}: {e}"));
        assert_eq!(out.data.etag, md5_etag(&src[offset as usize..=end as usize]));
        list.push((number, out.data.etag.clone()));
        offset = end + 1;
        number += 1;
    }
    assert_eq!(list.len(), 10);
    let complete: Vec<CompletePart> = list.iter().map(|(n, e)| complete_part(*n, e.clone())).collect();
    let out = client
        .complete_multipart_upload(dst_bucket.name(), "big.copy", &id, &complete, &Default::default())
        .await
        .expect("complete");
    let refs: Vec<&str> = list.iter().map(|(_, e)| e.as_str()).collect();
    assert_eq!(out.data.etag, multipart_etag(&refs));
    assert_eq!(out.crc64().unwrap(), put.crc64, "the copy's CRC is the source's");
    let got = client.get_object(dst_bucket.name(), "big.copy", &GetObjectOptions::default()).await.expect("get");
    assert!(got.body.as_ref() == src.as_slice(), "copied bytes differ");
    assert_eq!(got.meta.crc64, put.crc64);
    assert_eq!(got.meta.object_type.as_deref(), Some("Multipart"));
}

#[tokio::test]
async fn upload_part_copy_in_parallel() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-par").await;
    let src = data(8 * MIN_PART, 80);
    client.put_object(b.name(), "src", src.clone(), &PutObjectOptions::default()).await.expect("put");
    let id = initiate(&client, b.name(), "dst").await;
    let mut tasks = Vec::new();
    for i in 0..8u64 {
        let (client, bucket, id) = (client.clone(), b.name().to_owned(), id.clone());
        tasks.push(tokio::spawn(async move {
            let start = i * MIN_PART as u64;
            let req = UploadPartCopyRequest::new(&bucket, "src", &bucket, "dst", &id, i as u32 + 1)
                .with_range(start, Some(start + MIN_PART as u64 - 1));
            client.upload_part_copy(&req).await.map(|o| o.data.etag.clone())
        }));
    }
    let mut etags = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let etag = t.await.expect("task").unwrap_or_else(|e| panic!("part {}: {e}", i + 1));
        assert_eq!(etag, md5_etag(&src[i * MIN_PART..(i + 1) * MIN_PART]));
        etags.push(etag);
    }
    let listed = client.list_parts(b.name(), "dst", &id, &Default::default()).await.expect("ListParts");
    assert_eq!(listed.parts.iter().map(|p| p.part_number).collect::<Vec<_>>(), (1..=8).collect::<Vec<u32>>());
    let list: Vec<(u32, &str)> = etags.iter().enumerate().map(|(i, e)| (i as u32 + 1, e.as_str())).collect();
    let out = client
        .complete_multipart_upload(b.name(), "dst", &id, &parts(&list), &Default::default())
        .await
        .expect("complete");
    let refs: Vec<&str> = etags.iter().map(String::as_str).collect();
    assert_eq!(out.data.etag, multipart_etag(&refs));
    assert_eq!(get(&client, b.name(), "dst").await, src);
}

#[tokio::test]
async fn complete_races_abort() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("mp-race").await;
    let body = data(5000, 90);
    let mut outcomes = Vec::new();
    for round in 0..8 {
        let key = format!("race-{round}");
        let id = initiate(&client, b.name(), &key).await;
        let e = part(&client, b.name(), &key, &id, 1, &body).await;
        let (c1, c2) = (client.clone(), client.clone());
        let (b1, b2, k1, k2, i1, i2) =
            (b.name().to_owned(), b.name().to_owned(), key.clone(), key.clone(), id.clone(), id.clone());
        let complete = async move {
            c1.complete_multipart_upload(&b1, &k1, &i1, &[complete_part(1, e)], &Default::default()).await.map(|_| ())
        };
        let abort = async move { c2.abort_multipart_upload(&b2, &k2, &i2).await.map(|_| ()) };
        // Alternate which request leaves first, so that either may win.
        let (complete, abort) = if round % 2 == 0 {
            let c = tokio::spawn(complete);
            (c, tokio::spawn(abort))
        } else {
            let a = tokio::spawn(abort);
            (tokio::spawn(complete), a)
        };
        let (completed, aborted) = (complete.await.expect("task"), abort.await.expect("task"));
        let loser = |r: Result<(), Error>| {
            let err = service_error(r);
            assert_no_such_upload(&err);
        };
        let head = client.head_object(b.name(), &key, &GetObjectOptions::default()).await;
        match (completed.is_ok(), aborted.is_ok()) {
            (true, false) => {
                loser(aborted);
                assert_eq!(get(&client, b.name(), &key).await, body, "Complete won: the object exists");
                outcomes.push("complete");
            }
            (false, true) => {
                loser(completed);
                assert_error(&service_error(head), 404, "NoSuchKey");
                outcomes.push("abort");
            }
            (c, a) => panic!("round {round}: exactly one must win, got complete={c} abort={a}"),
        }
        let err = service_error(client.list_parts(b.name(), &key, &id, &Default::default()).await);
        assert_no_such_upload(&err);
    }
    eprintln!("complete/abort race winners: {outcomes:?}");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs to restart the emulator")]
async fn restart_in_the_middle_of_an_upload() {
    let mut target = Target::start().await;
    target.require_emulator();
    let client = target.client();
    let b = target.bucket("mp-restart").await;
    let src = data(MIN_PART, 100);
    client.put_object(b.name(), "src", src.clone(), &PutObjectOptions::default()).await.expect("put");
    let opts = InitiateMultipartUploadOptions {
        object: PutObjectOptions {
            content_type: Some("text/x-restart".into()),
            metadata: vec![("kept".into(), "yes".into())],
            ..Default::default()
        },
        ..Default::default()
    };
    let id = client.initiate_multipart_upload(b.name(), "k", &opts).await.expect("initiate").upload_id.clone();
    let p1 = data(MIN_PART, 101);
    let e1 = part(&client, b.name(), "k", &id, 1, &p1).await;
    let e2 = client
        .upload_part_copy(&UploadPartCopyRequest::new(b.name(), "src", b.name(), "k", &id, 2))
        .await
        .expect("part 2 by copy")
        .data
        .etag
        .clone();

    assert!(target.restart().await);
    let client = target.client();
    let listed = client.list_parts(b.name(), "k", &id, &Default::default()).await.expect("ListParts after restart");
    let summary: Vec<(u32, String, u64)> =
        listed.parts.iter().map(|p| (p.part_number, p.etag.clone(), p.size)).collect();
    assert_eq!(summary, [(1, e1.clone(), MIN_PART as u64), (2, e2.clone(), MIN_PART as u64)]);
    let uploads = client.list_multipart_uploads(b.name(), &Default::default()).await.expect("ListMultipartUploads");
    assert_eq!(uploads.uploads.iter().map(|u| u.upload_id.as_str()).collect::<Vec<_>>(), [id.as_str()]);

    let p3 = data(1234, 102);
    let e3 = part(&client, b.name(), "k", &id, 3, &p3).await;
    let out = client
        .complete_multipart_upload(b.name(), "k", &id, &parts(&[(1, &e1), (2, &e2), (3, &e3)]), &Default::default())
        .await
        .expect("complete after restart");
    assert_eq!(out.data.etag, multipart_etag(&[&e1, &e2, &e3]));
    let all = [p1, src, p3].concat();
    assert_eq!(out.crc64().unwrap(), Some(crc64::checksum(&all)));
    let got = client.get_object(b.name(), "k", &GetObjectOptions::default()).await.expect("get");
    assert!(got.body.as_ref() == all.as_slice(), "bytes after restart differ");
    assert_eq!(got.meta.content_type.as_deref(), Some("text/x-restart"));
    assert_eq!(got.meta.meta("kept"), Some("yes"));
}

/// An upload initiated by an encrypting SDK (its envelope in `x-oss-meta-client-side-encryption-*`)
/// lists the envelope with its parts, so that the SDK can resume it; others list none.
#[tokio::test]
async fn list_parts_returns_the_client_side_encryption_envelope() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("mpcse").await;
    let envelope = [
        ("client-side-encryption-key", "d3JhcHBlZA=="),
        ("client-side-encryption-start", "c3RhcnQ="),
        ("client-side-encryption-cek-alg", "AES/CTR/NoPadding"),
        ("client-side-encryption-wrap-alg", "RSA/NONE/PKCS1Padding"),
        ("client-side-encryption-data-size", "307200"),
        ("client-side-encryption-part-size", "102400"),
    ];
    let opts = InitiateMultipartUploadOptions {
        object: PutObjectOptions {
            metadata: envelope.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    let id = client.initiate_multipart_upload(&bucket.name, "cse", &opts).await.unwrap().upload_id.clone();
    part(&client, &bucket.name, "cse", &id, 1, &data(102_400, 3)).await;
    let listed = client.list_parts(&bucket.name, "cse", &id, &ListPartsOptions::default()).await.unwrap();
    assert_eq!(listed.parts.len(), 1);
    assert_eq!(listed.client_encryption_key.as_deref(), Some("d3JhcHBlZA=="));
    assert_eq!(listed.client_encryption_start.as_deref(), Some("c3RhcnQ="));
    assert_eq!(listed.client_encryption_cek_alg.as_deref(), Some("AES/CTR/NoPadding"));
    assert_eq!(listed.client_encryption_wrap_alg.as_deref(), Some("RSA/NONE/PKCS1Padding"));
    assert_eq!(
        (listed.client_encryption_data_size, listed.client_encryption_part_size),
        (Some(307_200), Some(102_400))
    );

    let plain = initiate(&client, &bucket.name, "plain").await;
    let listed = client.list_parts(&bucket.name, "plain", &plain, &ListPartsOptions::default()).await.unwrap();
    assert_eq!(listed.client_encryption_key, None);
    assert_eq!(listed.client_encryption_data_size, None);
    client.abort_multipart_upload(&bucket.name, "cse", &id).await.unwrap();
    client.abort_multipart_upload(&bucket.name, "plain", &plain).await.unwrap();
}

/// A `?sequential` upload's object carries its whole content's MD5 (parts arrive in order, so
/// OSS hashes them as they come); an ordinary multipart object has none.
#[tokio::test]
async fn a_sequential_upload_gets_the_content_md5() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("mpseq").await;
    let (first, last) = (data(MIN_PART, 11), data(300, 12));
    let whole = [first.clone(), last.clone()].concat();
    for sequential in [false, true] {
        let key = format!("seq-{sequential}");
        let opts = InitiateMultipartUploadOptions { sequential, ..Default::default() };
        let id = client.initiate_multipart_upload(&bucket.name, &key, &opts).await.unwrap().upload_id.clone();
        let parts = [
            complete_part(1, part(&client, &bucket.name, &key, &id, 1, &first).await),
            complete_part(2, part(&client, &bucket.name, &key, &id, 2, &last).await),
        ];
        let opts = CompleteMultipartUploadOptions::default();
        client.complete_multipart_upload(&bucket.name, &key, &id, &parts, &opts).await.unwrap();
        let got = client.get_object(&bucket.name, &key, &GetObjectOptions::default()).await.unwrap();
        assert_eq!(got.body.as_ref(), whole.as_slice());
        let expected = sequential.then(|| content_md5(&whole));
        assert_eq!(got.header("content-md5").map(str::to_owned), expected, "sequential: {sequential}");
    }
    // Part 2 before part 1 is out of sequence; after it, and again, it is fine.
    let opts = InitiateMultipartUploadOptions { sequential: true, ..Default::default() };
    let id = client.initiate_multipart_upload(&bucket.name, "order", &opts).await.unwrap().upload_id.clone();
    let early = client.upload_part(&bucket.name, "order", &id, 2, last.clone(), &Default::default()).await;
    assert_error(&service_error(early), 400, "PartNotSequential");
    part(&client, &bucket.name, "order", &id, 1, &first).await;
    part(&client, &bucket.name, "order", &id, 2, &last).await;
    part(&client, &bucket.name, "order", &id, 2, &last).await;
    client.abort_multipart_upload(&bucket.name, "order", &id).await.unwrap();
}
