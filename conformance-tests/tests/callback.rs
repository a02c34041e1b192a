//! Upload callbacks (`x-oss-callback`): OSS POSTs the rendered body to the callback server once
//! the object is stored, signs it, and answers with the server's JSON, or 203 CallbackFailed
//! with the object kept. A loopback callback server serves the emulator target; real OSS cannot
//! reach loopback, so there only the cases that need no reachable server run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use conformance_tests::{assert_error, get_body, service_error, Target};
use oss_client::protocol::xml::CallbackPolicyItem;
use oss_client::{
    complete_part, Callback, CallbackBodyType, CompleteMultipartUploadOptions, InitiateMultipartUploadOptions,
    PostCondition, PutObjectOptions,
};
use rsa::pkcs8::DecodePublicKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request the callback server received.
#[derive(Debug, Clone, Default)]
struct Received {
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A callback server on loopback answering every request with `status` and `answer`.
struct CallbackServer {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl CallbackServer {
    async fn start(status: u16, answer: &'static str) -> CallbackServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/cb?from=emulator", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let request = read_request(&mut stream).await;
                log.lock().unwrap().push(request);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            }
        });
        CallbackServer { url, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Received {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "callback request ended inside its headers");
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(data[..head_end].to_vec()).expect("utf-8 head");
    let mut lines = head.split("\r\n");
    let target = lines.next().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .expect("callback requests carry Content-Length");
    let mut body = data.split_off(head_end + 4);
    while body.len() < length {
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "callback body shorter than its Content-Length");
        body.extend_from_slice(&chunk[..n]);
    }
    Received { target, headers, body: String::from_utf8(body).expect("utf-8 body") }
}

/// Checks the request's signature as OSS documents it for callback servers: the public key is
/// fetched from the base64 URL in `x-oss-pub-key-url`, and `authorization` is RSA-MD5 over the
/// decoded path, the query and the body.
async fn assert_signed(got: &Received) {
    use rsa::signature::Verifier;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key_url = b64.decode(got.header("x-oss-pub-key-url").expect("x-oss-pub-key-url")).expect("base64 key url");
    let pem = reqwest::get(String::from_utf8(key_url).expect("utf-8 url")).await.expect("key").text().await.unwrap();
    let key = rsa::RsaPublicKey::from_public_key_pem(&pem).expect("PEM public key");
    let signature = b64.decode(got.header("authorization").expect("authorization")).expect("base64 signature");
    let (path, query) =
        got.target.split_once('?').map_or((got.target.as_str(), String::new()), |(p, q)| (p, format!("?{q}")));
    let signed = format!("{path}{query}\n{}", got.body);
    let verifier = rsa::pkcs1v15::VerifyingKey::<md5::Md5>::new(key);
    let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).expect("signature bytes");
    verifier.verify(signed.as_bytes(), &signature).expect("the callback signature verifies with the served key");
}

fn with_callback(callback: Callback) -> PutObjectOptions {
    PutObjectOptions { callback: Some(callback), content_type: Some("text/plain".into()), ..Default::default() }
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the callback server listens on loopback, which real OSS cannot reach")]
async fn put_object_calls_back_and_answers_with_the_servers_json() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callback").await;
    let server = CallbackServer::start(200, r#"{"ok":true}"#).await;
    let callback = Callback::new(
        &server.url,
        "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&my=${x:my}",
    )
    .var("x:my", "a b");
    let out = client.put_object(&bucket.name, "dir/cb.txt", &b"hello"[..], &with_callback(callback)).await.unwrap();
    assert_eq!(out.status, 200);
    assert_eq!(out.callback_answer.as_deref(), Some(r#"{"ok":true}"#));
    assert_eq!(out.etag.as_deref(), Some("\"5D41402ABC4B2A76B9719D911017C592\""));

    let got = server.received();
    assert_eq!(got.len(), 1);
    let got = &got[0];
    assert_eq!(got.target, "/cb?from=emulator");
    assert_eq!(got.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(
        got.body,
        format!(
            "bucket={}&object=dir%2Fcb.txt&etag=5D41402ABC4B2A76B9719D911017C592&size=5&mimeType=text%2Fplain&my=a%20b",
            bucket.name
        )
    );
    assert_signed(got).await;
    assert_eq!(get_body(&client, &bucket.name, "dir/cb.txt").await, b"hello");

    let journal = target.require_emulator().journal();
    let entries = journal.query(&oss_emulator::journal::Filter {
        operation: Some("PutObjectCallback".into()),
        bucket: Some(bucket.name.clone()),
        ..Default::default()
    });
    assert_eq!(entries.len(), 1, "each callback is a journal entry");
    assert_eq!(entries[0].status, 200);
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the callback server listens on loopback, which real OSS cannot reach")]
async fn complete_multipart_upload_calls_back_with_a_json_body() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackmp").await;
    let server = CallbackServer::start(200, r#"{"done":1}"#).await;
    let upload = client
        .initiate_multipart_upload(&bucket.name, "big", &InitiateMultipartUploadOptions::default())
        .await
        .unwrap();
    let part = client
        .upload_part(&bucket.name, "big", &upload.upload_id, 1, vec![7u8; 300], &Default::default())
        .await
        .unwrap();
    let callback =
        Callback::new(&server.url, r#"{"object":${object},"size":${size}}"#).body_type(CallbackBodyType::Json);
    let opts = CompleteMultipartUploadOptions { callback: Some(callback), ..Default::default() };
    let parts = [complete_part(1, part.etag.clone().unwrap())];
    let out = client.complete_multipart_upload(&bucket.name, "big", &upload.upload_id, &parts, &opts).await.unwrap();
    assert_eq!(out.callback_answer.as_deref(), Some(r#"{"done":1}"#));
    assert!(out.etag.ends_with("-1\""), "the multipart ETag comes from the header: {}", out.etag);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].body, r#"{"object":"big","size":300}"#);
    assert_eq!(get_body(&client, &bucket.name, "big").await, vec![7u8; 300]);
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the callback server listens on loopback, which real OSS cannot reach")]
async fn a_failing_callback_server_makes_203_callback_failed_and_the_object_stays() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackfail").await;
    let server = CallbackServer::start(500, "{}").await;
    let out = client
        .put_object(&bucket.name, "k", &b"kept"[..], &with_callback(Callback::new(&server.url, "o=${object}")))
        .await;
    let err = service_error(out);
    assert_error(&err, 203, "CallbackFailed");
    assert_eq!(err.ec.as_deref(), Some("0007-00000203"));
    assert_eq!(err.message, "Error status : 500.");
    assert!(err.header("etag").is_some(), "the upload's ETag is kept on a failed callback");
    assert_eq!(server.received().len(), 1);
    assert_eq!(get_body(&client, &bucket.name, "k").await, b"kept");
}

/// The oss2 suite's case: a callback URL OSS cannot reach fails the callback, not the upload.
#[tokio::test]
async fn an_unreachable_callback_url_makes_203_and_the_object_stays() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackfar").await;
    let callback = Callback::new("http://cbsrv.oss.demo.com", "bucket=${bucket}&object=${object}");
    let err = service_error(client.put_object(&bucket.name, "far", &b"x"[..], &with_callback(callback)).await);
    assert_error(&err, 203, "CallbackFailed");
    assert_eq!(get_body(&client, &bucket.name, "far").await, b"x");
}

#[tokio::test]
async fn malformed_callbacks_are_refused_before_anything_is_stored() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackbad").await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let cases = [
        ("not base64 %%".to_owned(), "The callback configuration is not base64 encoded."),
        (b64.encode("{no json"), "The callback configuration is not json format."),
        (b64.encode(r#"{"callbackBody":"a=b"}"#), "The callback url configuration is invalid."),
        (b64.encode(r#"{"callbackUrl":"http://127.0.0.1:1"}"#), "The callback body is empty."),
        (
            b64.encode(r#"{"callbackUrl":"http://127.0.0.1:1","callbackBody":"a","callbackBodyType":"text/xml"}"#),
            "The callback body type configuration is invalid.",
        ),
    ];
    for (value, message) in cases {
        let opts = PutObjectOptions { headers: vec![("x-oss-callback".into(), value.clone())], ..Default::default() };
        let err = service_error(client.put_object(&bucket.name, "never", &b"x"[..], &opts).await);
        assert_error(&err, 400, "InvalidArgument");
        assert_eq!(err.message, message, "for {value}");
    }
    let missing = service_error(client.head_object(&bucket.name, "never", &Default::default()).await);
    assert_eq!(missing.status, 404, "a refused callback stores nothing");
}

/// PostObject's form carries the callback as a `callback` field and its variables as `x:` fields.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the callback server listens on loopback, which real OSS cannot reach")]
async fn post_object_calls_back_from_its_form_fields() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackpost").await;
    let server = CallbackServer::start(200, r#"{"form":"ok"}"#).await;
    let callback = Callback::new(&server.url, "object=${object}&size=${size}&my=${x:my}");
    let conditions = [PostCondition::eq("callback", callback.encoded()), PostCondition::eq("x:my", "from form")];
    let form = client.post_object_form(&bucket.name, "posted", &conditions, Duration::from_secs(600)).unwrap();
    let resp = client.post_object(&form, "f.txt", Some("text/plain"), b"form body").await.unwrap();
    assert_eq!((resp.status.as_u16(), &resp.body[..]), (200, &br#"{"form":"ok"}"#[..]));
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "object=posted&size=9&my=from%20form");
    assert_signed(&got[0]).await;
    assert_eq!(get_body(&client, &bucket.name, "posted").await, b"form body");
}

/// Named callbacks kept on the bucket: an upload asks for one with `{"callbackPolicy": name}`.
#[tokio::test]
async fn stored_callback_policies_round_trip_and_serve_uploads() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackpolicy").await;
    let err = service_error(client.get_bucket_callback_policy(&bucket.name).await);
    assert_error(&err, 404, "BucketCallbackPolicyNotExist");

    let far = Callback::new("http://cbsrv.oss.demo.com/cb", "object=${object}&v=${x:v}").var("x:v", "1");
    let items = [CallbackPolicyItem {
        name: "far".into(),
        callback: far.encoded(),
        callback_var: far.encoded_vars().unwrap_or_default(),
    }];
    assert_eq!(client.put_bucket_callback_policy(&bucket.name, &items).await.unwrap().status, 200);
    let got = client.get_bucket_callback_policy(&bucket.name).await.unwrap();
    assert_eq!(got.items, items);

    // The stored callback is the one run: its URL is unreachable, so the callback fails (203)
    // and the object stays.
    let opts = with_callback(Callback::stored("far"));
    let err = service_error(client.put_object(&bucket.name, "by-policy", &b"p"[..], &opts).await);
    assert_error(&err, 203, "CallbackFailed");
    assert_eq!(get_body(&client, &bucket.name, "by-policy").await, b"p");
    let unknown = with_callback(Callback::stored("nope"));
    let err = service_error(client.put_object(&bucket.name, "never", &b"p"[..], &unknown).await);
    assert_error(&err, 400, "InvalidArgument");

    let bad = [CallbackPolicyItem { name: "bad".into(), callback: "%%".into(), callback_var: String::new() }];
    let err = service_error(client.put_bucket_callback_policy(&bucket.name, &bad).await);
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(client.delete_bucket_callback_policy(&bucket.name).await.unwrap().status, 204);
    let err = service_error(client.get_bucket_callback_policy(&bucket.name).await);
    assert_error(&err, 404, "BucketCallbackPolicyNotExist");
}

/// A stored callback to the loopback server: the emulator runs it with the stored variables.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the callback server listens on loopback, which real OSS cannot reach")]
async fn a_stored_callback_policy_is_run_with_its_variables() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("callbackpolicyrun").await;
    let server = CallbackServer::start(200, r#"{"stored":true}"#).await;
    let near = Callback::new(&server.url, "object=${object}&v=${x:v}").var("x:v", "kept");
    let items = [CallbackPolicyItem {
        name: "near".into(),
        callback: near.encoded(),
        callback_var: near.encoded_vars().unwrap_or_default(),
    }];
    client.put_bucket_callback_policy(&bucket.name, &items).await.unwrap();
    let out = client.put_object(&bucket.name, "k", &b"x"[..], &with_callback(Callback::stored("near"))).await.unwrap();
    assert_eq!(out.callback_answer.as_deref(), Some(r#"{"stored":true}"#));
    assert_eq!(server.received()[0].body, "object=k&v=kept");
}
