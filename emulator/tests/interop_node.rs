//! Interop test: the Node SDK `ali-oss` (6.23.0) runs `conformance-tests/interop/node/ali_oss_flow.js`
//! against a freshly started emulator binary.
//!
//! ali-oss reaches an IP endpoint as `http://127.0.0.1:PORT/<key>` with
//! `Host: <bucket>.oss-cn-hangzhou.aliyuncs.com`, so this also covers virtual-host routing.
//!
//! Needs `conformance-tests/interop/node/node_modules` (`bash .ci/setup-node-interop.sh`) and `node`
//! (or `$NODE`). Without node_modules the test prints a skip notice and passes, except when `CI` is
//! set, where it is a failure.

use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ACCESS_KEY_ID: &str = "oss-emulator-ak";
const ACCESS_KEY_SECRET: &str = "oss-emulator-secret";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
const SCRIPT: &str = "ali_oss_flow.js";

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("emulator crate has a parent")
        .join("conformance-tests/interop/node")
}

/// True when the SDK is installed; otherwise prints why (or panics under CI) and returns false.
fn sdk_installed(test: &str) -> bool {
    let modules = node_dir().join("node_modules/ali-oss/package.json");
    if modules.exists() {
        return true;
    }
    let msg = format!("{} is missing: run `bash .ci/setup-node-interop.sh` first", modules.display());
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {msg} (CI is set, so this is a failure)");
    }
    eprintln!("SKIP {test}: {msg}");
    false
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
    fn start() -> Emulator {
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
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("clone log handle"))
            .stderr(out)
            .spawn()
            .expect("spawn oss-emulator");
        let mut emulator = Emulator { child, addr, log, _data: data };
        emulator.wait_ready();
        emulator
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

    fn output(&self) -> String {
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

#[test]
fn ali_oss_sdk_flow() {
    if !sdk_installed("ali_oss_sdk_flow") {
        return;
    }
    let dir = node_dir();
    let script_path = dir.join(SCRIPT);
    assert!(script_path.exists(), "{} is missing", script_path.display());
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());

    let emulator = Emulator::start();
    let logs = tempfile::TempDir::new().expect("create log dir");
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(&node)
        .arg(&script_path)
        .current_dir(&dir)
        .env("OSS_ENDPOINT", format!("http://{}", emulator.addr))
        .env("OSS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        .env("OSS_BUCKET_PREFIX", "interop")
        // ali-oss would pick up a proxy from the environment; the emulator is on loopback.
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("create stdout file"))
        .stderr(File::create(&err_path).expect("create stderr file"))
        .spawn()
        .unwrap_or_else(|e| {
            panic!("spawn {} {SCRIPT}: {e} (is Node.js installed? set NODE to its path)", node.to_string_lossy())
        });

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
        Some(s) if s.success() => println!("{stdout}"),
        _ => panic!(
            "{SCRIPT} {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- emulator output ---\n{emulator_output}",
            match status {
                Some(s) => format!("failed ({s})"),
                None => format!("timed out after {SCRIPT_TIMEOUT:?}"),
            }
        ),
    }
}
