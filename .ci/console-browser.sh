#!/usr/bin/env bash
# Browser test of the web console (/_emulator/ui/): Debian's chromium, driven by playwright-core
# (pinned in emulator/console/test/package-lock.json), against the emulator binary started on a
# free port with a temporary data directory and an admin token. It creates a bucket, uploads by
# the upload control and by drag and drop, opens an object, watches a PutObject appear in the
# live journal within 2 s, explains a signature mismatch, lists a multipart upload, adds a fault
# and sees the next upload fail, and freezes the clock. Screenshots of every view are left in
# <target>/console-screenshots/ (CARGO_TARGET_DIR, else ./target).
#
# Needs node, npm (and the npm registry the first time) and chromium (installed from Debian's
# packages when missing and this runs as root); fails saying so when one is missing, never skips. OSS_EMULATOR_BIN runs an already built binary instead of building one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=.ci/browser-lib.sh
source .ci/browser-lib.sh
testdir="$PWD/emulator/console/test"
browser_setup console-browser "$testdir"

shots="$target/console-screenshots"
rm -rf "$shots"
mkdir -p "$shots"
echo "console-browser: $endpoint, screenshots in $shots"
EMULATOR_ENDPOINT="$endpoint" ADMIN_TOKEN="$token" CHROMIUM="$chromium" SCREENSHOT_DIR="$shots" \
    timeout 300 node "$testdir/console.test.js" ||
    browser_failed "the browser test failed (screenshots so far in $shots)"
