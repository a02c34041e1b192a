//! Interop tests: the official Python SDKs (oss2, alibabacloud-oss-v2) run their flows from
//! `conformance-tests/interop/` against a freshly started emulator binary.
//!
//! Needs `<workspace>/.venv` with the SDKs (`bash .ci/setup-interop.sh`). Without it the tests print
//! a skip notice and pass, except when `CI` is set, where a missing venv is a failure.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ACCESS_KEY_ID: &str = "oss-emulator-ak";
const ACCESS_KEY_SECRET: &str = "oss-emulator-secret";
const REGION: &str = "cn-hangzhou";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("emulator crate has a parent").to_path_buf()
}

/// The venv's python, or `None` (after printing why) when the test should be skipped.
fn venv_python(test: &str) -> Option<PathBuf> {
    let python = workspace_root().join(".venv/bin/python");
    if python.exists() {
        return Some(python);
    }
    let msg = format!("{} is missing: run `bash .ci/setup-interop.sh` first", python.display());
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {msg} (CI is set, so this is a failure)");
    }
    eprintln!("SKIP {test}: {msg}");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind an ephemeral port").port()
}

/// A running emulator; killed (and reaped) on drop, even when the test panics.
struct Emulator {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    _data: tempfile::TempDir,
}

impl Emulator {
    fn start(extra_args: &[&str]) -> Emulator {
        let data = tempfile::TempDir::new().expect("create data dir");
        let log = data.path().join("emulator.log");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let out = File::create(&log).expect("create emulator log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oss-emulator"));
        // Every flag also reads OSS_EMULATOR_*: keep the caller's settings out of the test.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("OSS_EMULATOR_") {
                cmd.env_remove(name);
            }
        }
        let child = cmd
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data.path().join("oss-data"))
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("clone log handle"))
            .stderr(out)
            .spawn()
            .expect("spawn oss-emulator");
        let mut emulator = Emulator { child, addr, log, _data: data };
        emulator.wait_ready();
        emulator
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("poll emulator") {
                panic!("oss-emulator exited early ({status}); output:\n{}", self.output());
            }
            if Instant::now() > deadline {
                panic!(
                    "oss-emulator did not accept connections on {} within {STARTUP_TIMEOUT:?}; output:\n{}",
                    self.addr,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_else(|e| format!("<cannot read {}: {e}>", self.log.display()))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one flow script against a fresh emulator and asserts it exits 0.
fn run_flow(script: &str) {
    run_flow_with(script, &[], &[]);
}

/// Like [`run_flow`], with extra emulator flags and extra environment for the script. A flow that
/// prints a `SKIP` line (a check it could not run for lack of configuration) fails here: the harness
/// is meant to give every flow all it needs.
fn run_flow_with(script: &str, emulator_args: &[&str], script_env: &[(&str, &str)]) {
    let Some(python) = venv_python(script) else { return };
    let script_path = workspace_root().join("conformance-tests/interop").join(script);
    assert!(script_path.exists(), "{} is missing", script_path.display());

    let emulator = Emulator::start(emulator_args);
    let logs = tempfile::TempDir::new().expect("create log dir");
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(&python)
        .arg(&script_path)
        .envs(script_env.iter().copied())
        .env("OSS_ENDPOINT", format!("http://{}", emulator.addr))
        .env("OSS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        .env("OSS_REGION", REGION)
        .env("OSS_BUCKET_PREFIX", "interop")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("create stdout file"))
        .stderr(File::create(&err_path).expect("create stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {} {script}: {e}", python.display()));

    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll script") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let emulator_output = emulator.output();
    drop(emulator);

    match status {
        Some(s) if s.success() && !stdout.lines().any(|l| l.starts_with("SKIP")) => println!("{stdout}"),
        _ => panic!(
            "{script} {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- emulator output ---\n{emulator_output}",
            match status {
                Some(s) if s.success() => "skipped checks (SKIP lines) although the harness configures them".to_string(),
                Some(s) => format!("failed ({s})"),
                None => format!("timed out after {SCRIPT_TIMEOUT:?}"),
            }
        ),
    }
}

#[test]
fn oss2_sdk_flow() {
    run_flow("oss2_flow.py");
}

#[test]
fn ossv2_sdk_flow() {
    run_flow("ossv2_flow.py");
}

/// Emulator limit for CopyObject between buckets in `oss2_copy_flow.py`: below its ~350 KB source.
const COPY_CROSS_BUCKET_MAX: &str = "200000";
/// Second account for the cross-account copy checks.
const SECOND_AK: &str = "interop-ak-b";
const SECOND_SK: &str = "interop-secret-b";

#[test]
fn oss2_sdk_copy_flow() {
    let dev = format!("{ACCESS_KEY_ID}:{ACCESS_KEY_SECRET}");
    let second = format!("{SECOND_AK}:{SECOND_SK}");
    run_flow_with(
        "oss2_copy_flow.py",
        &["--copy-cross-bucket-max", COPY_CROSS_BUCKET_MAX, "--account", &dev, "--account", &second],
        &[
            ("OSS_COPY_CROSS_BUCKET_MAX", COPY_CROSS_BUCKET_MAX),
            ("OSS_ACCESS_KEY_ID_B", SECOND_AK),
            ("OSS_ACCESS_KEY_SECRET_B", SECOND_SK),
        ],
    );
}

/// Emulator limit for CopyObject within a bucket in `ossv2_copier_flow.py`, so that the copier's
/// shallow copy (one CopyObject) meets EntityTooLarge and falls back to a multipart copy.
const COPY_SAME_BUCKET_MAX: &str = "200000";

#[test]
fn ossv2_sdk_copier_flow() {
    run_flow_with(
        "ossv2_copier_flow.py",
        &["--copy-same-bucket-max", COPY_SAME_BUCKET_MAX],
        &[("OSS_COPY_SAME_BUCKET_MAX", COPY_SAME_BUCKET_MAX)],
    );
}
