#!/usr/bin/env bash
# The official oss2 test suite as a CI ratchet.
#
# Downloads the pinned oss2 sdist from PyPI (cached under target/oss2-ratchet/, so reruns are
# offline), runs its tests/ against a fresh emulator per test file, with V1 and V4 signatures,
# and compares with .ci/oss2-ratchet/expected-pass.txt: a listed test that does not pass fails
# the run; a newly passing test is only reported. See .ci/oss2-ratchet/run.py for the details.
#
# Usage: .ci/oss2-ratchet.sh [--emulator PATH] [run.py options...]
#   --emulator PATH   the oss-emulator binary (default: $OSS2_RATCHET_EMULATOR, else
#                     $CARGO_TARGET_DIR/debug/oss-emulator, else target/debug/oss-emulator);
#                     it is not built here: build it first (cargo build -p oss-emulator)
#   --only test_x.py  run one file only (repeatable), for debugging
#   --update-expected add newly passing tests to expected-pass.txt (never removes any)
#   --failures FILE   also write the grouped failure causes to FILE
# Any other option is passed on to run.py (--help lists them).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/.ci/oss2-ratchet"
cache="$root/target/oss2-ratchet"
version="2.19.1"
python="${PYTHON:-python3}"

emulator="${OSS2_RATCHET_EMULATOR:-${CARGO_TARGET_DIR:-$root/target}/debug/oss-emulator}"
pass=()
while [ $# -gt 0 ]; do
    case "$1" in
        --emulator) [ $# -ge 2 ] || { echo "oss2-ratchet: --emulator needs a path" >&2; exit 2; }
                    emulator="$2"; shift 2 ;;
        --emulator=*) emulator="${1#--emulator=}"; shift ;;
        *) pass+=("$1"); shift ;;
    esac
done
if [ ! -x "$emulator" ]; then
    echo "oss2-ratchet: emulator binary '$emulator' not found or not executable;" \
         "build it (cargo build -p oss-emulator) or pass --emulator PATH" >&2
    exit 2
fi

mkdir -p "$cache/dist"
sdist="$cache/dist/oss2-$version.tar.gz"
if [ ! -f "$sdist" ]; then
    echo "oss2-ratchet: downloading oss2==$version sdist from PyPI"
    # --no-binary: the wheel has no tests/; the sdist has tests/ and the unittests/ mocks they import.
    if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps \
            --no-binary :all: "oss2==$version" -d "$cache/dist"; then
        echo "oss2-ratchet: could not download the oss2==$version sdist" >&2
        exit 2
    fi
    [ -f "$sdist" ] || { echo "oss2-ratchet: pip did not leave $sdist" >&2; exit 2; }
fi

# Extract afresh each run: the tests are read-only inputs, and a stale tree must not linger.
src="$cache/src"
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$sdist" -C "$src"
sdist_root="$src/oss2-$version"
[ -d "$sdist_root/tests" ] || { echo "oss2-ratchet: $sdist has no tests/ directory" >&2; exit 2; }
[ -d "$sdist_root/unittests" ] || { echo "oss2-ratchet: $sdist has no unittests/ directory" >&2; exit 2; }

venv="$cache/venv"
req="$here/requirements.txt"
if [ ! -x "$venv/bin/python" ]; then
    echo "oss2-ratchet: creating $venv"
    "$python" -m venv "$venv"
fi
# Skip pip when every pin is already satisfied, so a rerun needs no network.
if ! "$venv/bin/python" "$root/.ci/pins-satisfied.py" "$req"; then
    echo "oss2-ratchet: installing $req into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
fi

start=$(date +%s)
set +e
"$venv/bin/python" "$here/run.py" --emulator "$emulator" --sdist "$sdist_root" \
    --work "$cache/work" ${pass[@]+"${pass[@]}"}
rc=$?
set -e
echo "oss2-ratchet: finished in $(( $(date +%s) - start ))s (exit $rc)"
exit $rc
