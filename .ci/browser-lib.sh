# What the browser tests share, sourced by console-browser.sh and cors-browser.sh:
# `browser_setup NAME TESTDIR` finds (or installs) Debian's chromium, brings TESTDIR's
# playwright-core to its locked version, builds (or takes OSS_EMULATOR_BIN) the emulator and
# starts it on a free port with a temporary data directory and an admin token. It leaves
# `chromium`, `target`, `work`, `token`, `endpoint` and `region` set, and stops the emulator at
# exit. Never skips: a missing tool fails, saying so.

fail() {
    echo "$browser_name: $*" >&2
    exit 1
}

browser_setup() {
    browser_name="$1"
    local testdir="$2" root="$PWD"
    target="${CARGO_TARGET_DIR:-$root/target}"

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
        echo "$browser_name: installing Debian's chromium"
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
        echo "$browser_name: npm ci in $testdir"
        (cd "$testdir" && npm ci --silent --no-audit --no-fund) || fail "npm ci failed in $testdir (is the npm registry reachable?)"
    fi

    local bin="${OSS_EMULATOR_BIN:-}"
    if [ -z "$bin" ]; then
        # Built as `cargo test --workspace` builds it (see conformance-external.sh for why).
        cargo test --workspace --no-run --quiet
        bin="$target/debug/oss-emulator"
    fi
    [ -x "$bin" ] || fail "no emulator binary at $bin"

    work="$(mktemp -d)"
    emulator_pid=""
    trap browser_stop EXIT
    token="$browser_name-$RANDOM$RANDOM"
    # Port 0 and the banner: nothing can take the port between choosing and binding it.
    "$bin" --listen 127.0.0.1:0 --data-dir "$work/data" --admin-token "$token" >"$work/emulator.log" 2>&1 </dev/null &
    emulator_pid=$!
    endpoint=""
    for _ in $(seq 1 300); do
        endpoint="$(sed -n 's/^listening on .* (region .*, endpoint \(.*\))$/\1/p' "$work/emulator.log" | head -n 1)"
        if [ -n "$endpoint" ] && curl -fsS -H "authorization: Bearer $token" "$endpoint/_emulator/health" >/dev/null 2>&1; then
            break
        fi
        if ! kill -0 "$emulator_pid" 2>/dev/null; then
            cat "$work/emulator.log" >&2
            fail "the emulator exited early"
        fi
        endpoint=""
        sleep 0.1
    done
    [ -n "$endpoint" ] || { cat "$work/emulator.log" >&2; fail "the emulator was not healthy within 30 s"; }
    region="$(sed -n 's/^listening on .* (region \(.*\), endpoint .*)$/\1/p' "$work/emulator.log" | head -n 1)"
}

browser_stop() {
    if [ -n "${emulator_pid:-}" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}

# The emulator's last lines, then the failure.
browser_failed() {
    echo "$browser_name: emulator log:" >&2
    tail -n 50 "$work/emulator.log" >&2
    fail "$1"
}
