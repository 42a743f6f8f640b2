#!/usr/bin/env bash
# bench/browser/two-viewers.sh [RATE]: the two-viewer case of the weak-link benchmark. One fresh
# server and renderer in tests/browser/netns2.sh's server namespace; a strong viewer (Chromium in
# that namespace, unconstrained) and a weak one (Chromium in the browser namespace, behind a tc tbf
# link of RATE, default 250kbit). Prints the strong viewer's figures alone and with the weak one
# watching (two-viewers.mjs), and the load average before and after. Root only (ip netns).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
rate=${1:-250kbit}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$tests/netns2.sh" --rate "$rate" "$tests/with-server.sh" node "$here/two-viewers.mjs" | grep -v '^with-server:'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
