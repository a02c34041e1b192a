//! The crash test: the emulator binary is killed with SIGKILL while clients PUT, copy, upload
//! parts, copy parts, complete and abort, then restarted, about ten times. After every restart:
//! every acknowledged object is intact (bytes, ETag, CRC-64), no acknowledged Complete's or
//! Abort's upload is still listed, every listed upload completes, and nothing ever answered 500.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BUCKET: &str = "crash";
const CYCLES: usize = 10;

struct Server {
    child: Child,
    base: String,
}

fn start(data: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oss-emulator"))
        .args(["--auth", "off", "--listen", "127.0.0.1:0", "--min-part-size", "1", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the emulator binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("the emulator printed its address").expect("read stdout");
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.split_whitespace().next().expect("an address").to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base: format!("http://{addr}") }
}

/// What the clients were told succeeded.
#[derive(Default)]
struct Acked {
    /// key → (bytes, ETag)
    objects: BTreeMap<String, (Vec<u8>, String)>,
    completed: Vec<String>,
    aborted: Vec<String>,
    server_errors: Vec<String>,
}

fn body_for(key: &str, len: usize) -> Vec<u8> {
    let seed = key.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (0..len).map(|i| (seed.wrapping_add((i as u32).wrapping_mul(2_654_435_761)) >> 13) as u8).collect()
}

fn etag(resp: &reqwest::Response) -> String {
    resp.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn xml_value(text: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{tag}>"))? + start;
    Some(text[start..end].to_owned())
}

fn complete_body(parts: &[(u32, String)]) -> String {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (n, e) in parts {
        xml.push_str(&format!("<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"));
    }
    xml + "</CompleteMultipartUpload>"
}

/// One client's loop of operations until the deadline (or the server dies under it).
async fn client_loop(http: reqwest::Client, base: String, worker: usize, cycle: usize, acked: Arc<Mutex<Acked>>) {
    let mut n = 0usize;
    loop {
        n += 1;
        let key = format!("c{cycle}/w{worker}/{n}");
        if run_one(&http, &base, &key, n, &acked).await.is_err() {
            return; // the connection died: the kill came
        }
    }
}

fn check_status(acked: &Mutex<Acked>, what: &str, status: reqwest::StatusCode) -> bool {
    if status.is_server_error() {
        acked.lock().unwrap().server_errors.push(format!("{what}: {status}"));
    }
    status.is_success()
}

async fn run_one(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    n: usize,
    acked: &Mutex<Acked>,
) -> Result<(), reqwest::Error> {
    let url = format!("{base}/{BUCKET}/{key}");
    // Small and large bodies: in-memory and streamed-to-file paths both get killed mid-way.
    let len = if n.is_multiple_of(5) { 200_000 } else { 1000 + n % 700 };
    let data = body_for(key, len);
    let resp = http.put(&url).body(data.clone()).send().await?;
    if !check_status(acked, "PutObject", resp.status()) {
        return Ok(());
    }
    let tag = etag(&resp);
    acked.lock().unwrap().objects.insert(key.to_owned(), (data.clone(), tag.clone()));

    match n % 4 {
        0 => {
            let copy = format!("{key}-copy");
            let resp = http
                .put(format!("{base}/{BUCKET}/{copy}"))
                .header("x-oss-copy-source", format!("/{BUCKET}/{key}"))
                .send()
                .await?;
            if check_status(acked, "CopyObject", resp.status()) {
                acked.lock().unwrap().objects.insert(copy, (data, tag));
            }
        }
        _ => {
            let mp = format!("{key}-mp");
            let mp_url = format!("{base}/{BUCKET}/{mp}");
            let resp = http.post(format!("{mp_url}?uploads")).send().await?;
            if !check_status(acked, "InitiateMultipartUpload", resp.status()) {
                return Ok(());
            }
            let Some(id) = xml_value(&resp.text().await?, "UploadId") else { return Ok(()) };
            let part1 = body_for(&mp, 3000);
            let resp = http.put(format!("{mp_url}?partNumber=1&uploadId={id}")).body(part1.clone()).send().await?;
            if !check_status(acked, "UploadPart", resp.status()) {
                return Ok(());
            }
            let e1 = etag(&resp);
            let resp = http
                .put(format!("{mp_url}?partNumber=2&uploadId={id}"))
                .header("x-oss-copy-source", format!("/{BUCKET}/{key}"))
                .send()
                .await?;
            if !check_status(acked, "UploadPartCopy", resp.status()) {
                return Ok(());
            }
            let e2 = xml_value(&resp.text().await?, "ETag").unwrap_or_default().replace("&quot;", "\"");
            if n % 4 == 3 {
                let resp = http.delete(format!("{mp_url}?uploadId={id}")).send().await?;
                if check_status(acked, "AbortMultipartUpload", resp.status()) {
                    acked.lock().unwrap().aborted.push(id);
                }
            } else {
                let body = complete_body(&[(1, e1), (2, e2)]);
                let resp = http.post(format!("{mp_url}?uploadId={id}")).body(body).send().await?;
                if check_status(acked, "CompleteMultipartUpload", resp.status()) {
                    let tag = etag(&resp);
                    let mut g = acked.lock().unwrap();
                    g.completed.push(id);
                    g.objects.insert(mp, ([part1, data].concat(), tag));
                }
            }
        }
    }
    Ok(())
}

/// Everything a restart must show, checked against what was acknowledged.
async fn verify(http: &reqwest::Client, base: &str, acked: &Mutex<Acked>) -> (usize, usize) {
    let objects: Vec<(String, (Vec<u8>, String))> =
        acked.lock().unwrap().objects.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, (bytes, tag)) in &objects {
        let resp = http.get(format!("{base}/{BUCKET}/{key}")).send().await.expect("GET after restart");
        assert_eq!(resp.status(), 200, "acknowledged object {key} is gone");
        assert_eq!(&etag(&resp), tag, "{key}: ETag");
        let crc =
            resp.headers().get("x-oss-hash-crc64ecma").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let got = resp.bytes().await.expect("body");
        assert!(got.as_ref() == bytes.as_slice(), "{key}: bytes differ ({} vs {} bytes)", got.len(), bytes.len());
        assert_eq!(crc, oss_protocol::crc64::checksum(bytes).to_string(), "{key}: CRC-64");
    }
    // Pending uploads: none acknowledged as done, and each one completes.
    let mut listed = Vec::new();
    let mut marker = (String::new(), String::new());
    loop {
        let url = format!("{base}/{BUCKET}/?uploads&key-marker={}&upload-id-marker={}", marker.0, marker.1);
        let text = http.get(url).send().await.expect("list uploads").text().await.expect("text");
        for chunk in text.split("<Upload>").skip(1) {
            listed
                .push((xml_value(chunk, "Key").unwrap_or_default(), xml_value(chunk, "UploadId").unwrap_or_default()));
        }
        if xml_value(&text, "IsTruncated").as_deref() != Some("true") {
            break;
        }
        marker = (
            xml_value(&text, "NextKeyMarker").unwrap_or_default(),
            xml_value(&text, "NextUploadIdMarker").unwrap_or_default(),
        );
    }
    {
        let g = acked.lock().unwrap();
        for (_, id) in &listed {
            assert!(!g.completed.contains(id), "completed upload {id} is listed again");
            assert!(!g.aborted.contains(id), "aborted upload {id} is listed again");
        }
    }
    for (key, id) in &listed {
        let url = format!("{base}/{BUCKET}/{key}?uploadId={id}");
        let text = http.get(&url).send().await.expect("list parts").text().await.expect("text");
        let parts: Vec<(u32, String)> = text
            .split("<Part>")
            .skip(1)
            .filter_map(|p| {
                Some((xml_value(p, "PartNumber")?.parse().ok()?, xml_value(p, "ETag")?.replace("&quot;", "\"")))
            })
            .collect();
        let resp = if parts.is_empty() {
            http.delete(&url).send().await.expect("abort")
        } else {
            http.post(&url).body(complete_body(&parts)).send().await.expect("complete")
        };
        assert!(resp.status().is_success(), "pending upload {id} of {key} cannot finish: {}", resp.status());
    }
    (objects.len(), listed.len())
}

#[test]
fn kill_9_loses_nothing_acknowledged() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let data = tempfile::tempdir().expect("data dir");
    let acked = Arc::new(Mutex::new(Acked::default()));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let started = Instant::now();
    let mut pending_total = 0;
    for cycle in 0..CYCLES {
        let mut server = start(data.path());
        runtime.block_on(async {
            if cycle == 0 {
                let resp = http.put(format!("{}/{BUCKET}", server.base)).send().await.expect("PutBucket");
                assert!(resp.status().is_success(), "PutBucket: {}", resp.status());
            } else {
                let (objects, pending) = verify(&http, &server.base, &acked).await;
                pending_total += pending;
                eprintln!("cycle {cycle}: {objects} acknowledged objects intact, {pending} pending uploads completed");
            }
            let workers: Vec<_> = (0..6)
                .map(|w| tokio::spawn(client_loop(http.clone(), server.base.clone(), w, cycle, acked.clone())))
                .collect();
            // Kill at a different moment of the load each cycle.
            tokio::time::sleep(Duration::from_millis(250 + (cycle as u64 * 137) % 500)).await;
            server.child.kill().expect("SIGKILL");
            let _ = server.child.wait();
            for w in workers {
                let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
            }
        });
    }
    let server = start(data.path());
    let (objects, pending) = runtime.block_on(verify(&http, &server.base, &acked));
    pending_total += pending;
    let mut child = server.child;
    let _ = child.kill();
    let _ = child.wait();
    let g = acked.lock().unwrap();
    eprintln!(
        "crash test: {CYCLES} kills in {:.1}s, {objects} acknowledged objects intact, {} completes and {} aborts \
         acknowledged, {pending_total} pending uploads completed after restarts",
        started.elapsed().as_secs_f64(),
        g.completed.len(),
        g.aborted.len()
    );
    assert!(g.server_errors.is_empty(), "500s answered: {:?}", g.server_errors);
    assert!(objects > 50, "the load did too little to mean anything: {objects} objects");
}
