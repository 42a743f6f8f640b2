#!/usr/bin/env bash
# bench/browser/weak-link.sh [LINK...]: the weak-link benchmark. For each link (tc rate, or
# "unconstrained"; default: unconstrained 2mbit 1mbit 500kbit 250kbit) a fresh server and Chromium
# in tests/browser/netns2.sh's two namespaces, and one row of weak-link.mjs: drags seen, input-to-
# photon p50/p95, kbit/s dragging and idle, the estimate. Root only (ip netns).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
[ $# -gt 0 ] || set -- unconstrained 2mbit 1mbit 500kbit 250kbit
for link in "$@"; do
  rate=()
  [ "$link" = unconstrained ] || rate=(--rate "$link")
  "$tests/netns2.sh" "${rate[@]}" "$tests/with-server.sh" node "$here/weak-link.mjs" --label "$link" |
    grep -v '^with-server:' || echo "$link: failed"
done
