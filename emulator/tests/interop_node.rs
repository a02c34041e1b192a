//! Interop test: the Node SDK `ali-oss` (6.23.0) runs `conformance-tests/interop/node/ali_oss_flow.js`
//! against a freshly started emulator binary.
//!
//! ali-oss reaches an IP endpoint as `http://127.0.0.1:PORT/<key>` with
//! `Host: <bucket>.oss-cn-hangzhou.aliyuncs.com`, so this also covers virtual-host routing.
//!
//! Needs `conformance-tests/interop/node/node_modules` (`bash .ci/setup-node-interop.sh`) and `node`
//! (or `$NODE`). Without node_modules the test prints a skip notice and passes, except when `CI` is
//! set, where it is a failure.

mod support;

use std::process::Command;

use support::{installed, workspace_root, Emulator};

#[test]
fn ali_oss_sdk_flow() {
    let dir = workspace_root().join("conformance-tests/interop/node");
    if !installed("ali_oss_sdk_flow", &dir.join("node_modules/ali-oss/package.json"), ".ci/setup-node-interop.sh") {
        return;
    }
    let script = dir.join("ali_oss_flow.js");
    assert!(script.exists(), "{} is missing", script.display());
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let mut cmd = Command::new(node);
    cmd.arg(&script).current_dir(&dir);
    support::run_script("ali_oss_flow.js", cmd, Emulator::start(&[]));
}
