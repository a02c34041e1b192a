#!/usr/bin/env bash
# Creates the interop virtualenv (if missing) and installs the Python SDKs used by the interop
# tests (emulator/tests/interop.rs), which run this script themselves on first use. Idempotent;
# needs python3 and PyPI. The venv lives in $OSS_INTEROP_VENV, by default <target dir>/interop-venv
# (the build's own output, so `cargo clean` removes it with everything else).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="${OSS_INTEROP_VENV:-$target/interop-venv}"
req="$root/conformance-tests/interop/requirements.txt"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-interop: $python is not installed (set PYTHON to another interpreter)" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "setup-interop: creating $venv"
    "$python" -m venv "$venv"
fi

# Skip pip entirely when every pinned requirement is already satisfied.
if "$venv/bin/python" "$root/.ci/pins-satisfied.py" "$req" 2>/dev/null; then
    echo "setup-interop: $venv is up to date"
    exit 0
fi

echo "setup-interop: installing $req"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "setup-interop: done"
