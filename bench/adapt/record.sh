#!/usr/bin/env bash
# bench/adapt/record.sh SCENARIO OUT: records a congestion-control trace (record.mjs) through
# tests/browser/netns2.sh's link with the real server; OUT receives the trace. Root only.
#   bench/adapt/record.sh step tests/adapt/traces/step-5M-250k-5M.trace
#   bench/adapt/record.sh ws-step tests/adapt/traces/ws-step-5M-250k-5M.trace
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
scenario=${1:?usage: record.sh step|burst-loss|free-drags|ws-step OUT}
out=$(realpath -m "${2:?usage: record.sh SCENARIO OUT}")
: >"$out"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build} VTKSTREAM_ADAPT_TRACE=$out
# ws-step: a WebSocket-video viewer (node clients, no browser), record-ws.mjs.
[ "$scenario" != ws-step ] || exec "$tests/netns2.sh" "$tests/with-server.sh" node "$here/record-ws.mjs" --trace "$out"
exec "$tests/netns2.sh" "$tests/with-server.sh" node "$here/record.mjs" --trace "$out" --scenario "$scenario"
