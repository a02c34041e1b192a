//! What the client puts on the wire and how it reads answers, against a scripted HTTP/1.1
//! server (the emulator is a separate crate and not a dependency of the client).

use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use oss_client::protocol::{crc64, error::ErrorDocument, xml};
use oss_client::{
    complete_part, Addressing, Client, CompleteMultipartUploadOptions, Config, CopyOptions, Error, GetObjectOptions,
    ListObjectsV2Options, Method, ObjectPath, PutObjectOptions, RetryPolicy, SignatureVersion, StatusCode,
    TransferOptions,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    chunked: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A canned answer.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Close the connection instead of answering (what a reset looks like to the client).
    drop_connection: bool,
}

impl Reply {
    fn new(status: u16) -> Self {
        Reply {
            status,
            headers: vec![("x-oss-request-id".into(), "RID0001".into())],
            body: Vec::new(),
            drop_connection: false,
        }
    }
    fn dropped() -> Self {
        Reply { drop_connection: true, ..Reply::new(0) }
    }
    fn header(mut self, n: &str, v: impl Into<String>) -> Self {
        self.headers.push((n.into(), v.into()));
        self
    }
    fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (handler, log) = (Arc::clone(&handler), Arc::clone(&log));
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    while let Some(req) = read_request(&mut r).await {
                        let reply = handler(&req);
                        let head_only = req.method == "HEAD";
                        log.lock().unwrap().push(req);
                        if reply.drop_connection {
                            return;
                        }
                        let mut out = format!("HTTP/1.1 {} X\r\n", reply.status);
                        for (n, v) in &reply.headers {
                            out.push_str(&format!("{n}: {v}\r\n"));
                        }
                        out.push_str(&format!("content-length: {}\r\n\r\n", reply.body.len()));
                        let mut bytes = out.into_bytes();
                        if !head_only {
                            bytes.extend_from_slice(&reply.body);
                        }
                        if w.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server { port, seen }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn client(&self, f: impl FnOnce(Config) -> Config) -> Client {
        Client::new(f(Config::new(self.endpoint(), "cn-hangzhou").credentials("ak", "sk"))).unwrap()
    }

    fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("a request")
    }
}

async fn read_request<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> Option<Seen> {
    let mut line = String::new();
    if r.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l).await.ok()?;
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':')?;
        headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
    }
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v): &(String, String)| v.clone());
    let chunked = find("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).await.ok()?;
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = find("content-length") {
        body = vec![0; len.parse().ok()?];
        r.read_exact(&mut body).await.ok()?;
    }
    Some(Seen { method, target, headers, body, chunked })
}

fn error_xml(code: &str, extra: Vec<(String, String)>) -> String {
    ErrorDocument {
        code: code.into(),
        message: "m".into(),
        request_id: "RIDX".into(),
        host_id: "h".into(),
        extra,
        ec: Some("0026-00000001".into()),
    }
    .to_xml()
}

#[tokio::test]
async fn put_object_wire_and_crc() {
    let server = Server::start(|req| {
        let crc = if req.header("x-oss-meta-bad").is_some() { 1 } else { crc64::checksum(&req.body) };
        Reply::new(200).header("etag", "\"E\"").header("x-oss-hash-crc64ecma", crc.to_string())
    })
    .await;
    let c = server.client(|c| c.signature(SignatureVersion::V1));
    let opts = PutObjectOptions {
        content_type: Some("text/plain".into()),
        metadata: vec![("Author".into(), "alice".into())],
        forbid_overwrite: Some(true),
        ..Default::default()
    };
    let out = c.put_object("b", "dir/a b+c.txt", &b"hello"[..], &opts).await.unwrap();
    assert_eq!(out.etag.as_deref(), Some("\"E\""));
    assert_eq!(out.crc64, Some(crc64::checksum(b"hello")));
    assert_eq!(out.request_id.as_deref(), Some("RID0001"));
    let seen = server.last();
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.target, "/b/dir/a%20b%2Bc.txt");
    assert_eq!(seen.body, b"hello");
    assert_eq!(seen.header("content-length"), Some("5"));
    assert_eq!(seen.header("content-type"), Some("text/plain"));
    assert_eq!(seen.header("x-oss-meta-author"), Some("alice"));
    assert_eq!(seen.header("x-oss-forbid-overwrite"), Some("true"));
    assert_eq!(seen.header("host"), Some(format!("127.0.0.1:{}", server.port).as_str()));
    assert!(seen.header("authorization").unwrap().starts_with("OSS ak:"));
    assert!(oss_client::protocol::time::parse_http_date(seen.header("date").unwrap()).is_some());

    // An empty body still says Content-Length: 0 (OSS wants it on PUT).
    c.put_object("b", "empty", Bytes::new(), &PutObjectOptions::default()).await.unwrap();
    assert_eq!(server.last().header("content-length"), Some("0"));

    // A server CRC that disagrees is an integrity error.
    let bad = PutObjectOptions { metadata: vec![("bad".into(), "1".into())], ..Default::default() };
    let e = c.put_object("b", "k", &b"hello"[..], &bad).await.unwrap_err();
    assert!(e.is_integrity(), "{e}");
    // ... unless verification is off.
    let lax = server.client(|c| c.verify_crc(false));
    lax.put_object("b", "k", &b"hello"[..], &bad).await.unwrap();
}

#[tokio::test]
async fn streams_both_ways() {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let stored = data.clone();
    let server = Server::start(move |req| match req.method.as_str() {
        "PUT" => Reply::new(200).header("x-oss-hash-crc64ecma", crc64::checksum(&req.body).to_string()),
        _ => Reply::new(200)
            .header("x-oss-hash-crc64ecma", crc64::checksum(&stored).to_string())
            .header("last-modified", "Wed, 28 Dec 2022 10:27:41 GMT")
            .body(stored.clone()),
    })
    .await;
    let c = server.client(|c| c);
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        data.chunks(65536).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    c.put_object_stream("b", "big", futures_util::stream::iter(chunks), None, &PutObjectOptions::default())
        .await
        .unwrap();
    let seen = server.last();
    assert!(seen.chunked);
    assert_eq!(seen.body, data);

    let mut stream = c.get_object_stream("b", "big", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(stream.meta.content_length, Some(data.len() as u64));
    let mut got = Vec::new();
    while let Some(chunk) = stream.chunk().await.unwrap() {
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, data);
}

#[tokio::test]
async fn get_object_crc_only_for_whole_objects() {
    let server = Server::start(|req| {
        let r = Reply::new(if req.header("range").is_some() { 206 } else { 200 })
            .header("x-oss-hash-crc64ecma", "12345")
            .header("etag", "\"E\"")
            .header("x-oss-meta-k", "v")
            .body(&b"abc"[..]);
        if req.header("range").is_some() {
            r.header("content-range", "bytes 0-2/10")
        } else {
            r
        }
    })
    .await;
    let c = server.client(|c| c);
    let e = c.get_object("b", "k", &GetObjectOptions::default()).await.unwrap_err();
    assert!(matches!(e, Error::Integrity { server_crc: 12345, .. }), "{e}");
    let part = c.get_object("b", "k", &GetObjectOptions::range(0, Some(2))).await.unwrap();
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body.as_ref(), b"abc");
    assert_eq!(part.content_range.as_deref(), Some("bytes 0-2/10"));
    assert_eq!(part.meta.meta("k"), Some("v"));
    assert_eq!(server.last().header("range"), Some("bytes=0-2"));
}

#[tokio::test]
async fn head_errors_come_from_x_oss_err() {
    let server = Server::start(|req| {
        let doc = error_xml("NoSuchBucket", vec![("BucketName".into(), "b".into())]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc);
        if req.target.contains("objectMeta") {
            Reply::new(404).header("x-oss-err", b64).header("x-oss-ec", "0015-00000101")
        } else {
            Reply::new(404)
        }
    })
    .await;
    let c = server.client(|c| c);
    let e = c.get_object_meta("b", "k", None).await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    assert_eq!(e.service().unwrap().extra("BucketName"), Some("b"));
    assert_eq!(e.request_id(), Some("RID0001"));
    assert_eq!(server.last().target, "/b/k?objectMeta");
    let e = c.head_object("b", "k", &GetObjectOptions::default()).await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.code(), None);
}

#[tokio::test]
async fn raw_requests_and_error_bodies() {
    let server = Server::start(|req| {
        if req.target.starts_with("/b/?acl") {
            Reply::new(403).body(error_xml("AccessDenied", vec![]))
        } else {
            Reply::new(500).body("oops")
        }
    })
    .await;
    let c = server.client(|c| c);
    let e = c.get_bucket_acl("b").await.unwrap_err();
    assert!(e.is_access_denied());
    assert_eq!(e.ec(), Some("0026-00000001"));
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));

    let raw = c
        .request(Method::POST, Some("b"), Some("k"))
        .query("uploads", "")
        .raw_query("uploads=&x=%zz")
        .header("X-Custom", "1")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(raw.text(), "oops");
    let seen = server.last();
    assert_eq!(seen.target, "/b/k?uploads=&x=%zz");
    assert_eq!(seen.header("x-custom"), Some("1"));
    assert_eq!(seen.header("content-length"), Some("0"));
}

#[tokio::test]
async fn host_override_reaches_an_ip() {
    let server = Server::start(|_| Reply::new(204)).await;
    let c = server
        .client(|c| c.addressing(Addressing::VirtualHost).host_override(Some("oss-cn-hangzhou.aliyuncs.com".into())));
    c.delete_object("b", "dir/k").await.unwrap();
    let seen = server.last();
    assert_eq!(seen.target, "/dir/k");
    assert_eq!(seen.header("host"), Some("b.oss-cn-hangzhou.aliyuncs.com"));
    assert!(seen.header("authorization").unwrap().starts_with("OSS4-HMAC-SHA256 Credential=ak/"));
    assert_eq!(seen.header("x-oss-content-sha256"), Some("UNSIGNED-PAYLOAD"));
}

#[tokio::test]
async fn listing_keys_are_decoded() {
    let server = Server::start(|_| {
        Reply::new(200).body(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><Name>b</Name><Prefix>a%20b%2F</Prefix>\
             <MaxKeys>100</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType>\
             <IsTruncated>false</IsTruncated><KeyCount>2</KeyCount>\
             <Contents><Key>a%20b%2Fc%2Bd</Key><LastModified>2023-12-16T16:20:57.000Z</LastModified>\
             <ETag>\"E\"</ETag><Type>Normal</Type><Size>3</Size><StorageClass>Standard</StorageClass></Contents>\
             <CommonPrefixes><Prefix>a%20b%2F%E4%B8%AD%2F</Prefix></CommonPrefixes></ListBucketResult>",
        )
    })
    .await;
    let c = server.client(|c| c);
    let opts = ListObjectsV2Options {
        prefix: Some("a b/".into()),
        delimiter: Some("/".into()),
        encoding_type: Some("url".into()),
        ..Default::default()
    };
    let out = c.list_objects_v2("b", &opts).await.unwrap();
    assert_eq!(out.contents[0].key, "a b/c+d");
    assert_eq!(out.prefix, "a b/");
    assert_eq!(out.delimiter, "/");
    assert_eq!(out.common_prefixes[0].prefix, "a b/中/");
    assert_eq!(out.key_count, Some(2));
    assert_eq!(server.last().target, "/b/?list-type=2&prefix=a%20b%2F&delimiter=%2F&encoding-type=url");

    // A wrong root is reported, not silently defaulted.
    let e = c.list_buckets(&Default::default()).await.unwrap_err();
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e}");
}

#[tokio::test]
async fn multipart_bodies() {
    let server = Server::start(|req| {
        if req.target.contains("?delete") {
            Reply::new(200).body("<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>")
        } else {
            Reply::new(200).header("etag", "\"X-2\"").body(
                "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key>\
                 <ETag>\"X-2\"</ETag></CompleteMultipartUploadResult>",
            )
        }
    })
    .await;
    let c = server.client(|c| c);
    let parts = [complete_part(2, "\"B\""), complete_part(1, "\"A\"")];
    let opts = CompleteMultipartUploadOptions { content_md5: true, ..Default::default() };
    let out = c.complete_multipart_upload("b", "k", "UP", &parts, &opts).await.unwrap();
    assert_eq!(out.etag, "\"X-2\"");
    let seen = server.last();
    assert_eq!(seen.target, "/b/k?uploadId=UP");
    let sent: xml::CompleteMultipartUpload = xml::from_xml(std::str::from_utf8(&seen.body).unwrap()).unwrap();
    // Sent in the order given, so out-of-order tests are possible.
    assert_eq!(sent.parts[0].part_number, "2");
    assert_eq!(seen.header("content-md5"), Some(oss_client::content_md5(&seen.body).as_str()));

    c.complete_multipart_upload_all("b", "k", "UP", &Default::default()).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header("x-oss-complete-all"), Some("yes"));
    assert!(seen.body.is_empty());
    assert_eq!(seen.header("content-length"), Some("0"));

    let out = c.delete_multiple_objects("b", &["a", "c d"], false, None).await.unwrap();
    assert_eq!(out.deleted[0].key, "a");
    let seen = server.last();
    assert_eq!(seen.target, "/b/?delete");
    let sent: xml::Delete = xml::from_xml(std::str::from_utf8(&seen.body).unwrap()).unwrap();
    assert_eq!(sent.quiet.as_deref(), Some("false"));
    assert_eq!(sent.objects[1].key, "c d");
    assert_eq!(seen.header("content-md5"), Some(oss_client::content_md5(&seen.body).as_str()));
}

#[tokio::test]
async fn connection_refused_is_transport() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = Client::new(Config::new(format!("http://127.0.0.1:{port}"), "cn-hangzhou")).unwrap();
    let e = c.delete_bucket("b").await.unwrap_err();
    assert!(e.is_transport(), "{e}");
}

/// `Range: bytes=a-b` of a scripted GET, as `(start, end)` inclusive.
fn range_of(req: &Seen) -> Option<(usize, usize)> {
    let spec = req.header("range")?.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// A server whose object is `data` but whose `x-oss-hash-crc64ecma` says `crc`.
async fn lying_server(data: Vec<u8>, crc: u64) -> Server {
    Server::start(move |req| {
        let base = Reply::new(200)
            .header("etag", "\"E\"")
            .header("last-modified", "Wed, 28 Dec 2022 10:27:41 GMT")
            .header("x-oss-hash-crc64ecma", crc.to_string());
        match (req.method.as_str(), range_of(req)) {
            ("HEAD", _) => base.header("x-oss-object-type", "Normal").body(vec![0; data.len()]),
            ("GET", Some((a, b))) => {
                let mut r = base.body(data[a..=b].to_vec());
                r.status = 206;
                r.header("content-range", format!("bytes {a}-{b}/{}", data.len()))
            }
            ("GET", None) => base.body(data.clone()),
            _ => base.body(
                "<CopyObjectResult><ETag>\"E\"</ETag><LastModified>2022-12-28T10:27:41.000Z</LastModified></CopyObjectResult>",
            ),
        }
    })
    .await
}

#[tokio::test]
async fn downloads_with_a_wrong_crc_fail_and_leave_no_file() {
    let data: Vec<u8> = (0..250_000u32).map(|i| (i % 241) as u8).collect();
    let server = lying_server(data.clone(), crc64::checksum(&data) ^ 1).await;
    let c = server.client(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let src = ObjectPath::new("b", "k");
    for opts in [
        TransferOptions::default(),
        // Ranged parts: the whole object's CRC is combined from the parts' and still disagrees.
        TransferOptions { threshold: 1, part_size: 100 * 1024, ..Default::default() },
    ] {
        let out = dir.path().join("k");
        let e = c.download_file(&src, &out, &opts).await.unwrap_err();
        assert!(e.is_integrity(), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");
    }
    // With the right CRC both ways succeed, so the failure above was the CRC and nothing else.
    let honest = lying_server(data.clone(), crc64::checksum(&data)).await;
    let c = honest.client(|c| c);
    let opts = TransferOptions { threshold: 1, part_size: 100 * 1024, ..Default::default() };
    c.download_file(&src, &dir.path().join("ok"), &opts).await.unwrap();
    assert_eq!(std::fs::read(dir.path().join("ok")).unwrap(), data);
    let ranges: Vec<_> =
        honest.seen.lock().unwrap().iter().filter_map(|s| s.header("range").map(str::to_owned)).collect();
    assert_eq!(ranges.len(), 3);
}

#[tokio::test]
async fn copies_with_a_wrong_crc_fail() {
    // The source's HEAD says one CRC, the copy's answer another.
    let server = Server::start(|req| {
        let r = Reply::new(200).header("etag", "\"E\"");
        if req.method == "HEAD" {
            r.header("x-oss-hash-crc64ecma", "111").body(vec![0; 5])
        } else {
            r.header("x-oss-hash-crc64ecma", "222").body("<CopyObjectResult><ETag>\"E\"</ETag></CopyObjectResult>")
        }
    })
    .await;
    let c = server.client(|c| c);
    let e = c.copy(&ObjectPath::new("b", "s"), &ObjectPath::new("b", "d"), &CopyOptions::default()).await.unwrap_err();
    assert!(matches!(e, Error::Integrity { client_crc: 111, server_crc: 222, .. }), "{e}");
    assert_eq!(server.last().header("x-oss-copy-source-if-match"), Some("\"E\""));
}

#[tokio::test]
async fn uploads_with_a_wrong_crc_fail() {
    // Parts are answered honestly; the completed object's CRC is wrong.
    let server = Server::start(|req| {
        if req.target.contains("?uploads") {
            Reply::new(200).body(
                "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>UP</UploadId></InitiateMultipartUploadResult>",
            )
        } else if req.method == "PUT" {
            Reply::new(200)
                .header("etag", "\"P\"")
                .header("x-oss-hash-crc64ecma", crc64::checksum(&req.body).to_string())
        } else if req.method == "POST" {
            Reply::new(200).header("x-oss-hash-crc64ecma", "7").body(
                "<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>\"X-3\"</ETag></CompleteMultipartUploadResult>",
            )
        } else {
            Reply::new(204)
        }
    })
    .await;
    let c = server.client(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, vec![9u8; 250_000]).unwrap();
    let opts = TransferOptions { threshold: 1, part_size: 100 * 1024, ..Default::default() };
    let e = c.upload_file(&file, &ObjectPath::new("b", "k"), &opts).await.unwrap_err();
    assert!(matches!(e, Error::Integrity { server_crc: 7, .. }), "{e}");
    // The object exists by now; aborting would be meaningless, so nothing is sent after Complete.
    assert_eq!(server.last().method, "POST");
}

/// A server that fails the first `failures` requests (each with `fail`), then serves `data`.
async fn flaky_server(failures: usize, fail: fn() -> Reply, data: &'static [u8]) -> Server {
    let count = Arc::new(Mutex::new(0usize));
    Server::start(move |_| {
        let mut n = count.lock().unwrap();
        *n += 1;
        if *n <= failures {
            return fail();
        }
        Reply::new(200).header("x-oss-hash-crc64ecma", crc64::checksum(data).to_string()).body(data)
    })
    .await
}

fn unavailable() -> Reply {
    Reply::new(503).header("content-type", "application/xml").body(error_xml("ServiceUnavailable", vec![]))
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::standard()
        .max_attempts(attempts)
        .base_delay(std::time::Duration::from_millis(5))
        .max_delay(std::time::Duration::from_millis(20))
}

#[tokio::test]
async fn retries_503_and_connection_resets_on_idempotent_requests() {
    for (fail, what) in [(unavailable as fn() -> Reply, "503"), (Reply::dropped as fn() -> Reply, "reset")] {
        let server = flaky_server(2, fail, b"third time lucky").await;
        let client = server.client(|c| c.retry(fast_retries(3)));
        let got = client.get_object("bucket", "key", &GetObjectOptions::default()).await.expect(what);
        assert_eq!(got.body.as_ref(), b"third time lucky", "{what}");
        assert_eq!(server.seen.lock().unwrap().len(), 3, "{what}: two failures, then success");
    }
}

#[tokio::test]
async fn retries_are_bounded_and_off_by_default() {
    let server = flaky_server(usize::MAX, unavailable, b"").await;
    let client = server.client(|c| c.retry(fast_retries(3)));
    let err = client.get_object("bucket", "key", &GetObjectOptions::default()).await.expect_err("always 503");
    assert_eq!((err.status().map(|s| s.as_u16()), err.code()), (Some(503), Some("ServiceUnavailable")));
    assert_eq!(server.seen.lock().unwrap().len(), 3, "max_attempts bounds the tries");

    let plain = flaky_server(1, unavailable, b"x").await;
    let err =
        plain.client(|c| c).get_object("bucket", "key", &GetObjectOptions::default()).await.expect_err("no retry");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(plain.seen.lock().unwrap().len(), 1, "Config::new does not retry");
}

#[tokio::test]
async fn non_idempotent_requests_are_not_retried() {
    let server = flaky_server(1, unavailable, b"").await;
    let client = server.client(|c| c.retry(fast_retries(3)));
    let err = client
        .initiate_multipart_upload("bucket", "key", &Default::default())
        .await
        .expect_err("InitiateMultipartUpload is not idempotent");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.seen.lock().unwrap().len(), 1, "a second Initiate would leak an upload");
}
