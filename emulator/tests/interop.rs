//! Interop tests: the official Python SDKs (oss2, alibabacloud-oss-v2) run their flows from
//! `conformance-tests/interop/` against a freshly started emulator binary.
//!
//! The SDKs live in a virtualenv under the target directory (`<target>/interop-venv`), which the
//! first test to need it creates with `.ci/setup-interop.sh` (pinned versions from
//! `conformance-tests/interop/requirements.txt`). Without python3 or PyPI the tests fail and say
//! why; only `OSS_SKIP_INTEROP=1` (read at build time, see `build.rs`) turns them into ignored tests.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use support::{target_dir, workspace_root, Emulator, ACCESS_KEY_ID, ACCESS_KEY_SECRET};

/// The venv's interpreter, provisioned once per test binary (the other tests wait for the first).
fn python() -> PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let venv = target_dir().join("interop-venv");
        support::provision("interop-venv", ".ci/setup-interop.sh", &[("OSS_INTEROP_VENV", venv.as_os_str())])?;
        Ok(venv.join("bin/python"))
    });
    ready.clone().unwrap_or_else(|e| panic!("{e}"))
}

/// Runs one flow script against a fresh emulator and asserts it exits 0.
fn run_flow(script: &str) {
    run_flow_with(script, &[], &[]);
}

/// Like [`run_flow`], with extra emulator flags and extra environment for the script.
fn run_flow_with(script: &str, emulator_args: &[&str], script_env: &[(&str, &str)]) {
    let python = python();
    let script_path = workspace_root().join("conformance-tests/interop").join(script);
    assert!(script_path.exists(), "{} is missing", script_path.display());
    let emulator = Emulator::start(emulator_args);
    let mut cmd = Command::new(&python);
    cmd.arg(&script_path)
        .envs(script_env.iter().copied())
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    support::run_script(script, cmd, emulator);
}

#[test]
#[cfg_attr(oss_skip_interop, ignore = "OSS_SKIP_INTEROP is set")]
fn oss2_sdk_flow() {
    run_flow("oss2_flow.py");
}

#[test]
#[cfg_attr(oss_skip_interop, ignore = "OSS_SKIP_INTEROP is set")]
fn ossv2_sdk_flow() {
    run_flow("ossv2_flow.py");
}

/// Emulator limit for CopyObject between buckets in `oss2_copy_flow.py`: below its ~350 KB source.
const COPY_CROSS_BUCKET_MAX: &str = "200000";
/// Second account for the cross-account copy checks.
const SECOND_AK: &str = "interop-ak-b";
const SECOND_SK: &str = "interop-secret-b";

#[test]
#[cfg_attr(oss_skip_interop, ignore = "OSS_SKIP_INTEROP is set")]
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
#[cfg_attr(oss_skip_interop, ignore = "OSS_SKIP_INTEROP is set")]
fn ossv2_sdk_copier_flow() {
    run_flow_with(
        "ossv2_copier_flow.py",
        &["--copy-same-bucket-max", COPY_SAME_BUCKET_MAX],
        &[("OSS_COPY_SAME_BUCKET_MAX", COPY_SAME_BUCKET_MAX)],
    );
}
