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
# shellcheck source=.ci/browser-lib.sh
source .ci/browser-lib.sh
testdir="$PWD/conformance-tests/browser"
browser_setup cors-browser "$testdir"

echo "cors-browser: $endpoint (region $region)"
EMULATOR_ENDPOINT="$endpoint" EMULATOR_REGION="$region" CHROMIUM="$chromium" timeout 300 node "$testdir/cors.test.js" ||
    browser_failed "the browser test failed"
