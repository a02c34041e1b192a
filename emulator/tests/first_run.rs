//! What a new user meets first: listen addresses as typed, throwaway data directories, start-up
//! errors that name what is wrong, the health probe, the banner, HTTPS, and a journal that tells
//! the truth about streamed bodies. Real sockets, the real binary where the command line matters.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oss_emulator::journal::Filter;
use oss_emulator::{AuthMode, Emulator, RunningEmulator};

const BIN: &str = env!("CARGO_BIN_EXE_oss-emulator");

/// The binary with a fresh data directory, its stdout read up to the first "listening on" line.
struct Started {
    child: Child,
    banner: Vec<String>,
    /// Kept open, as a terminal would be, until the test is done with the process.
    stdout: Option<BufReader<std::process::ChildStdout>>,
}

fn start_binary(args: &[&str]) -> Started {
    start_binary_logging(args, "warn", Stdio::piped())
}

fn start_binary_logging(args: &[&str], rust_log: &str, stderr: Stdio) -> Started {
    // Owned by `Started` from the start, so its Drop reaps the process on every path.
    let mut started = Started {
        child: Command::new(BIN)
            .args(args)
            .env("RUST_LOG", rust_log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("run the emulator binary"),
        banner: Vec::new(),
        stdout: None,
    };
    let mut stdout = BufReader::new(started.child.stdout.take().expect("piped stdout"));
    loop {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).expect("read the banner");
        if n == 0 {
            let mut err = String::new();
            let _ = started.child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("the emulator exited before listening: {:?}\n{err}", started.banner);
        }
        started.banner.push(line.trim_end().to_owned());
        if line.starts_with("listening on ") {
            started.stdout = Some(stdout);
            return started;
        }
    }
}

/// A test that fails half-way leaves no emulator running.
impl Drop for Started {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Started {
    fn line(&self, prefix: &str) -> &str {
        self.banner.iter().find(|l| l.trim_start().starts_with(prefix)).map_or("", String::as_str)
    }

    /// SIGTERM, as a terminal's Ctrl-C or a process manager stops it, and the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid fits");
        // SAFETY: kill only sends a signal to the child this test started.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the emulator did not exit within 20 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `--listen` as people type it: a bare port, `:PORT`, `localhost:PORT` all mean 127.0.0.1.
#[test]
fn listen_addresses_as_typed() {
    for form in ["0", ":0", "localhost:0", "127.0.0.1:0"] {
        let dir = tempfile::tempdir().unwrap();
        let started = start_binary(&["--listen", form, "--data-dir", dir.path().to_str().unwrap()]);
        let line = started.line("listening on").to_owned();
        assert!(line.starts_with("listening on 127.0.0.1:"), "--listen {form}: {line}");
        assert!(started.terminate().success());
    }
    let out = Command::new(BIN).args(["--listen", "example.com:9000"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("example.com:9000"));
}

/// The banner shows values as they are typed on the command line.
#[test]
fn banner_prints_values_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let started = start_binary(&["--listen", "0", "--auth", "expiry-only", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(started.line("auth").trim(), "auth      expiry-only");
    started.terminate();
    let started = start_binary(&["--listen", "0", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(started.line("auth").trim(), "auth      strict");
    started.terminate();
}

/// A request's log line shows its duration in tenths of a millisecond, not 0.123456789.
#[test]
fn log_durations_are_rounded() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("emulator.log");
    let file = std::fs::File::create(&log).unwrap();
    let data = dir.path().join("data");
    let started = start_binary_logging(&["--listen", "0", "--data-dir", data.to_str().unwrap()], "info", file.into());
    let line = started.line("listening on").to_owned();
    let addr = line.split_whitespace().nth(2).expect("an address").to_owned();
    for _ in 0..5 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    }
    started.terminate();
    let text = std::fs::read_to_string(&log).unwrap();
    let durations: Vec<&str> =
        text.split("duration_ms=").skip(1).filter_map(|rest| rest.split_whitespace().next()).collect();
    assert_eq!(durations.len(), 5, "{text}");
    for d in durations {
        let decimals = d.split_once('.').map_or(0, |(_, frac)| frac.len());
        assert!(decimals <= 1 && d.parse::<f64>().is_ok(), "duration_ms={d} in\n{text}");
    }
}

/// `--ephemeral`: a temporary data directory, gone after a normal exit.
#[test]
fn ephemeral_data_directory_is_removed_at_exit() {
    let started = start_binary(&["--listen", "0", "--ephemeral"]);
    let first = started.banner.iter().find(|l| l.contains("data in ")).expect("data line").clone();
    let path = first.split("data in ").nth(1).unwrap().trim_end_matches(" (temporary, removed at exit)");
    let path = PathBuf::from(path);
    assert!(path.join("index.sqlite").exists(), "{first}");
    assert!(started.terminate().success());
    assert!(!path.exists(), "{} is still there", path.display());
    let out = Command::new(BIN).args(["--ephemeral", "--data-dir", "/tmp/x"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2), "--ephemeral with --data-dir is a usage error");
}

async fn start_error(builder: oss_emulator::EmulatorBuilder) -> String {
    match builder.start().await {
        Ok(_) => panic!("the emulator started"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn a_port_in_use_is_named_and_nothing_is_created() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let err = start_error(Emulator::builder().listen(addr).data_dir(&data)).await;
    assert!(err.contains(&addr.to_string()), "{err}");
    assert!(!data.exists(), "the data directory was created although the port was taken");
}

#[tokio::test]
async fn a_data_dir_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = start_error(Emulator::builder().data_dir(&file)).await;
    assert!(err.contains(&file.display().to_string()) && err.contains("is a file"), "{err}");
}

/// A directory nobody may write, for this user: a read-only mode bit for ordinary users, and for
/// root (who ignores mode bits) /sys, which the kernel keeps unwritable.
fn unwritable_dir(tmp: &Path) -> Option<PathBuf> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        let dir = tmp.join("ro");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o555))
            .unwrap();
        return Some(dir);
    }
    let sys = PathBuf::from("/sys");
    std::fs::write(sys.join(".oss-emulator-probe"), b"").is_err().then_some(sys)
}

#[tokio::test]
async fn an_unwritable_data_dir_is_refused_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(dir) = unwritable_dir(tmp.path()) else {
        panic!("no unwritable directory on this machine to test with");
    };
    let err = start_error(Emulator::builder().data_dir(&dir)).await;
    assert!(err.contains(&dir.display().to_string()) && err.contains("not writable"), "{err}");
    let err = start_error(Emulator::builder().data_dir(dir.join("below"))).await;
    assert!(err.contains("below") && err.contains("cannot be created"), "{err}");
}

#[tokio::test]
async fn seed_errors_name_the_bucket_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("seed.json");
    std::fs::write(
        &manifest,
        r#"{"buckets":[{"name":"seeded","objects":[{"key":"fine.txt","content":"a"},{"key":"bad.bin","content":"a","content_base64":"YQ=="}]}]}"#,
    )
    .unwrap();
    let err = start_error(Emulator::builder().seed(&manifest)).await;
    assert!(err.contains("\"seeded\"") && err.contains("\"bad.bin\""), "{err}");
    let err = start_error(Emulator::builder().seed(dir.path().join("missing.json"))).await;
    assert!(err.contains("missing.json"), "{err}");
}

async fn emulator() -> RunningEmulator {
    Emulator::builder().auth(AuthMode::Off).start().await.expect("start")
}

#[tokio::test]
async fn health_answers_head() {
    let em = emulator().await;
    let http = reqwest::Client::new();
    let head = http.head(format!("{}/_emulator/health", em.endpoint())).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn journal_counts_streamed_bodies_to_their_end() {
    let em = emulator().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/{p}", em.endpoint());
    assert!(http.put(url("big")).header("content-length", "0").send().await.unwrap().status().is_success());
    let body = vec![7u8; 3 << 20];
    assert!(http.put(url("big/obj")).body(body.clone()).send().await.unwrap().status().is_success());
    // 256 KiB at 512 KiB/s: the body takes about half a second to go out.
    let rule: oss_emulator::fault::FaultRule = serde_json::from_value(serde_json::json!({
        "operation": "GetObject", "action": {"type": "throttle", "bytes_per_sec": 524288}
    }))
    .unwrap();
    em.faults().add(rule);
    let slow = http.get(url("big/obj")).header("range", "bytes=0-262143").send().await.unwrap();
    assert_eq!(slow.bytes().await.unwrap().len(), 262_144);
    let whole = http.get(url("big/obj")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(whole.len(), body.len());

    let gets = em.journal().query(&Filter { operation: Some("GetObject".into()), ..Default::default() });
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0].bytes_out, 262_144);
    assert!(gets[0].duration_ms >= 300.0, "the throttled body took {} ms", gets[0].duration_ms);
    assert_eq!(gets[1].bytes_out, 3 << 20);

    // tail: the newest N, still oldest first.
    let last = em.journal().query(&Filter { tail: Some(2), ..Default::default() });
    assert_eq!(last.iter().map(|e| e.operation.as_str()).collect::<Vec<_>>(), ["GetObject", "GetObject"]);
    let over_http: serde_json::Value =
        http.get(url("_emulator/journal?tail=1")).send().await.unwrap().json().await.unwrap();
    assert_eq!(over_http["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(over_http["entries"][0]["id"], serde_json::json!(gets[1].id));
}

#[tokio::test]
async fn a_long_poll_ends_at_shutdown() {
    let em = emulator().await;
    let url = format!("{}/_emulator/journal/follow?since_id=1000&timeout_ms=60000", em.endpoint());
    let poll = tokio::spawn(async move { reqwest::get(url).await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    em.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5), "shutdown took {:?}", started.elapsed());
    let status = tokio::time::timeout(Duration::from_secs(5), poll).await.expect("poll answered").unwrap();
    assert_eq!(status.ok().map(|s| s.as_u16()), Some(200));
}

/// HTTPS with a generated certificate, verified against its CA; plain HTTP on the same port.
#[tokio::test]
async fn https_and_http_on_one_port() {
    let tls = oss_emulator::tls::TlsConfig { self_signed: true, ..Default::default() };
    let em = Emulator::builder().auth(AuthMode::Off).tls(tls).start().await.expect("start");
    assert!(em.endpoint().starts_with("https://127.0.0.1:"));
    let ca_path = em.tls_ca_file().expect("a generated CA").to_path_buf();
    assert!(ca_path.starts_with(em.data_dir()));
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca_path).unwrap()).unwrap();
    let trusting = reqwest::Client::builder().tls_certs_only([ca]).build().unwrap();
    for endpoint in [em.endpoint(), format!("https://localhost:{}", em.addr().port())] {
        let resp = trusting.get(format!("{endpoint}/_emulator/health")).send().await.expect("TLS verified");
        assert_eq!(resp.status(), 200, "{endpoint}");
    }
    let plain = reqwest::get(format!("http://{}/_emulator/health", em.addr())).await.unwrap();
    assert_eq!(plain.status(), 200);
    // A client that does not trust the CA is refused: the certificate is really checked.
    let strangers = reqwest::Client::builder().tls_certs_only([]).build().unwrap();
    assert!(strangers.get(format!("{}/_emulator/health", em.endpoint())).send().await.is_err());

    // The same files through --tls-cert/--tls-key.
    let dir = ca_path.parent().unwrap().to_path_buf();
    let given = oss_emulator::tls::TlsConfig {
        cert: Some(dir.join("cert.pem")),
        key: Some(dir.join("key.pem")),
        self_signed: false,
    };
    let second = Emulator::builder().tls(given).start().await.expect("start with --tls-cert");
    assert!(second.tls_ca_file().is_none());
    let resp = trusting.get(format!("{}/_emulator/health", second.endpoint())).send().await.expect("verified");
    assert_eq!(resp.status(), 200);
    let missing = oss_emulator::tls::TlsConfig {
        cert: Some(dir.join("nope.pem")),
        key: Some(dir.join("key.pem")),
        self_signed: false,
    };
    let err = start_error(Emulator::builder().tls(missing)).await;
    assert!(err.contains("nope.pem"), "{err}");
}

/// `--tls-self-signed` prints where the CA is.
#[test]
fn binary_prints_the_generated_ca() {
    let dir = tempfile::tempdir().unwrap();
    let started = start_binary(&["--listen", "0", "--tls-self-signed", "--data-dir", dir.path().to_str().unwrap()]);
    let line = started.line("tls       CA certificate:").to_owned();
    let path = line.split("CA certificate: ").nth(1).expect("a path");
    assert!(Path::new(path).is_file(), "{line}");
    assert!(started.line("listening on").contains("endpoint https://127.0.0.1:"));
    started.terminate();
}
