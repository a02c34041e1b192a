//! What the SDK interop harnesses share: starting the emulator binary on a free port with a fresh
//! data directory, and running a flow script against it with a deadline.

use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ACCESS_KEY_ID: &str = "oss-emulator-ak";
pub const ACCESS_KEY_SECRET: &str = "oss-emulator-secret";
pub const REGION: &str = "cn-hangzhou";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("emulator crate has a parent").to_path_buf()
}

/// True when `needed` exists; otherwise prints how to install it and returns false, or fails
/// under CI (where a missing SDK must never pass silently).
pub fn installed(test: &str, needed: &Path, setup: &str) -> bool {
    if needed.exists() {
        return true;
    }
    let msg = format!("{} is missing: run `bash {setup}` first", needed.display());
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {msg} (CI is set, so this is a failure)");
    }
    eprintln!("SKIP {test}: {msg}");
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind an ephemeral port").port()
}

/// A running emulator binary; killed (and reaped) on drop, even when the test panics.
pub struct Emulator {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    _data: tempfile::TempDir,
}

impl Emulator {
    pub fn start(extra_args: &[&str]) -> Emulator {
        let data = tempfile::TempDir::new().expect("create data dir");
        let log = data.path().join("emulator.log");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("socket address");
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

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Ready = it printed `listening on ADDR` and accepts a connection.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let banner = format!("listening on {}", self.addr);
        loop {
            if self.output().contains(&banner)
                && TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok()
            {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("poll emulator") {
                panic!("oss-emulator exited early ({status}); output:\n{}", self.output());
            }
            if Instant::now() > deadline {
                panic!(
                    "oss-emulator was not ready on {} within {STARTUP_TIMEOUT:?}; output:\n{}",
                    self.addr,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn output(&self) -> String {
        let mut text = String::new();
        match File::open(&self.log).and_then(|mut f| f.read_to_string(&mut text)) {
            Ok(_) => text,
            Err(e) => format!("<cannot read {}: {e}>", self.log.display()),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a flow script (`cmd`, already given its arguments and environment) against `emulator` and
/// asserts it exits 0 without `SKIP` lines (the harness gives every flow what it needs); on
/// failure shows the script's output and the emulator's log.
pub fn run_script(name: &str, mut cmd: Command, emulator: Emulator) {
    let logs = tempfile::TempDir::new().expect("create log dir");
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = cmd
        .env("OSS_ENDPOINT", emulator.endpoint())
        .env("OSS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        .env("OSS_REGION", REGION)
        .env("OSS_BUCKET_PREFIX", "interop")
        // SDKs would pick up a proxy from the environment; the emulator is on loopback.
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("create stdout file"))
        .stderr(File::create(&err_path).expect("create stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {name}: {e} (is its interpreter installed?)"));
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
            "{name} {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- emulator output ---\n{emulator_output}",
            match status {
                Some(s) if s.success() =>
                    "skipped checks (SKIP lines) although the harness configures them".to_string(),
                Some(s) => format!("failed ({s})"),
                None => format!("timed out after {SCRIPT_TIMEOUT:?}"),
            }
        ),
    }
}
