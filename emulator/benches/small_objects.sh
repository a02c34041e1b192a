#!/usr/bin/env bash
# 1 KiB PutObject and GetObject throughput of this checkout against another revision (default: the
# previous main), measured side by side in one run on the same machine, alternating, so a busy
# machine slows both alike. Prints req/s per round and the new/old ratio of the medians.
#
#   bash emulator/benches/small_objects.sh [BASE_REV] [ROUNDS]
#
# Needs wrk (Debian: apt-get install wrk). Builds both in release mode; the base revision in a
# git worktree under target/bench-base with its own target directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
base_rev="${1:-HEAD~1}"
rounds="${2:-3}"
duration="${BENCH_DURATION:-10s}"
command -v wrk >/dev/null || { echo "small_objects: wrk is missing (apt-get install wrk)" >&2; exit 2; }

root="$PWD"
work="$root/target/bench-base"
if [ ! -d "$work/src" ]; then
    mkdir -p "$work"
    git worktree add --detach "$work/src" "$base_rev" >/dev/null
else
    git -C "$work/src" checkout --quiet --detach "$base_rev"
fi
echo "small_objects: building $(git -C "$work/src" rev-parse --short HEAD) and this checkout (release)"
CARGO_TARGET_DIR="$work/target" cargo build --quiet --release -p oss-emulator --bin oss-emulator --manifest-path "$work/src/Cargo.toml"
cargo build --quiet --release -p oss-emulator --bin oss-emulator
old_bin="$work/target/release/oss-emulator"
new_bin="${CARGO_TARGET_DIR:-target}/release/oss-emulator"

tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # name binary port
    RUST_LOG=warn "$2" --listen "127.0.0.1:$3" --data-dir "$tmp/$1" --auth off >"$tmp/$1.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$3/_emulator/health" >/dev/null && break; sleep 0.1; done
    curl -sf -X PUT "http://127.0.0.1:$3/bench" >/dev/null
    head -c 1024 /dev/urandom >"$tmp/body"
    curl -sf -X PUT --data-binary @"$tmp/body" "http://127.0.0.1:$3/bench/read-me" >/dev/null
}
start old "$old_bin" 19101
start new "$new_bin" 19102

cat >"$tmp/put.lua" <<'LUA'
wrk.method = "PUT"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/bench/k-" .. (counter % 1000))
end
LUA

rate() { # port path [script]
    local args=(-t2 -c32 -d"$duration" "http://127.0.0.1:$1$2")
    [ -n "${3:-}" ] && args=(-s "$3" "${args[@]}")
    wrk "${args[@]}" | awk '/Requests\/sec/ {print $2}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A got
for op in GET PUT; do
    for r in $(seq "$rounds"); do
        for which in old new; do
            port=19101; [ "$which" = new ] && port=19102
            if [ "$op" = GET ]; then v=$(rate $port /bench/read-me); else v=$(rate $port / "$tmp/put.lua"); fi
            echo "small_objects: round $r $op $which ${v} req/s"
            got[$op-$which]+="$v "
        done
    done
done
for op in GET PUT; do
    o=$(echo ${got[$op-old]} | tr ' ' '\n' | median); n=$(echo ${got[$op-new]} | tr ' ' '\n' | median)
    echo "small_objects: 1 KiB $op median req/s: old $o, new $n, new/old $(awk -v a="$n" -v b="$o" 'BEGIN {printf "%.2f", a/b}')"
done
