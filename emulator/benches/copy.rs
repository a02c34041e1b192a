//! Copy cost benchmark (`cargo bench -p oss-emulator --bench copy`).
//!
//! Prints CopyObject time for a 1 KiB and a 1 GiB source and their ratio (target: ≤ 2×, since
//! copies share data instead of rewriting it), and a 1 GiB multipart copy in 10 MiB parts
//! (UploadPartCopy, 4 in flight) against a plain file copy of 1 GiB on the same disk.
//! `OSS_BENCH_SIZE_MIB` shrinks the large object for a quick run.

use std::time::{Duration, Instant};

use oss_emulator::{AuthMode, Emulator};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Deterministic, incompressible-looking bytes, produced in chunks (never held whole).
fn body_stream(size: u64) -> reqwest::Body {
    let chunk = 4 * MIB;
    let stream = futures_util::stream::iter((0..size.div_ceil(chunk)).map(move |i| {
        let len = chunk.min(size - i * chunk) as usize;
        let mut state = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        Ok::<_, std::io::Error>(bytes::Bytes::from(data))
    }));
    reqwest::Body::wrap_stream(stream)
}

async fn expect_ok(resp: reqwest::Response, what: &str) -> String {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: {status} {text}");
    text
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).map(|i| i + open.len()).unwrap_or(0);
    let end = text[start..].find(close).map(|i| start + i).unwrap_or(text.len());
    &text[start..end]
}

#[tokio::main]
async fn main() {
    let large = std::env::var("OSS_BENCH_SIZE_MIB").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(1024) * MIB;
    let work = tempfile::tempdir().expect("temp dir");
    // Signatures are not what is measured: requests act as the development account.
    let emulator =
        Emulator::builder().data_dir(work.path().join("data")).auth(AuthMode::Off).start().await.expect("start");
    let base = format!("{}/bench", emulator.endpoint());
    let http = reqwest::Client::new();
    expect_ok(http.put(format!("{base}/")).send().await.expect("put bucket"), "PutBucket").await;
    for (key, size) in [("small", KIB), ("large", large)] {
        let put = http.put(format!("{base}/{key}")).header("content-length", size).body(body_stream(size));
        expect_ok(put.send().await.expect("put"), "PutObject").await;
    }

    let mut copy_times = Vec::new();
    for key in ["small", "large"] {
        let mut samples = Vec::new();
        for i in 0..15 {
            let started = Instant::now();
            let req = http.put(format!("{base}/{key}-copy-{i}")).header("x-oss-copy-source", format!("/bench/{key}"));
            expect_ok(req.send().await.expect("copy"), "CopyObject").await;
            samples.push(started.elapsed());
        }
        copy_times.push(median(samples));
    }
    let ratio = copy_times[1].as_secs_f64() / copy_times[0].as_secs_f64();
    println!("CopyObject 1 KiB source:  {:>10.3} ms (median of 15)", copy_times[0].as_secs_f64() * 1e3);
    println!("CopyObject {} MiB source: {:>10.3} ms (median of 15)", large / MIB, copy_times[1].as_secs_f64() * 1e3);
    println!("ratio large/small:        {ratio:>10.2}x   (target <= 2x)");

    let part = 10 * MIB;
    let started = Instant::now();
    let init = expect_ok(http.post(format!("{base}/mp-copy?uploads")).send().await.expect("init"), "Initiate").await;
    let upload_id = between(&init, "<UploadId>", "</UploadId>").to_owned();
    let parts = large.div_ceil(part);
    let mut etags = vec![String::new(); parts as usize];
    let mut next = 0u64;
    let mut running = tokio::task::JoinSet::new();
    while next < parts || !running.is_empty() {
        while next < parts && running.len() < 4 {
            let (http, base, upload_id) = (http.clone(), base.clone(), upload_id.clone());
            let (first, last) = (next * part, ((next + 1) * part).min(large) - 1);
            let number = next + 1;
            running.spawn(async move {
                let req = http
                    .put(format!("{base}/mp-copy?partNumber={number}&uploadId={upload_id}"))
                    .header("x-oss-copy-source", "/bench/large")
                    .header("x-oss-copy-source-range", format!("bytes={first}-{last}"));
                let resp = req.send().await.expect("upload part copy");
                let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                expect_ok(resp, "UploadPartCopy").await;
                (number, etag)
            });
            next += 1;
        }
        if let Some(done) = running.join_next().await {
            let (number, etag) = done.expect("part task");
            etags[number as usize - 1] = etag;
        }
    }
    let body: String = etags
        .iter()
        .enumerate()
        .map(|(i, e)| format!("<Part><PartNumber>{}</PartNumber><ETag>{e}</ETag></Part>", i + 1))
        .collect();
    let complete = http
        .post(format!("{base}/mp-copy?uploadId={upload_id}"))
        .body(format!("<CompleteMultipartUpload>{body}</CompleteMultipartUpload>"));
    let done = complete.send().await.expect("complete");
    let crc = done.headers().get("x-oss-hash-crc64ecma").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    expect_ok(done, "Complete").await;
    let multipart = started.elapsed();
    let head = http.head(format!("{base}/large")).send().await.expect("head");
    let source_crc = head.headers().get("x-oss-hash-crc64ecma").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(crc, source_crc, "multipart copy CRC must equal the source's");

    let plain_src = work.path().join("plain-src");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&plain_src).expect("create");
        let chunk = vec![0x5Au8; 4 * MIB as usize];
        for _ in 0..large / (4 * MIB) {
            f.write_all(&chunk).expect("write");
        }
        f.sync_all().expect("sync");
    }
    let started = Instant::now();
    // A byte copy (read + write), what copying an object without sharing would cost.
    {
        use std::io::{Read, Write};
        let mut input = std::fs::File::open(&plain_src).expect("open");
        let mut output = std::fs::File::create(work.path().join("plain-dst")).expect("create");
        let mut buf = vec![0u8; 4 * MIB as usize];
        loop {
            let n = input.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            output.write_all(&buf[..n]).expect("write");
        }
    }
    let plain = started.elapsed();
    println!(
        "multipart copy {} MiB in 10 MiB parts ({parts} UploadPartCopy, 4 in flight): {:>8.3} s",
        large / MIB,
        multipart.as_secs_f64()
    );
    println!("plain file copy {} MiB on the same disk:          {:>8.3} s", large / MIB, plain.as_secs_f64());
    println!(
        "ratio multipart/plain:                              {:>8.2}x",
        multipart.as_secs_f64() / plain.as_secs_f64()
    );
    emulator.shutdown().await;
}
