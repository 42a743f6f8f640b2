#!/usr/bin/env bash
# bench/browser/run.sh [latency.mjs options]: the browser benchmark in the same private network
# namespace and with the same real server the browser tests use (tests/browser/netns.sh and
# with-server.sh). VTKSTREAM_BUILD_DIR selects the build (default ./build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f "$tests/node_modules/.package-lock.json" ]; then
  (cd "$tests" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
exec "$tests/netns.sh" "$tests/with-server.sh" node "$here/latency.mjs" "$@"
