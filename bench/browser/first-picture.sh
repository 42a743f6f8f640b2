#!/usr/bin/env bash
# bench/browser/first-picture.sh [RUNS] [LABEL]: where WebSocket video's first picture spends its
# time (first-picture.mjs), RUNS fresh Chromium sessions (default 5) against one server over https
# (a certificate made for the run) across tests/browser/netns2.sh's unconstrained link. Prints the
# load average before and after. Root only (ip netns). VTKSTREAM_BENCH_WEB=DIR serves the page
# from DIR instead (--web): the same server and probe against another version of the page.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
"$here/../../tests/common/make_test_cert.sh" "$certs" >/dev/null
export VTKSTREAM_TLS_SPKI VTKSTREAM_TLS_CA="$certs/ca.pem"
VTKSTREAM_TLS_SPKI=$(cat "$certs/server.spki")
export VTKSTREAM_SERVE_ARGS="--tls-cert $certs/server.pem --tls-key $certs/server.key${VTKSTREAM_BENCH_WEB:+ --web $VTKSTREAM_BENCH_WEB}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$tests/netns2.sh" "$tests/with-server.sh" node "$here/first-picture.mjs" --runs "${1:-5}" --label "${2:-ws}" |
  grep -v '^with-server:'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
