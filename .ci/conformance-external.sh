#!/usr/bin/env bash
# Runs the conformance suite in its external mode (the one used for real OSS) against an emulator
# binary started separately, with two accounts and a second region, as the in-process target has.
# This proves the external mode itself works: clean-up, the OSS_TEST_* plumbing, and that cases
# needing the emulator's control API, clock, restarts or adjusted limits show up as ignored.
# Extra arguments go to `cargo test` (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Everything is built with the whole workspace selected, as `cargo test --workspace` builds it:
# a `-p` selection resolves dependency features differently (the opendal dev-dependency changes
# them) and would rebuild half the dependency tree, twice.
cargo test --workspace --no-run --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/oss-emulator"

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

primary_ak=oss-emulator-ak primary_sk=oss-emulator-secret
second_ak=conformance-external-ak2 second_sk=conformance-external-sk2
other_region=cn-shanghai

# Port 0 and the banner instead of probing for free ports first: nothing can take a port
# between choosing it and binding it.
"$bin" --listen 127.0.0.1:0 --region-listen "$other_region=127.0.0.1:0" \
    --account "$primary_ak:$primary_sk" --account "$second_ak:$second_sk" \
    --data-dir "$work/data" >"$work/emulator.log" 2>&1 </dev/null &
pid=$!

# "listening on ADDR (region REGION, endpoint URL)", once per listener.
endpoint_of() {
    sed -n "s/^listening on .* (region $1, endpoint \(.*\))$/\1/p" "$work/emulator.log" | head -n 1
}
endpoint="" other_endpoint=""
for _ in $(seq 1 300); do
    endpoint="$(endpoint_of cn-hangzhou)"
    other_endpoint="$(endpoint_of "$other_region")"
    if [ -n "$endpoint" ] && [ -n "$other_endpoint" ] && curl -fsS "$endpoint/_emulator/health" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "conformance-external: the emulator exited early:" >&2
        cat "$work/emulator.log" >&2
        exit 1
    fi
    endpoint=""
    sleep 0.1
done
if [ -z "$endpoint" ]; then
    echo "conformance-external: the emulator was not healthy within 30 s:" >&2
    cat "$work/emulator.log" >&2
    exit 1
fi
echo "conformance-external: emulator at $endpoint, $other_region at $other_endpoint"

status=0
suite=()
for file in conformance-tests/tests/*.rs; do
    suite+=(--test "$(basename "$file" .rs)")
done
OSS_TEST_ENDPOINT="$endpoint" \
OSS_TEST_REGION=cn-hangzhou \
OSS_TEST_ACCESS_KEY_ID="$primary_ak" \
OSS_TEST_ACCESS_KEY_SECRET="$primary_sk" \
OSS_TEST_SECOND_ACCESS_KEY_ID="$second_ak" \
OSS_TEST_SECOND_ACCESS_KEY_SECRET="$second_sk" \
OSS_TEST_OTHER_REGION="$other_region" \
OSS_TEST_OTHER_ENDPOINT="$other_endpoint" \
    cargo test --workspace "${suite[@]}" --no-fail-fast "$@" || status=$?

# Every case removes what it created: whatever is still there is a clean-up defect.
leftovers="$(curl -fsS "$endpoint/_emulator/health" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["buckets"]))' || echo "(could not ask the emulator)")"
if [ -n "$leftovers" ] && [ "$status" -eq 0 ]; then
    echo "conformance-external: buckets left behind:" >&2
    echo "$leftovers" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "--- emulator log (last 50 lines) ---" >&2
    tail -n 50 "$work/emulator.log" >&2
fi
exit "$status"
