#!/bin/bash
# Reproduces RESULTS.md: cold per-candidate builds (each in its own fresh target dir), then the benchmark.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/../../../target/index-choice}"
: > build_times.txt
for f in rusqlite redb fjall; do
  e=$f; [ $f = rusqlite ] && e=sqlite
  d=$CARGO_TARGET_DIR/cold-$f; rm -rf "$d"
  echo "load before $f build: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  t0=$(date +%s.%N)
  CARGO_TARGET_DIR=$d nice -n 10 cargo build --release --no-default-features --features $f 2>&1 | tail -1 >&2
  t1=$(date +%s.%N)
  printf '%s %.0f\n' $e "$(echo "$t1 - $t0" | bc)" >> build_times.txt
  rm -rf "$d"
done
cat build_times.txt >&2
nice -n 10 cargo build --release --features rusqlite,redb,fjall 2>&1 | tail -1 >&2
echo "load before bench: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$CARGO_TARGET_DIR/release/indexbench" bench sqlite redb fjall > table.md 2> bench.log
echo "load after bench: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cat table.md
