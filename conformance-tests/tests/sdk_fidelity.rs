//! Behaviour the official SDKs' own integration suites (which pass against real OSS) rely on,
//! one case per finding: headers answered, defaults kept, and the order in which OSS checks a
//! request (signature, then bucket, then "not implemented").

use base64::Engine;
use conformance_tests::{assert_error, assert_error_ec, data, put, Client, Method, Target};
use oss_client::{Response, SignatureVersion};

async fn send(req: oss_client::RequestBuilder) -> Response {
    req.send_raw().await.expect("transport")
}

fn md5_base64(body: &[u8]) -> String {
    use md5::{Digest, Md5};
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

#[tokio::test]
async fn put_object_without_content_type_is_octet_stream() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-ct").await;
    // The server does not guess from the extension; the SDKs do that on their side.
    let resp = send(client.request(Method::PUT, Some(b.name()), Some("page.html")).body(&b"<p>"[..])).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let head = send(client.request(Method::HEAD, Some(b.name()), Some("page.html"))).await;
    assert_eq!(head.header("content-type"), Some("application/octet-stream"));
}

#[tokio::test]
async fn upload_part_answers_content_md5() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-md5").await;
    let init = client.initiate_multipart_upload(b.name(), "k", &Default::default()).await.expect("initiate");
    let body = data(1000, 1);
    let resp = send(
        client
            .request(Method::PUT, Some(b.name()), Some("k"))
            .query("partNumber", "1")
            .query("uploadId", &init.data.upload_id)
            .body(body.clone()),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("content-md5"), Some(md5_base64(&body).as_str()));
}

#[tokio::test]
async fn precondition_failed_names_the_condition() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-cond").await;
    put(&client, b.name(), "k", b"x").await;
    let other = "\"0123456789ABCDEF0123456789ABCDEF\"";
    let get = send(client.request(Method::GET, Some(b.name()), Some("k")).header("if-match", other)).await;
    let err = get.into_service_error();
    assert_error(&err, 412, "PreconditionFailed");
    assert_eq!(err.extra("Condition"), Some("If-Match"));
    let copy = send(
        client
            .request(Method::PUT, Some(b.name()), Some("dst"))
            .header("x-oss-copy-source", format!("/{}/k", b.name()))
            .header("x-oss-copy-source-if-match", other),
    )
    .await;
    let err = copy.into_service_error();
    assert_error(&err, 412, "PreconditionFailed");
    assert_eq!(err.extra("Condition"), Some("x-oss-copy-source-if-match"));
}

#[tokio::test]
async fn initiate_echoes_encryption_and_kms_gets_a_stable_default_key() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-sse").await;
    let initiate = |sse: &'static str, data_enc: Option<&'static str>| {
        let req = client
            .request(Method::POST, Some(b.name()), Some("k"))
            .query("uploads", "")
            .header("x-oss-server-side-encryption", sse)
            .header_opt("x-oss-server-side-data-encryption", data_enc);
        send(req)
    };
    let aes = initiate("AES256", None).await;
    assert_eq!(aes.status, 200, "{}", aes.text());
    assert_eq!(aes.header("x-oss-server-side-encryption"), Some("AES256"));
    let kms = initiate("KMS", None).await;
    assert_eq!(kms.header("x-oss-server-side-encryption"), Some("KMS"));
    let key_id = kms.header("x-oss-server-side-encryption-key-id").expect("a default key id").to_owned();
    assert!(!key_id.is_empty());
    let again = initiate("KMS", None).await;
    assert_eq!(again.header("x-oss-server-side-encryption-key-id"), Some(key_id.as_str()), "stable per account");
    let sm4 = initiate("KMS", Some("SM4")).await;
    assert_eq!(sm4.header("x-oss-server-side-data-encryption"), Some("SM4"));

    // SM4 data encryption is stored and shown on PUT, HEAD and GET.
    let resp = send(
        client
            .request(Method::PUT, Some(b.name()), Some("sm4"))
            .header("x-oss-server-side-encryption", "KMS")
            .header("x-oss-server-side-data-encryption", "SM4")
            .body(&b"secret"[..]),
    )
    .await;
    assert_eq!(resp.header("x-oss-server-side-data-encryption"), Some("SM4"), "{}", resp.text());
    for method in [Method::HEAD, Method::GET] {
        let resp = send(client.request(method.clone(), Some(b.name()), Some("sm4"))).await;
        assert_eq!(resp.header("x-oss-server-side-data-encryption"), Some("SM4"), "{method}");
        assert_eq!(resp.header("x-oss-server-side-encryption"), Some("KMS"), "{method}");
        assert!(resp.header("x-oss-server-side-encryption-key-id").is_some(), "{method}");
    }
}

#[tokio::test]
async fn put_bucket_acl_answers_location() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-acl").await;
    let resp =
        send(client.request(Method::PUT, Some(b.name()), None).query("acl", "").header("x-oss-acl", "private")).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("location"), Some(format!("/{}", b.name()).as_str()));
}

#[tokio::test]
async fn unknown_access_key_on_a_missing_bucket_is_no_such_bucket() {
    let target = Target::start().await;
    let b = target.bucket("fid-ak").await;
    let stranger = Client::new(
        oss_client::Config::new(&target.endpoint, &target.region)
            .credentials("no-such-access-key", "whatever")
            .signature(SignatureVersion::V4),
    )
    .expect("client");
    let missing = target.bucket_name("fid-gone");
    let err = send(stranger.request(Method::GET, Some(&missing), None)).await.into_service_error();
    assert_error(&err, 404, "NoSuchBucket");
    let err = send(stranger.request(Method::GET, Some(b.name()), None)).await.into_service_error();
    assert_error(&err, 403, "InvalidAccessKeyId");
}

/// A sub-resource the emulator does not implement is never run as the plain request, and is
/// answered only once the signature and the bucket have been checked.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "real OSS implements these sub-resources")]
async fn unimplemented_sub_resources_come_after_signature_and_bucket_checks() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-ni").await;
    put(&client, b.name(), "k", b"kept").await;
    let missing = target.bucket_name("fid-ni-gone");
    for (method, sub) in [
        (Method::GET, "cname"),
        (Method::PUT, "bucketArchiveDirectRead"),
        (Method::PUT, "overwriteConfig"),
        (Method::POST, "cors"),
        (Method::DELETE, "replication"),
    ] {
        let err = send(client.request(method.clone(), Some(b.name()), None).query(sub, "")).await.into_service_error();
        assert_error(&err, 400, "NotImplemented");
        let err = send(client.request(method.clone(), Some(&missing), None).query(sub, "")).await.into_service_error();
        assert_error(&err, 404, "NoSuchBucket");
        let err = send(target.anonymous().request(method.clone(), Some(b.name()), None).query(sub, ""))
            .await
            .into_service_error();
        assert_error(&err, 403, "AccessDenied");
    }
    // `callback` as a query parameter on an object write is an upload callback (here `{}`, no
    // URL): refused before anything is stored, never a plain PutObject.
    let resp =
        send(client.request(Method::PUT, Some(b.name()), Some("k")).query("callback", "e30=").body(&b"new"[..])).await;
    let err = resp.into_service_error();
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(err.message, "The callback url configuration is invalid.");
    assert_eq!(conformance_tests::get_body(&client, b.name(), "k").await, b"kept");
    // A POST to a bucket is PostObject: without a form body it is refused as one, never 405.
    let err = send(client.request(Method::POST, Some(b.name()), None)).await.into_service_error();
    assert_error(&err, 400, "RequestIsNotMultiPartContent");
}

#[tokio::test]
async fn v4_scope_region_errors() {
    let target = Target::start().await;
    let b = target.bucket("fid-region").await;
    let signed_for = |region: &str| {
        Client::new(
            oss_client::Config::new(&target.endpoint, region)
                .credentials(&target.primary.access_key_id, &target.primary.access_key_secret)
                .signature(SignatureVersion::V4),
        )
        .expect("client")
    };
    // A region nobody serves: invalid.
    let err = send(signed_for("cn-nowhere").request(Method::GET, Some(b.name()), None)).await.into_service_error();
    assert_error_ec(&err, 400, "InvalidArgument", "0002-00000226");
    // A real, served region that is not the endpoint's: the wrong region.
    if let Some((other, _)) = &target.other {
        let err = send(signed_for(other).request(Method::GET, Some(b.name()), None)).await.into_service_error();
        assert_error_ec(&err, 400, "InvalidArgument", "0002-00000228");
    }
}

/// Encryption is chosen at InitiateMultipartUpload; naming it again at Complete is refused and
/// leaves the upload pending.
#[tokio::test]
async fn complete_refuses_encryption_headers() {
    let target = Target::start().await;
    let client = target.client();
    let b = target.bucket("fid-sse-complete").await;
    let init = client.initiate_multipart_upload(b.name(), "k", &Default::default()).await.expect("initiate");
    let id = init.data.upload_id;
    let part = client.upload_part(b.name(), "k", &id, 1, &b"abc"[..], &Default::default()).await.expect("part");
    let parts = [oss_client::complete_part(1, part.data.etag.expect("ETag"))];
    let opts = oss_client::CompleteMultipartUploadOptions {
        headers: vec![("x-oss-server-side-encryption".into(), "AES256".into())],
        ..Default::default()
    };
    let err =
        conformance_tests::service_error(client.complete_multipart_upload(b.name(), "k", &id, &parts, &opts).await);
    assert_error(&err, 400, "InvalidArgument");
    client.complete_multipart_upload(b.name(), "k", &id, &parts, &Default::default()).await.expect("complete");
}
