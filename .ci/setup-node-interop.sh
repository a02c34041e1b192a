#!/usr/bin/env bash
# Installs the Node SDK (ali-oss, pinned in package-lock.json) used by the Node interop test
# (emulator/tests/interop_node.rs) into conformance-tests/interop/node/node_modules.
# Idempotent; needs only node, npm and the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/conformance-tests/interop/node"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup-node-interop: $tool is not installed" >&2
        exit 1
    fi
done

# Skip npm entirely when every package of the lockfile is installed at its locked version.
if node - "$dir" <<'JS' 2>/dev/null; then
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
for (const [where, info] of Object.entries(lock.packages || {})) {
  if (where === '' || info.link || info.optional || info.dev) continue;
  const have = JSON.parse(fs.readFileSync(path.join(dir, where, 'package.json'), 'utf8')).version;
  if (have !== info.version) process.exit(1);
}
JS
    echo "setup-node-interop: $dir/node_modules is up to date"
    exit 0
fi

echo "setup-node-interop: npm ci in $dir"
cd "$dir"
npm ci --silent --no-audit --no-fund
echo "setup-node-interop: done"
