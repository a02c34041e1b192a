//! What the SDK interop harnesses share: installing their SDKs on first use, starting the emulator
//! binary on a free port with a fresh data directory, and running a flow script against it with a
//! deadline.

use std::ffi::OsStr;
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

/// The cargo target directory these tests were built into: `CARGO_BIN_EXE_*` is
/// `<target>/<profile>/oss-emulator` (or `<target>/<triple>/<profile>/…`).
pub fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_oss-emulator"));
    bin.parent().and_then(Path::parent).expect("the emulator binary sits in <target>/<profile>/").to_path_buf()
}

/// Runs the setup script `setup` (relative to the workspace) with `envs`, at most once per test
/// binary and never alongside another provisioning of the same `what`: tests run in parallel
/// threads, and `cargo test` invocations may run side by side on one target directory, so an
/// exclusive file lock guards it. `Err` carries everything the script printed and what to do.
pub fn provision(what: &str, setup: &str, envs: &[(&str, &OsStr)]) -> Result<(), String> {
    let dir = target_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let lock_path = dir.join(format!("{what}.lock"));
    let lock = File::create(&lock_path).map_err(|e| format!("create {}: {e}", lock_path.display()))?;
    lock.lock().map_err(|e| format!("lock {}: {e}", lock_path.display()))?;
    let hint = format!(
        "the interop tests install their SDKs themselves (`bash {setup}`); fix the cause above, or set \
         OSS_SKIP_INTEROP=1 to have them ignored"
    );
    let out = Command::new("bash")
        .arg(workspace_root().join(setup))
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run bash {setup}: {e}\n{hint}"))?;
    // The lock is released when `lock` is dropped, also on the error paths above.
    if out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout).trim_end());
        return Ok(());
    }
    Err(format!(
        "provisioning {what} failed: `bash {setup}` {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n{hint}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
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
