#!/usr/bin/env bash
# The Python package (emulator/pyproject.toml): builds the wheel, installs it into a clean
# virtualenv with pytest and the two Python SDKs, and runs emulator/python/tests with the plugin's
# fixtures; then checks that a plain `pip install ./emulator` works in another clean virtualenv.
# Needs python3, cargo and PyPI (for maturin, pytest, oss2, alibabacloud-oss-v2).
#
# The wheel is built from the workspace build: maturin runs cargo with the dev profile (pyproject's
# [tool.maturin] profile) in the same target directory as `cargo test --workspace --no-run`, so
# the dependencies are not compiled a second time. The build times are printed; a warm build
# that takes minutes means something made cargo rebuild the dependency tree.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
export CARGO_TARGET_DIR="$target"
work="$target/python-package"
python="${PYTHON:-python3}"
pip_quiet=(--quiet --disable-pip-version-check)
# No __pycache__ left in the checkout by the test files.
export PYTHONDONTWRITEBYTECODE=1

rm -rf "$work"
mkdir -p "$work"

seconds() { date +%s; }

# maturin from PyPI, in a virtualenv of its own (nothing installed into the system Python).
"$python" -m venv "$work/build-venv"
"$work/build-venv/bin/pip" install "${pip_quiet[@]}" "maturin>=1.5,<2"

start=$(seconds)
"$work/build-venv/bin/maturin" build --manifest-path emulator/Cargo.toml --out "$work/wheels" --locked
echo "python-package: wheel built in $(( $(seconds) - start )) s"
wheel="$(ls "$work"/wheels/oss_emulator-*.whl)"
echo "python-package: $wheel ($(du -h "$wheel" | cut -f1))"

# The wheel, in a virtualenv that has nothing else but what the tests use.
"$python" -m venv "$work/test-venv"
"$work/test-venv/bin/pip" install "${pip_quiet[@]}" "$wheel" pytest -r conformance-tests/interop/requirements.txt
# The plugin is found through its entry point: run from a directory without conftest.py, and
# with the binary the wheel installed (not one from PATH or the target directory).
(
    cd "$work"
    unset OSS_EMULATOR_BINARY
    PATH="$work/test-venv/bin:/usr/bin:/bin" "$work/test-venv/bin/python" -m pytest -p no:cacheprovider -v \
        "$root/emulator/python/tests"
)

# A plain `pip install ./emulator`, as the README tells Python users: pip fetches maturin into
# its isolated build environment and builds the wheel itself.
"$python" -m venv "$work/plain-venv"
start=$(seconds)
"$work/plain-venv/bin/pip" install "${pip_quiet[@]}" ./emulator
echo "python-package: plain pip install ./emulator took $(( $(seconds) - start )) s"
"$work/plain-venv/bin/oss-emulator" --version
(
    cd "$work"
    "$work/plain-venv/bin/python" - <<'EOF'
import json, urllib.request
from oss_emulator import OssEmulator

with OssEmulator() as emu:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(emu.endpoint + "/_emulator/health") as r:
        assert json.load(r)["region"] == "cn-hangzhou"
    data_dir = emu.data_dir
import os
assert not os.path.exists(data_dir), data_dir
print("python-package: the plainly installed package starts and stops its emulator")
EOF
)
echo "python-package: done"
