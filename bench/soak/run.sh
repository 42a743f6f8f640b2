#!/usr/bin/env bash
# bench/soak/run.sh: the soak benchmark (README.md) against the real server and demo renderer, in
# the browser tests' private network namespace (tests/browser/netns.sh, with-server.sh).
# VTKSTREAM_BUILD_DIR selects the build (default ./build); VTKSTREAM_SOAK_* tune the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f "$tests/node_modules/.package-lock.json" ]; then
  (cd "$tests" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
exec "$tests/netns.sh" "$tests/with-server.sh" node "$here/soak.mjs"
