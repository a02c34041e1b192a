#!/usr/bin/env bash
# The store's benchmark (issue 9's figures), from one run on one machine, printed as ratios:
#   - 1 KiB PUT (new keys, overwrites) and GET of this checkout against another revision
#     (default: the previous main), built from git and run side by side, alternating;
#   - overwrite vs new key, in this build;
#   - PUT, GET and ListObjects with the bucket at 1k objects vs at FILL objects (default 1M);
#   - start-up time and RSS with FILL objects;
#   - PUT req/s with --durability power vs process.
#
#   bash emulator/benches/store.sh [BASE_REV] [FILL]
#
# Needs wrk and curl. Builds both in release mode; the base revision in a git worktree under
# target/bench-base. The fill uses 1-byte objects (index rows, no files); it takes a few minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
base_rev="${1:-HEAD~1}"
fill="${2:-1000000}"
duration="${BENCH_DURATION:-4s}"
rounds="${BENCH_ROUNDS:-7}"
command -v wrk >/dev/null || { echo "store bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }

root="$PWD"
work="$root/target/bench-base"
if [ ! -d "$work/src" ]; then
    mkdir -p "$work"
    git worktree add --detach "$work/src" "$base_rev" >/dev/null
else
    git -C "$work/src" checkout --quiet --detach "$base_rev"
fi
echo "store bench: building $(git -C "$work/src" rev-parse --short HEAD) and this checkout (release)"
CARGO_TARGET_DIR="$work/target" cargo build --quiet --release -p oss-emulator --bin oss-emulator --manifest-path "$work/src/Cargo.toml"
cargo build --quiet --release -p oss-emulator --bin oss-emulator
old_bin="$work/target/release/oss-emulator"
new_bin="${CARGO_TARGET_DIR:-target}/release/oss-emulator"

tmp="$(mktemp -d -p "$root/target" store-bench.XXXX)"
declare -A pid
cleanup() { for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

wait_up() { # port
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$1/_emulator/health" >/dev/null && return 0; sleep 0.05; done
    echo "store bench: the emulator on $1 did not come up" >&2; return 1
}
start() { # name binary port [extra flags...]
    local name=$1 bin=$2 port=$3; shift 3
    RUST_LOG=warn "$bin" --listen "127.0.0.1:$port" --data-dir "$tmp/$name" --auth off "$@" >"$tmp/$name.log" 2>&1 &
    pid[$name]=$!
    wait_up "$port"
}
prepare() { # port
    curl -sf -X PUT "http://127.0.0.1:$1/bench" >/dev/null || true
    head -c 1024 /dev/urandom >"$tmp/body"
    curl -sf -X PUT --data-binary @"$tmp/body" "http://127.0.0.1:$1/bench/read-me" >/dev/null
}

# Unique keys per thread and request; `prefix` names the run so runs never overwrite each other.
lua() { # file prefix body-bytes modulo(0 = never repeat)
    cat >"$1" <<LUA
local counter = 0
local tid = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
init = function() tid = wrk.thread:get("tid") or 0 end
wrk.method = "PUT"
wrk.body = string.rep("x", $3)
request = function()
  counter = counter + 1
  local n = counter
  if $4 > 0 then n = counter % $4 end
  return wrk.format(nil, "/bench/$2-" .. tid .. "-" .. n)
end
LUA
}
rate() { # port path [script] [connections]
    local args=(-t2 -c"${4:-32}" -d"$duration" "http://127.0.0.1:$1$2")
    [ -n "${3:-}" ] && args=(-s "$3" "${args[@]}")
    wrk "${args[@]}" | awk '/Requests\/sec/ {print $2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# ---- this build against the base, side by side ----
# The host is shared and noisy (throughput moves by 2x from one minute to the next), so every
# figure is a pair measured back to back, the pair's order alternating from round to round, and
# each ratio is the median of the rounds' ratios rather than a ratio of medians.
start old "$old_bin" 19201
start new "$new_bin" 19202
prepare 19201
prepare 19202
declare -A got
for r in $(seq "$rounds"); do
    order="old new"; [ $((r % 2)) = 0 ] && order="new old"
    lua "$tmp/new.lua" "new$r" 1024 0
    lua "$tmp/over.lua" "over" 1024 16
    for kind in put over get; do
        for which in $order; do
            port=19201; [ "$which" = new ] && port=19202
            case $kind in
                put) got[put-$which]+="$(rate $port / "$tmp/new.lua") " ;;
                over) got[over-$which]+="$(rate $port / "$tmp/over.lua") " ;;
                get) got[get-$which]+="$(rate $port /bench/read-me) " ;;
            esac
        done
    done
    echo "store bench: round $r of $rounds done"
done
# The median of the element-wise ratios b/a of two lists of figures.
pair_ratio() { # "a1 a2 ..." "b1 b2 ..."
    paste <(echo "$1" | tr ' ' '\n' | grep .) <(echo "$2" | tr ' ' '\n' | grep .) |
        awk '$1 > 0 { printf "%.4f\n", $2 / $1 }' | median | awk '{ printf "%.2f", $1 }'
}
for k in put over get; do
    got[$k-ratio]=$(pair_ratio "${got[$k-old]}" "${got[$k-new]}")
done
got[over-vs-new]=$(pair_ratio "${got[put-new]}" "${got[over-new]}")
for k in put over get; do
    for which in old new; do got[$k-$which]=$(echo "${got[$k-$which]}" | median); done
done
stop() { # name
    if ! kill -0 "${pid[$1]}" 2>/dev/null; then
        echo "store bench: the $1 emulator exited before the end of its runs; its log:" >&2
        tail -n 20 "$tmp/$1.log" >&2
    fi
    kill "${pid[$1]}" 2>/dev/null || true
    wait "${pid[$1]}" 2>/dev/null || true
    unset "pid[$1]"
}
stop old
stop new

# ---- scale: 1k vs FILL objects in the bucket ----
start scale "$new_bin" 19203
prepare 19203
slice=0
have=0
fill_rate=4000
fill_to() { # target
    # Small bodies live in the index, not in files: the count is what wrk saw acknowledged.
    while [ "$have" -lt "$1" ]; do
        local left=$(( $1 - have ))
        # wrk cannot stop at a count: run in slices, each with keys of its own (a slice that
        # reused the last one's keys would only overwrite).
        slice=$((slice + 1))
        lua "$tmp/fill.lua" "fill$slice" 1 0
        local out; out=$(wrk -t2 -c64 -d"$(( left / fill_rate + 1 ))s" -s "$tmp/fill.lua" "http://127.0.0.1:19203/")
        local sent failed
        sent=$(echo "$out" | awk '/requests in/ {print $1}')
        failed=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
        have=$(( have + sent - ${failed:-0} ))
        # The next slice is sized by this one's rate, so the fill lands near its target.
        local secs; secs=$(echo "$out" | awk '/requests in/ {sub(/s,/, "", $4); print int($4 + 0.5)}')
        [ "${secs:-0}" -gt 0 ] && fill_rate=$(( sent / secs + 1 ))
    done
}
measure_scale() { # label (the median of three of each, interleaved)
    local put="" get="" list=""
    for i in 1 2 3; do
        lua "$tmp/sp.lua" "scale-$1-$i" 1024 0
        put+="$(rate 19203 / "$tmp/sp.lua") "
        get+="$(rate 19203 /bench/read-me) "
        list+="$(rate 19203 "/bench?prefix=fill1-1-5&max-keys=100") "
    done
    got[sput-$1]=$(echo "$put" | median)
    got[sget-$1]=$(echo "$get" | median)
    got[slist-$1]=$(echo "$list" | median)
}
fill_to 1000
measure_scale small
echo "store bench: filling the bucket to $fill objects"
t0=$(date +%s)
fill_to "$fill"
echo "store bench: filled in $(( $(date +%s) - t0 )) s"
measure_scale large

# Start-up with the bucket full: time to the first answered request, and memory after 10k GETs.
stop scale
t0=$(date +%s.%N)
start scale "$new_bin" 19203
startup=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
wrk -t2 -c16 -d3s "http://127.0.0.1:19203/bench/read-me" >/dev/null
rss=$(rss_mib "${pid[scale]}")
stop scale

# ---- durability: power vs process ----
start process "$new_bin" 19204 --durability process
start power "$new_bin" 19205 --durability power
prepare 19204
prepare 19205
lua "$tmp/d.lua" "dur" 1024 0
got[dur-process]=$(rate 19204 / "$tmp/d.lua" 64)
got[dur-power]=$(rate 19205 / "$tmp/d.lua" 64)

echo
echo "store bench results ($(git rev-parse --short HEAD) vs base $(git -C "$work/src" rev-parse --short HEAD), $rounds rounds of $duration, req/s)"
echo "  (figures: medians; ratios: medians of the rounds' back-to-back pairs)"
printf '  %-44s %10s %10s %8s\n' "" base new new/base
printf '  %-44s %10s %10s %8s\n' "1 KiB PUT, new keys" "${got[put-old]}" "${got[put-new]}" "${got[put-ratio]}"
printf '  %-44s %10s %10s %8s\n' "1 KiB PUT, overwrite" "${got[over-old]}" "${got[over-new]}" "${got[over-ratio]}"
printf '  %-44s %10s %10s %8s\n' "1 KiB GET" "${got[get-old]}" "${got[get-new]}" "${got[get-ratio]}"
echo "  overwrite / new key (this build):           ${got[over-vs-new]}   (goal >= 0.9)"
echo "  at $have vs 1k objects (this build):"
echo "    1 KiB PUT   ${got[sput-large]} vs ${got[sput-small]}  ratio $(ratio "${got[sput-large]}" "${got[sput-small]}")   (goal >= 0.9)"
echo "    1 KiB GET   ${got[sget-large]} vs ${got[sget-small]}  ratio $(ratio "${got[sget-large]}" "${got[sget-small]}")   (goal >= 0.9)"
echo "    ListObjects ${got[slist-large]} vs ${got[slist-small]}  ratio $(ratio "${got[slist-large]}" "${got[slist-small]}")   (goal >= 0.9)"
echo "  start-up with $have objects: ${startup} s to the first answer (goal <= 1 s), RSS ${rss} MiB (goal <= 100 MiB)"
echo "  PUT power vs process: ${got[dur-power]} vs ${got[dur-process]}  ratio $(ratio "${got[dur-power]}" "${got[dur-process]}")"
