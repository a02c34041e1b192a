//! CopyObject (fact sheet §5): source parsing, directives, conditions, overwrite protection,
//! ACL / storage class / encryption / tagging of the copy, size limits, the response, missing
//! sources and targets, the same-region rule and the two-account permission matrix.

use std::time::{Duration, SystemTime};

use conformance_tests::protocol::crc64;
use conformance_tests::protocol::encoding::uri_encode;
use conformance_tests::protocol::time::parse_iso8601;
use conformance_tests::{
    assert_error, assert_error_ec, data, get_body as get, md5_etag, service_error, Client, Method, ServiceError,
    SignatureVersion, Target,
};
use oss_client::{
    CopyObjectRequest, GetObjectOptions, InitiateMultipartUploadOptions, ObjectMeta, PutObjectOptions,
    UploadPartCopyRequest,
};

const BAD_SOURCE: &str = "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.";

async fn put(client: &Client, bucket: &str, key: &str, body: &[u8], opts: &PutObjectOptions) -> String {
    let out = client
        .put_object(bucket, key, body.to_vec(), opts)
        .await
        .unwrap_or_else(|e| panic!("PutObject {bucket}/{key}: {e}"));
    out.etag.clone().expect("PutObject ETag")
}

async fn head(client: &Client, bucket: &str, key: &str) -> ObjectMeta {
    client
        .head_object(bucket, key, &GetObjectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("HeadObject {bucket}/{key}: {e}"))
        .into_inner()
}

#[track_caller]
fn assert_absent_err(err: &ServiceError) {
    assert_error(err, 404, "NoSuchKey");
}

async fn assert_absent(client: &Client, bucket: &str, key: &str) {
    let err = service_error(client.head_object(bucket, key, &GetObjectOptions::default()).await);
    assert_absent_err(&err);
}

/// A CopyObject with a hand-written `x-oss-copy-source`, every status returned.
async fn raw_copy(client: &Client, bucket: &str, key: &str, source: &str) -> oss_client::Response {
    client
        .request(Method::PUT, Some(bucket), Some(key))
        .header("x-oss-copy-source", source)
        .send_raw()
        .await
        .expect("transport")
}

/// Go v1's `url.QueryEscape`: space → `+`, everything else outside unreserved → `%XX` (`/` too).
fn query_escape(key: &str) -> String {
    uri_encode(key, false).replace("%20", "+")
}

#[track_caller]
fn assert_iso_millis(s: &str) -> SystemTime {
    assert_eq!(s.len(), 24, "ISO-8601 with milliseconds: {s:?}");
    assert!(s.ends_with(".000Z"), "XML times end in .000Z: {s:?}");
    parse_iso8601(s).unwrap_or_else(|| panic!("not ISO-8601: {s:?}"))
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).expect("after epoch").as_secs()
}

#[tokio::test]
async fn copy_source_key_forms() {
    let target = Target::start().await;
    let client = target.client();
    let src = target.bucket("cp-src").await;
    let dst = target.bucket("cp-dst").await;
    let keys = [
        "dir/sub/file.txt",
        "with space.txt",
        "plus+sign.txt",
        "a b+c/d e",
        "unicode/中文-キー-ü.bin",
        "question?mark&amp=1.txt",
        "阿里云/加油/:?;@&=+$, /<>{}[]|/",
    ];
    for (i, key) in keys.iter().enumerate() {
        let body = data(1000 + i, i as u64);
        let etag = put(&client, src.name(), key, &body, &PutObjectOptions::default()).await;
        // Go v2 style (the typed client): RFC 3986, `/` kept.
        let req = CopyObjectRequest::new(src.name(), *key, dst.name(), format!("typed-{i}"));
        let out = client.copy_object(&req).await.unwrap_or_else(|e| panic!("copy {key:?}: {e}"));
        assert_eq!(out.etag(), Some(etag.as_str()), "{key:?}");
        assert_eq!(get(&client, dst.name(), &format!("typed-{i}")).await, body, "{key:?}");
        // Python v1 style: every `/` as %2F too.
        let source = format!("/{}/{}", src.name(), uri_encode(key, false));
        let resp = raw_copy(&client, dst.name(), &format!("py-{i}"), &source).await;
        assert_eq!(resp.status, 200, "{source}: {}", resp.text());
        assert_eq!(get(&client, dst.name(), &format!("py-{i}")).await, body, "{key:?}");
        // Go v1 style: QueryEscape, where `+` is a space and a plus is %2B.
        let source = format!("/{}/{}", src.name(), query_escape(key));
        let resp = raw_copy(&client, dst.name(), &format!("go-{i}"), &source).await;
        assert_eq!(resp.status, 200, "{source}: {}", resp.text());
        assert_eq!(get(&client, dst.name(), &format!("go-{i}")).await, body, "{key:?}");
    }
    // A literal `+` in the header means a space, never a plus.
    let spaced = data(77, 77);
    put(&client, src.name(), "x y", &spaced, &PutObjectOptions::default()).await;
    put(&client, src.name(), "x+y", b"the plus one", &PutObjectOptions::default()).await;
    let resp = raw_copy(&client, dst.name(), "plus-means-space", &format!("/{}/x+y", src.name())).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(get(&client, dst.name(), "plus-means-space").await, spaced);
}

#[tokio::test]
async fn copy_source_version_null_is_accepted() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-vnull").await;
    let body = data(4096, 1);
    put(&client, b.name(), "src key", &body, &PutObjectOptions::default()).await;
    let resp = raw_copy(&client, b.name(), "dst", &format!("/{}/src%20key?versionId=null", b.name())).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(get(&client, b.name(), "dst").await, body);
    // The typed form sends the same thing.
    let mut req = CopyObjectRequest::new(b.name(), "src key", b.name(), "dst2");
    req.source_version_id = Some("null".into());
    client.copy_object(&req).await.expect("copy with versionId=null");
    assert_eq!(get(&client, b.name(), "dst2").await, body);
}

#[tokio::test]
async fn copy_source_malformed() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-bad").await;
    put(&client, b.name(), "k", b"data", &PutObjectOptions::default()).await;
    let name = b.name();
    for source in [format!("{name}/k"), format!("/{name}"), format!("/{name}/"), name.to_string()] {
        let resp = raw_copy(&client, name, "dst", &source).await;
        let err = resp.into_service_error();
        assert_error(&err, 400, "InvalidArgument");
        assert_eq!(err.message, BAD_SOURCE, "source {source:?}");
        assert!(
            matches!(err.ec.as_deref(), Some("0042-00000301" | "0042-00000302")),
            "EC of a malformed copy source {source:?}: {:?}",
            err.ec
        );
    }
    assert_absent(&client, name, "dst").await;
}

#[tokio::test]
async fn metadata_directive_copy_carries_everything() {
    let target = Target::start().await;
    let client = target.client();
    let src = target.bucket("cp-mc-s").await;
    let dst = target.bucket("cp-mc-d").await;
    let body = data(10_000, 2);
    let opts = PutObjectOptions {
        content_type: Some("text/x-source".into()),
        cache_control: Some("max-age=60".into()),
        content_disposition: Some("attachment; filename=\"a.txt\"".into()),
        metadata: vec![("color".into(), "blue".into()), ("Shape".into(), "round".into())],
        headers: vec![("content-language".into(), "de-DE".into())],
        ..Default::default()
    };
    let etag = put(&client, src.name(), "src", &body, &opts).await;
    for (dst_key, directive) in [("default", None), ("upper", Some("COPY")), ("lower", Some("copy"))] {
        let mut req = CopyObjectRequest::new(src.name(), "src", dst.name(), dst_key);
        req.metadata_directive = directive.map(str::to_owned);
        // Ignored under COPY: only the source's metadata counts.
        req.content_type = Some("application/x-ignored".into());
        req.metadata = vec![("color".into(), "red".into()), ("extra".into(), "x".into())];
        let out = client.copy_object(&req).await.unwrap_or_else(|e| panic!("{directive:?}: {e}"));
        assert_eq!(out.etag(), Some(etag.as_str()));
        let m = head(&client, dst.name(), dst_key).await;
        assert_eq!(m.content_type.as_deref(), Some("text/x-source"), "{directive:?}");
        assert_eq!(m.cache_control.as_deref(), Some("max-age=60"));
        assert_eq!(m.content_disposition.as_deref(), Some("attachment; filename=\"a.txt\""));
        assert_eq!(m.content_language.as_deref(), Some("de-DE"));
        assert_eq!(m.meta("color"), Some("blue"));
        assert_eq!(m.meta("shape"), Some("round"));
        assert_eq!(m.meta("extra"), None);
        assert_eq!(m.metadata.len(), 2, "{:?}", m.metadata);
        assert_eq!(m.etag.as_deref(), Some(etag.as_str()));
        assert_eq!(m.content_length, Some(body.len() as u64));
        assert_eq!(m.object_type.as_deref(), Some("Normal"));
        assert_eq!(get(&client, dst.name(), dst_key).await, body);
    }
}

#[tokio::test]
async fn metadata_directive_replace() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-mr").await;
    let body = data(5000, 3);
    let opts = PutObjectOptions {
        content_type: Some("text/x-source".into()),
        cache_control: Some("no-cache".into()),
        metadata: vec![("old".into(), "1".into())],
        ..Default::default()
    };
    let etag = put(&client, b.name(), "src", &body, &opts).await;
    let mut req = CopyObjectRequest::new(b.name(), "src", b.name(), "dst");
    req.metadata_directive = Some("REPLACE".into());
    req.content_type = Some("application/x-new".into());
    req.metadata = vec![("new".into(), "2".into())];
    req.headers = vec![("content-disposition".into(), "inline".into())];
    let out = client.copy_object(&req).await.expect("copy REPLACE");
    assert_eq!(out.etag(), Some(etag.as_str()), "data unchanged, ETag kept");
    let m = head(&client, b.name(), "dst").await;
    assert_eq!(m.content_type.as_deref(), Some("application/x-new"));
    assert_eq!(m.content_disposition.as_deref(), Some("inline"));
    assert_eq!(m.cache_control, None, "REPLACE drops the source's standard headers");
    assert_eq!(m.meta("new"), Some("2"));
    assert_eq!(m.meta("old"), None);
    assert_eq!(m.etag.as_deref(), Some(etag.as_str()));
    assert_eq!(get(&client, b.name(), "dst").await, body);
    // The source is untouched.
    let s = head(&client, b.name(), "src").await;
    assert_eq!(s.meta("old"), Some("1"));
    assert_eq!(s.content_type.as_deref(), Some("text/x-source"));
}

#[tokio::test]
async fn metadata_directive_invalid() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-mi").await;
    put(&client, b.name(), "src", b"abc", &PutObjectOptions::default()).await;
    for bad in ["MOVE", "COPYX", "REPLACE-ALL"] {
        let mut req = CopyObjectRequest::new(b.name(), "src", b.name(), "dst");
        req.metadata_directive = Some(bad.into());
        let err = service_error(client.copy_object(&req).await);
        assert_error(&err, 400, "InvalidArgument");
    }
    assert_absent(&client, b.name(), "dst").await;
}

/// A copy onto itself follows the directive like any copy: COPY (the default) keeps the content
/// type and user metadata whatever the request sends, REPLACE takes the request's. (oss2's own
/// functional tests, which pass against real OSS, rely on the default keeping them.)
#[tokio::test]
async fn self_copy_follows_the_directive_and_keeps_data() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-self").await;
    let body = data(20_000, 4);
    let opts = PutObjectOptions {
        content_type: Some("text/plain".into()),
        metadata: vec![("a".into(), "1".into())],
        ..Default::default()
    };
    let etag = put(&client, b.name(), "obj", &body, &opts).await;
    let crc = crc64::checksum(&body);
    for directive in [None, Some("COPY")] {
        let mut req = CopyObjectRequest::new(b.name(), "obj", b.name(), "obj");
        req.metadata_directive = directive.map(str::to_owned);
        req.content_type = Some("application/json".into());
        req.metadata = vec![("b".into(), "2".into())];
        let out = client.copy_object(&req).await.expect("self-copy");
        assert_eq!((out.status.as_u16(), out.data.etag.as_str()), (200, etag.as_str()), "{directive:?}");
        let m = head(&client, b.name(), "obj").await;
        assert_eq!(m.content_type.as_deref(), Some("text/plain"), "{directive:?}");
        assert_eq!((m.meta("a"), m.meta("b")), (Some("1"), None), "{directive:?}");
        assert_eq!(m.crc64, Some(crc));
    }
    let mut req = CopyObjectRequest::new(b.name(), "obj", b.name(), "obj");
    req.metadata_directive = Some("REPLACE".into());
    req.content_type = Some("text/csv".into());
    req.metadata = vec![("c".into(), "3".into())];
    client.copy_object(&req).await.expect("self-copy with REPLACE");
    let m = head(&client, b.name(), "obj").await;
    assert_eq!(m.content_type.as_deref(), Some("text/csv"));
    assert_eq!((m.meta("c"), m.meta("a")), (Some("3"), None));
    assert_eq!(m.etag.as_deref(), Some(etag.as_str()));
    assert_eq!(get(&client, b.name(), "obj").await, body);

    // REPLACE without a Content-Type keeps the source's; client-side-encryption entries survive.
    let opts = PutObjectOptions {
        content_type: Some("image/png".into()),
        metadata: vec![("client-side-encryption-key".into(), "k1".into()), ("x".into(), "1".into())],
        ..Default::default()
    };
    put(&client, b.name(), "enc", &body, &opts).await;
    let mut req = CopyObjectRequest::new(b.name(), "enc", b.name(), "enc-copy");
    req.metadata_directive = Some("REPLACE".into());
    req.metadata = vec![("y".into(), "2".into())];
    client.copy_object(&req).await.expect("copy with REPLACE");
    let m = head(&client, b.name(), "enc-copy").await;
    assert_eq!(m.content_type.as_deref(), Some("image/png"));
    assert_eq!((m.meta("client-side-encryption-key"), m.meta("x"), m.meta("y")), (Some("k1"), None, Some("2")));
}

#[tokio::test]
async fn copy_source_conditions() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-cond").await;
    let body = data(3000, 5);
    let etag = put(&client, b.name(), "src", &body, &PutObjectOptions::default()).await;
    let modified = head(&client, b.name(), "src").await.last_modified.expect("Last-Modified");
    let hour = Duration::from_secs(3600);
    let base = || CopyObjectRequest::new(b.name(), "src", b.name(), "dst");

    // Failing conditions: nothing is written.
    let failing: Vec<(&str, CopyObjectRequest, u16)> = vec![
        (
            "if-match other",
            CopyObjectRequest { if_match: Some("\"0123456789ABCDEF0123456789ABCDEF\"".into()), ..base() },
            412,
        ),
        ("if-none-match same", CopyObjectRequest { if_none_match: Some(etag.clone()), ..base() }, 304),
        (
            "if-unmodified-since earlier",
            CopyObjectRequest { if_unmodified_since: Some(modified - hour), ..base() },
            412,
        ),
        ("if-modified-since same second", CopyObjectRequest { if_modified_since: Some(modified), ..base() }, 304),
    ];
    for (what, req, status) in failing {
        let err = service_error(client.copy_object(&req).await);
        if status == 412 {
            assert_error(&err, 412, "PreconditionFailed");
        } else {
            assert_eq!(err.status.as_u16(), 304, "{what}: {err:?}");
            assert_eq!(err.request_id.len(), 24, "{what}");
            assert!(err.body.is_empty(), "{what}: a 304 has no body");
        }
        assert_absent(&client, b.name(), "dst").await;
    }

    // Holding conditions: the copy happens.
    let holding = vec![
        ("if-match same", CopyObjectRequest { if_match: Some(etag.clone()), ..base() }),
        ("if-match unquoted", CopyObjectRequest { if_match: Some(etag.trim_matches('"').to_owned()), ..base() }),
        (
            "if-none-match other",
            CopyObjectRequest { if_none_match: Some("\"00000000000000000000000000000000\"".into()), ..base() },
        ),
        ("if-unmodified-since same second", CopyObjectRequest { if_unmodified_since: Some(modified), ..base() }),
        ("if-modified-since earlier", CopyObjectRequest { if_modified_since: Some(modified - hour), ..base() }),
        (
            "all four holding",
            CopyObjectRequest {
                if_match: Some(etag.clone()),
                if_none_match: Some("\"00000000000000000000000000000000\"".into()),
                if_unmodified_since: Some(modified + hour),
                if_modified_since: Some(modified - hour),
                ..base()
            },
        ),
    ];
    for (i, (what, mut req)) in holding.into_iter().enumerate() {
        req.key = format!("dst-{i}");
        let out = client.copy_object(&req).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(out.etag(), Some(etag.as_str()), "{what}");
        assert_eq!(get(&client, b.name(), &req.key).await, body, "{what}");
    }
}

#[tokio::test]
async fn forbid_overwrite() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-fo").await;
    let body = data(2048, 6);
    put(&client, b.name(), "src", &body, &PutObjectOptions::default()).await;
    put(&client, b.name(), "existing", b"keep me", &PutObjectOptions::default()).await;

    let req = CopyObjectRequest {
        forbid_overwrite: Some(true),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "existing")
    };
    let err = service_error(client.copy_object(&req).await);
    assert_error(&err, 409, "FileAlreadyExists");
    assert!(matches!(err.ec.as_deref(), Some("0026-00000002" | "0026-00000201")), "EC {:?}", err.ec);
    assert_eq!(get(&client, b.name(), "existing").await, b"keep me");

    // Absent target: forbid-overwrite changes nothing.
    let req = CopyObjectRequest {
        forbid_overwrite: Some(true),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "fresh")
    };
    client.copy_object(&req).await.expect("forbid-overwrite onto a new key");
    assert_eq!(get(&client, b.name(), "fresh").await, body);

    // false (and the default) overwrite.
    let req = CopyObjectRequest {
        forbid_overwrite: Some(false),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "existing")
    };
    client.copy_object(&req).await.expect("forbid-overwrite false");
    assert_eq!(get(&client, b.name(), "existing").await, body);
}

#[tokio::test]
async fn copy_sets_object_acl() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-acl").await;
    let body = data(1500, 7);
    let opts = PutObjectOptions { acl: Some("public-read".into()), ..Default::default() };
    put(&client, b.name(), "src", &body, &opts).await;

    // The ACL is not copied: without the header the copy has `default`.
    client.copy_object(&CopyObjectRequest::new(b.name(), "src", b.name(), "plain")).await.expect("copy");
    let acl = client.get_object_acl(b.name(), "plain", None).await.expect("GetObjectAcl");
    assert_eq!(acl.access_control_list.grant, "default");
    let err = service_error(target.anonymous().get_object(b.name(), "plain", &GetObjectOptions::default()).await);
    assert_error(&err, 403, "AccessDenied");

    let req = CopyObjectRequest {
        acl: Some("public-read".into()),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "public")
    };
    client.copy_object(&req).await.expect("copy with x-oss-object-acl");
    let acl = client.get_object_acl(b.name(), "public", None).await.expect("GetObjectAcl");
    assert_eq!(acl.access_control_list.grant, "public-read");
    let anon =
        target.anonymous().get_object(b.name(), "public", &GetObjectOptions::default()).await.expect("anonymous read");
    assert_eq!(anon.body.as_ref(), body.as_slice());

    let req = CopyObjectRequest {
        acl: Some("world-writable".into()),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "bad")
    };
    let err = service_error(client.copy_object(&req).await);
    assert_error(&err, 400, "InvalidArgument");
    assert_absent(&client, b.name(), "bad").await;
}

#[tokio::test]
async fn copy_sets_storage_class() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-sc").await;
    let body = data(4000, 8);
    let etag = put(&client, b.name(), "src", &body, &PutObjectOptions::default()).await;
    client.copy_object(&CopyObjectRequest::new(b.name(), "src", b.name(), "same")).await.expect("copy");
    assert_eq!(head(&client, b.name(), "same").await.storage_class.as_deref(), Some("Standard"));

    let req = CopyObjectRequest {
        storage_class: Some("IA".into()),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "ia")
    };
    client.copy_object(&req).await.expect("copy to IA");
    let m = head(&client, b.name(), "ia").await;
    assert_eq!(m.storage_class.as_deref(), Some("IA"));
    assert_eq!(m.etag.as_deref(), Some(etag.as_str()));
    assert_eq!(get(&client, b.name(), "ia").await, body);
    assert_eq!(head(&client, b.name(), "src").await.storage_class.as_deref(), Some("Standard"));
}

#[tokio::test]
async fn copy_server_side_encryption() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-sse").await;
    let body = data(4000, 9);
    put(&client, b.name(), "src", &body, &PutObjectOptions::default()).await;

    let req = CopyObjectRequest {
        server_side_encryption: Some("AES256".into()),
        ..CopyObjectRequest::new(b.name(), "src", b.name(), "enc")
    };
    let out = client.copy_object(&req).await.expect("copy with AES256");
    assert_eq!(out.header("x-oss-server-side-encryption"), Some("AES256"));
    let m = head(&client, b.name(), "enc").await;
    assert_eq!(m.server_side_encryption.as_deref(), Some("AES256"));
    assert_eq!(get(&client, b.name(), "enc").await, body);

    // Encryption is never copied: a copy of the encrypted object without the header is plain.
    let out = client.copy_object(&CopyObjectRequest::new(b.name(), "enc", b.name(), "plain")).await.expect("copy");
    assert_eq!(out.header("x-oss-server-side-encryption"), None);
    assert_eq!(head(&client, b.name(), "plain").await.server_side_encryption, None);
    assert_eq!(get(&client, b.name(), "plain").await, body);

    for bad in ["AES128", "RSA"] {
        let req = CopyObjectRequest {
            server_side_encryption: Some(bad.into()),
            ..CopyObjectRequest::new(b.name(), "src", b.name(), "bad")
        };
        let err = service_error(client.copy_object(&req).await);
        assert_error(&err, 400, "InvalidEncryptionAlgorithmError");
    }
    assert_absent(&client, b.name(), "bad").await;
}

#[tokio::test]
async fn tagging_directive() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-tag").await;
    let opts = PutObjectOptions { tagging: Some("a=1&b=2".into()), ..Default::default() };
    put(&client, b.name(), "src", b"tagged", &opts).await;
    assert_eq!(head(&client, b.name(), "src").await.tagging_count, Some(2));

    let cases: [(&str, Option<&str>, Option<&str>, u64); 5] = [
        ("default", None, None, 2),
        ("copy", Some("Copy"), Some("x=1&y=2&z=3"), 2),
        ("copy-upper", Some("COPY"), None, 2),
        ("replace", Some("Replace"), Some("x=1&y=2&z=3"), 3),
        ("replace-upper", Some("REPLACE"), Some("only=one"), 1),
    ];
    for (key, directive, tagging, count) in cases {
        let req = CopyObjectRequest {
            tagging_directive: directive.map(str::to_owned),
            tagging: tagging.map(str::to_owned),
            ..CopyObjectRequest::new(b.name(), "src", b.name(), key)
        };
        client.copy_object(&req).await.unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(head(&client, b.name(), key).await.tagging_count, Some(count), "{key}");
        assert_eq!(get(&client, b.name(), key).await, b"tagged");
    }
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs adjusted emulator limits")]
async fn copy_size_limits_scaled() {
    const MIB: u64 = 1 << 20;
    let target = Target::start_with(|b| {
        b.limits(oss_emulator::Limits {
            copy_cross_bucket_max: MIB,
            copy_with_change_max: 512 * 1024,
            ..Default::default()
        })
    })
    .await;
    target.require_emulator();
    let client = target.client();
    let a = target.bucket("cp-lim-a").await;
    let other = target.bucket("cp-lim-b").await;
    let big = data(MIB as usize + 1, 10);
    let exact = data(MIB as usize, 11);
    let mid = data(600 * 1024, 12);
    put(&client, a.name(), "big", &big, &PutObjectOptions::default()).await;
    put(&client, a.name(), "exact", &exact, &PutObjectOptions::default()).await;
    put(&client, a.name(), "mid", &mid, &PutObjectOptions::default()).await;

    // Between buckets: the cross-bucket limit.
    let err = service_error(client.copy_object(&CopyObjectRequest::new(a.name(), "big", other.name(), "big")).await);
    assert_error(&err, 400, "EntityTooLarge");
    assert_eq!(err.message, "Source object Length exceeds the maximum allowed size.");
    assert_absent(&client, other.name(), "big").await;
    client.copy_object(&CopyObjectRequest::new(a.name(), "exact", other.name(), "exact")).await.expect("at the limit");
    assert_eq!(get(&client, other.name(), "exact").await, exact);

    // Within a bucket without a change: unbounded.
    client.copy_object(&CopyObjectRequest::new(a.name(), "big", a.name(), "big-copy")).await.expect("same bucket");
    assert_eq!(get(&client, a.name(), "big-copy").await, big);

    // A change of storage class or encryption: the (smaller) change limit, also within a bucket.
    for req in [
        CopyObjectRequest {
            storage_class: Some("IA".into()),
            ..CopyObjectRequest::new(a.name(), "mid", a.name(), "mid-ia")
        },
        CopyObjectRequest {
            server_side_encryption: Some("AES256".into()),
            ..CopyObjectRequest::new(a.name(), "mid", a.name(), "mid-enc")
        },
        CopyObjectRequest {
            storage_class: Some("IA".into()),
            ..CopyObjectRequest::new(a.name(), "mid", other.name(), "mid-ia")
        },
    ] {
        let err = service_error(client.copy_object(&req).await);
        assert_error(&err, 400, "EntityTooLarge");
        assert_absent(&client, &req.bucket, &req.key).await;
    }
    // The same object without a change crosses buckets fine (600 KiB < 1 MiB).
    client.copy_object(&CopyObjectRequest::new(a.name(), "mid", other.name(), "mid")).await.expect("no change");
    assert_eq!(get(&client, other.name(), "mid").await, mid);
    // Restating the current class is no change.
    let req = CopyObjectRequest {
        storage_class: Some("Standard".into()),
        ..CopyObjectRequest::new(a.name(), "mid", a.name(), "mid-std")
    };
    client.copy_object(&req).await.expect("same class is no change");
    // Too large for CopyObject, fine for UploadPartCopy (the documented way round).
    let up = client
        .initiate_multipart_upload(other.name(), "big-mp", &InitiateMultipartUploadOptions::default())
        .await
        .expect("initiate");
    let part = client
        .upload_part_copy(&UploadPartCopyRequest::new(a.name(), "big", other.name(), "big-mp", &up.upload_id, 1))
        .await
        .expect("UploadPartCopy of the whole big object");
    assert_eq!(part.etag, md5_etag(&big));
    client
        .complete_multipart_upload_all(other.name(), "big-mp", &up.upload_id, &Default::default())
        .await
        .expect("complete");
    assert_eq!(get(&client, other.name(), "big-mp").await, big);
}

#[tokio::test]
async fn copy_response_shape() {
    let target = Target::start().await;
    let client = target.client();
    let src = target.bucket("cp-resp-s").await;
    let dst = target.bucket("cp-resp-d").await;
    let body = data(70_000, 13);
    let etag = put(&client, src.name(), "src.bin", &body, &PutObjectOptions::default()).await;
    assert_eq!(etag, md5_etag(&body));
    let src_meta = head(&client, src.name(), "src.bin").await;
    // Allow for the clock skew OSS itself tolerates.
    let before = SystemTime::now() - Duration::from_secs(900);
    let out =
        client.copy_object(&CopyObjectRequest::new(src.name(), "src.bin", dst.name(), "dst.bin")).await.expect("copy");
    assert_eq!(out.status, 200);
    assert!(
        out.header("content-type").is_some_and(|t| t.starts_with("application/xml")),
        "{:?}",
        out.header("content-type")
    );
    assert_eq!(out.request_id.as_deref().map(str::len), Some(24));
    assert_eq!(out.etag(), Some(etag.as_str()), "ETag header");
    assert_eq!(out.data.etag, etag, "<ETag> in <CopyObjectResult>");
    let last_modified = assert_iso_millis(&out.data.last_modified);
    assert!(last_modified >= before, "LastModified {:?} is the copy's time", out.data.last_modified);
    assert_eq!(out.crc64().expect("CRC header"), Some(crc64::checksum(&body)));
    assert_eq!(out.crc64().unwrap(), src_meta.crc64);

    let m = head(&client, dst.name(), "dst.bin").await;
    assert_eq!(m.etag.as_deref(), Some(etag.as_str()));
    assert_eq!(m.crc64, src_meta.crc64);
    assert_eq!(m.content_length, Some(body.len() as u64));
    assert_eq!(m.object_type.as_deref(), Some("Normal"));
    assert_eq!(secs(m.last_modified.expect("Last-Modified")), secs(last_modified));
    assert_eq!(get(&client, dst.name(), "dst.bin").await, body);

    // An empty source copies to an empty object with the empty MD5.
    put(&client, src.name(), "empty", b"", &PutObjectOptions::default()).await;
    let out = client
        .copy_object(&CopyObjectRequest::new(src.name(), "empty", dst.name(), "empty"))
        .await
        .expect("copy empty");
    assert_eq!(out.data.etag, "\"D41D8CD98F00B204E9800998ECF8427E\"");
    assert_eq!(out.crc64().unwrap(), Some(0));
    assert_eq!(head(&client, dst.name(), "empty").await.content_length, Some(0));
}

#[tokio::test]
async fn copy_missing_source_or_target() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("cp-miss").await;
    put(&client, b.name(), "src", b"x", &PutObjectOptions::default()).await;
    let ghost_bucket = target.bucket_name("cp-ghost");

    let err = service_error(client.copy_object(&CopyObjectRequest::new(&ghost_bucket, "src", b.name(), "dst")).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
    let err =
        service_error(client.copy_object(&CopyObjectRequest::new(b.name(), "no-such-key", b.name(), "dst")).await);
    assert_error_ec(&err, 404, "NoSuchKey", "0026-00000001");
    let err = service_error(client.copy_object(&CopyObjectRequest::new(b.name(), "src", &ghost_bucket, "dst")).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
    assert_eq!(err.extra("BucketName"), Some(ghost_bucket.as_str()));
    assert_absent(&client, b.name(), "dst").await;
}

/// The document's simple flow: PutObject, CopyObject, read back, on a ~1 MB object.
#[tokio::test]
async fn simple_copy_flow_one_megabyte() {
    let target = Target::start().await;
    let client = target.client();
    let src = target.bucket("cp-flow-s").await;
    let dst = target.bucket("cp-flow-d").await;
    let body = data(1_000_000, 14);
    let put_out =
        client.put_object(src.name(), "source.dat", body.clone(), &PutObjectOptions::default()).await.expect("put");
    let out = client
        .copy_object(&CopyObjectRequest::new(src.name(), "source.dat", dst.name(), "copy.dat"))
        .await
        .expect("copy");
    assert_eq!(out.data.etag, put_out.etag.clone().unwrap());
    assert_eq!(out.crc64().unwrap(), put_out.crc64);
    let got = client.get_object(dst.name(), "copy.dat", &GetObjectOptions::default()).await.expect("get");
    assert_eq!(got.body.len(), body.len());
    assert!(got.body.as_ref() == body.as_slice(), "copied bytes differ");
    assert_eq!(got.meta.crc64, Some(crc64::checksum(&body)));
}

#[tokio::test]
#[cfg_attr(oss_no_other_region, ignore = "needs OSS_TEST_OTHER_REGION/_ENDPOINT")]
async fn same_region_only() {
    let target = Target::start().await;
    let (other_region, other_endpoint) = target.other_region();
    let client = target.client();
    let far_client = target.client_for(&other_endpoint, &other_region, Some(&target.primary), SignatureVersion::V4);
    let far = target.bucket_with(&far_client, "cp-far", None).await;
    let near = target.bucket("cp-near").await;
    let body = data(150_000, 15);
    put(&far_client, far.name(), "src", &body, &PutObjectOptions::default()).await;
    put(&client, near.name(), "local", &body, &PutObjectOptions::default()).await;
    const MSG: &str = "Target object does not reside in the same data center as source object.";

    let err = service_error(client.copy_object(&CopyObjectRequest::new(far.name(), "src", near.name(), "dst")).await);
    assert_error_ec(&err, 403, "AccessDenied", "0016-00000306");
    assert_eq!(err.message, MSG);
    assert_absent(&client, near.name(), "dst").await;

    // The other way round, through the other region's endpoint.
    let err =
        service_error(far_client.copy_object(&CopyObjectRequest::new(near.name(), "local", far.name(), "dst")).await);
    assert_error_ec(&err, 403, "AccessDenied", "0016-00000306");
    assert_eq!(err.message, MSG);

    // UploadPartCopy follows the same rule.
    let up = client.initiate_multipart_upload(near.name(), "mp", &Default::default()).await.expect("initiate");
    let req = UploadPartCopyRequest::new(far.name(), "src", near.name(), "mp", &up.upload_id, 1);
    let err = service_error(client.upload_part_copy(&req).await);
    assert_error_ec(&err, 403, "AccessDenied", "0016-00000306");
    assert_eq!(err.message, MSG);
    let parts = client.list_parts(near.name(), "mp", &up.upload_id, &Default::default()).await.expect("ListParts");
    assert!(parts.parts.is_empty(), "{:?}", parts.parts);
    // Within the region the same upload takes the copy.
    let req = UploadPartCopyRequest::new(near.name(), "local", near.name(), "mp", &up.upload_id, 1);
    client.upload_part_copy(&req).await.expect("same-region UploadPartCopy");
    client.abort_multipart_upload(near.name(), "mp", &up.upload_id).await.expect("abort");
}

/// Read on the source × write on the target, with the second account as the caller.
#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn two_account_permission_matrix() {
    let target = Target::start().await;
    let second = target.second_account();
    let owner = target.client();
    // Sources.
    let own_src = target.bucket_with(&second, "cp-pm-own", None).await;
    let pub_src = target.bucket_with(&owner, "cp-pm-pubr", Some("public-read")).await;
    let priv_src = target.bucket_with(&owner, "cp-pm-priv", None).await;
    let body = data(2000, 16);
    put(&second, own_src.name(), "obj", &body, &PutObjectOptions::default()).await;
    put(&owner, pub_src.name(), "obj", &body, &PutObjectOptions::default()).await;
    let private = PutObjectOptions { acl: Some("private".into()), ..Default::default() };
    put(&owner, pub_src.name(), "private-obj", &body, &private).await;
    let public = PutObjectOptions { acl: Some("public-read".into()), ..Default::default() };
    put(&owner, priv_src.name(), "public-obj", &body, &public).await;
    put(&owner, priv_src.name(), "obj", &body, &PutObjectOptions::default()).await;
    let sources: [(&str, &str, &str, bool); 5] = [
        ("source owned by the caller", own_src.name(), "obj", true),
        ("public-read bucket, object default", pub_src.name(), "obj", true),
        ("private bucket, object public-read", priv_src.name(), "public-obj", true),
        ("private bucket, object default", priv_src.name(), "obj", false),
        ("public-read bucket, object private", pub_src.name(), "private-obj", false),
    ];
    // Targets, with the client that may read them back.
    let own_dst = target.bucket_with(&second, "cp-pm-down", None).await;
    let prw_dst = target.bucket_with(&owner, "cp-pm-prw", Some("public-read-write")).await;
    let pr_dst = target.bucket_with(&owner, "cp-pm-pr", Some("public-read")).await;
    let priv_dst = target.bucket_with(&owner, "cp-pm-dpriv", None).await;
    let targets: [(&str, &str, &Client, bool); 4] = [
        ("target owned by the caller", own_dst.name(), &second, true),
        ("public-read-write bucket", prw_dst.name(), &owner, true),
        ("public-read bucket", pr_dst.name(), &owner, false),
        ("private bucket", priv_dst.name(), &owner, false),
    ];
    for (i, (src_what, src_bucket, src_key, readable)) in sources.iter().enumerate() {
        for (j, (dst_what, dst_bucket, reader, writable)) in targets.iter().enumerate() {
            let key = format!("copy-{i}-{j}");
            let result = second.copy_object(&CopyObjectRequest::new(*src_bucket, *src_key, *dst_bucket, &key)).await;
            let case = format!("{src_what} → {dst_what}");
            if *readable && *writable {
                let out = result.unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(out.data.etag, md5_etag(&body), "{case}");
                assert_eq!(get(reader, dst_bucket, &key).await, body, "{case}");
            } else {
                let err = match result {
                    Ok(v) => panic!("{case}: expected AccessDenied, got {v:?}"),
                    Err(e) => e.service().cloned().unwrap_or_else(|| panic!("{case}: {e}")),
                };
                assert_error(&err, 403, "AccessDenied");
                let err = service_error(reader.head_object(dst_bucket, &key, &GetObjectOptions::default()).await);
                assert_error(&err, 404, "NoSuchKey");
            }
        }
    }
}

/// UploadPartCopy needs the same read right on the source as CopyObject.
#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn upload_part_copy_permissions() {
    let target = Target::start().await;
    let second = target.second_account();
    let owner = target.client();
    let pub_src = target.bucket_with(&owner, "cp-upcp-pubr", Some("public-read")).await;
    let priv_src = target.bucket_with(&owner, "cp-upcp-priv", None).await;
    let body = data(3000, 17);
    put(&owner, pub_src.name(), "obj", &body, &PutObjectOptions::default()).await;
    put(&owner, priv_src.name(), "obj", &body, &PutObjectOptions::default()).await;
    let public = PutObjectOptions { acl: Some("public-read".into()), ..Default::default() };
    put(&owner, priv_src.name(), "public-obj", &body, &public).await;
    let dst = target.bucket_with(&second, "cp-upcp-dst", None).await;
    let id = second
        .initiate_multipart_upload(dst.name(), "mp", &Default::default())
        .await
        .expect("initiate")
        .upload_id
        .clone();

    let req = UploadPartCopyRequest::new(priv_src.name(), "obj", dst.name(), "mp", &id, 1);
    let err = service_error(second.upload_part_copy(&req).await);
    assert_error(&err, 403, "AccessDenied");
    let req = UploadPartCopyRequest::new(pub_src.name(), "obj", dst.name(), "mp", &id, 1);
    assert_eq!(second.upload_part_copy(&req).await.expect("public-read bucket").data.etag, md5_etag(&body));
    let req = UploadPartCopyRequest::new(priv_src.name(), "public-obj", dst.name(), "mp", &id, 2);
    assert_eq!(second.upload_part_copy(&req).await.expect("public-read object").data.etag, md5_etag(&body));
    let listed = second.list_parts(dst.name(), "mp", &id, &Default::default()).await.expect("ListParts");
    assert_eq!(listed.parts.iter().map(|p| p.part_number).collect::<Vec<_>>(), [1, 2]);

    // Writing into someone else's private bucket fails before any copy.
    let err = service_error(second.initiate_multipart_upload(priv_src.name(), "mp", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");
    let owner_id = owner.initiate_multipart_upload(priv_src.name(), "mp", &Default::default()).await.expect("initiate");
    let req = UploadPartCopyRequest::new(pub_src.name(), "obj", priv_src.name(), "mp", &owner_id.upload_id, 1);
    let err = service_error(second.upload_part_copy(&req).await);
    assert_error(&err, 403, "AccessDenied");
    owner.abort_multipart_upload(priv_src.name(), "mp", &owner_id.upload_id).await.expect("abort");
    second.abort_multipart_upload(dst.name(), "mp", &id).await.expect("abort");
}
