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
