//! Interop test: the Node SDK `ali-oss` (6.23.0) runs `conformance-tests/interop/node/ali_oss_flow.js`
//! against a freshly started emulator binary.
//!
//! ali-oss reaches an IP endpoint as `http://127.0.0.1:PORT/<key>` with
//! `Host: <bucket>.oss-cn-hangzhou.aliyuncs.com`, so this also covers virtual-host routing.
//!
//! Needs `node` (or `$NODE`) and npm: the test installs the locked modules into
//! `conformance-tests/interop/node/node_modules` (where the script's `require` finds them) with
//! `.ci/setup-node-interop.sh` on first use, and fails saying why when it cannot. Only
//! `OSS_SKIP_INTEROP=1` (read at build time, see `build.rs`) turns it into an ignored test.

mod support;

use std::process::Command;

use support::{workspace_root, Emulator};

#[test]
#[cfg_attr(oss_skip_interop, ignore = "OSS_SKIP_INTEROP is set")]
fn ali_oss_sdk_flow() {
    let dir = workspace_root().join("conformance-tests/interop/node");
    support::provision("interop-node-modules", ".ci/setup-node-interop.sh", &[]).unwrap_or_else(|e| panic!("{e}"));
    let script = dir.join("ali_oss_flow.js");
    assert!(script.exists(), "{} is missing", script.display());
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let mut cmd = Command::new(node);
    cmd.arg(&script).current_dir(&dir);
    support::run_script("ali_oss_flow.js", cmd, Emulator::start(&[]));
}

/// The README's ali-oss snippet runs as written (a CommonJS script; top-level `await` would be a
/// syntax error there), only pointed at this test's emulator.
#[test]
#[cfg_attr(oss_skip_interop, ignore = "OSS_SKIP_INTEROP is set")]
fn readme_node_snippet_runs_as_written() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let after = readme.split("**Node `ali-oss`**").nth(1).expect("the README's Node section");
    let snippet = after.split("```js\n").nth(1).and_then(|s| s.split("```").next()).expect("a js block");
    let dir = workspace_root().join("conformance-tests/interop/node");
    support::provision("interop-node-modules", ".ci/setup-node-interop.sh", &[]).unwrap_or_else(|e| panic!("{e}"));
    let emulator = Emulator::start(&[]);
    let script = snippet.replace("http://127.0.0.1:9000", &emulator.endpoint());
    // Beside the flow script, so `require('ali-oss')` finds the installed modules.
    let path = dir.join(format!("readme-snippet-{}.js", std::process::id()));
    std::fs::write(&path, script).expect("write the snippet");
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let out =
        Command::new(node).arg(&path).current_dir(&dir).env_remove("HTTP_PROXY").env_remove("http_proxy").output();
    let _ = std::fs::remove_file(&path);
    let out = out.expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "hi",
        "the README's Node snippet failed ({}):\n{stdout}\n{}\n--- emulator ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        emulator.output()
    );
}
