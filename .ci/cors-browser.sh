#!/usr/bin/env bash
# Browser test of CORS and form uploads: Debian's chromium, driven by playwright-core (pinned in
# conformance-tests/browser/package-lock.json), loads a page from another origin than the
# emulator's and uploads with a presigned PUT URL and with a PostObject form, reads both objects
# back, and checks that a page from an origin without a CORS rule is refused by the browser. The
# emulator binary runs on a free port with a temporary data directory.
#
# Needs node, npm (and the npm registry the first time) and chromium (installed from Debian's
# packages when missing and this runs as root); fails saying so when one is missing, never skips.
# OSS_EMULATOR_BIN runs an already built binary instead of building one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
testdir="$root/conformance-tests/browser"

fail() {
    echo "cors-browser: $*" >&2
    exit 1
}

for tool in node npm curl; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
chromium="${CHROMIUM:-}"
if [ -z "$chromium" ]; then
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
        if [ -x "$candidate" ]; then
            chromium="$candidate"
            break
        fi
    done
fi
# A fresh CI machine has no browser: install Debian's, as the interop scripts install their SDKs.
if [ -z "$chromium" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "cors-browser: installing Debian's chromium"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || true
    fi
    [ -x /usr/bin/chromium ] && chromium=/usr/bin/chromium
fi
[ -n "$chromium" ] && [ -x "$chromium" ] || fail "chromium is not installed (Debian: apt-get install -y chromium), or set CHROMIUM"

# playwright-core at its locked version; npm ci only when node_modules does not match the lock.
if ! node -e '
const lock = require(process.argv[1] + "/package-lock.json");
const want = lock.packages["node_modules/playwright-core"].version;
const have = require(process.argv[1] + "/node_modules/playwright-core/package.json").version;
process.exit(have === want ? 0 : 1);' "$testdir" 2>/dev/null; then
    echo "cors-browser: npm ci in $testdir"
    (cd "$testdir" && npm ci --silent --no-audit --no-fund) || fail "npm ci failed in $testdir (is the npm registry reachable?)"
fi

bin="${OSS_EMULATOR_BIN:-}"
if [ -z "$bin" ]; then
    # Built as `cargo test --workspace` builds it (see conformance-external.sh for why).
    cargo test --workspace --no-run --quiet
    bin="$target/debug/oss-emulator"
fi
[ -x "$bin" ] || fail "no emulator binary at $bin"

work="$(mktemp -d)"
pid=""
stop() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT

token="cors-test-$RANDOM$RANDOM"
# Port 0 and the banner: nothing can take the port between choosing and binding it.
"$bin" --listen 127.0.0.1:0 --data-dir "$work/data" --admin-token "$token" >"$work/emulator.log" 2>&1 </dev/null &
pid=$!
endpoint=""
for _ in $(seq 1 300); do
    endpoint="$(sed -n 's/^listening on .* (region .*, endpoint \(.*\))$/\1/p' "$work/emulator.log" | head -n 1)"
    if [ -n "$endpoint" ] && curl -fsS -H "authorization: Bearer $token" "$endpoint/_emulator/health" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$work/emulator.log" >&2
        fail "the emulator exited early"
    fi
    endpoint=""
    sleep 0.1
done
[ -n "$endpoint" ] || { cat "$work/emulator.log" >&2; fail "the emulator was not healthy within 30 s"; }

region="$(sed -n 's/^listening on .* (region \(.*\), endpoint .*)$/\1/p' "$work/emulator.log" | head -n 1)"
echo "cors-browser: $endpoint (region $region)"
if ! EMULATOR_ENDPOINT="$endpoint" EMULATOR_REGION="$region" CHROMIUM="$chromium" \
    timeout 300 node "$testdir/cors.test.js"; then
    echo "cors-browser: emulator log:" >&2
    tail -n 50 "$work/emulator.log" >&2
    fail "the browser test failed"
fi
