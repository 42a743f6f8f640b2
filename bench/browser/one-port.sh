#!/usr/bin/env bash
# bench/browser/one-port.sh [LINK...]: WebRTC, WebSocket video and MJPEG side by side, per link
# (tc rate, or "unconstrained"; default: unconstrained 1mbit 500kbit). For each link a fresh
# server with a certificate made for the run (the page must be a secure context for WebCodecs)
# and Chromium, then Firefox ESR, in tests/browser/netns2.sh's two namespaces, one row per
# browser and transport (pinned with ?transport=): first-picture time, drags seen, input-to-
# photon p50/p95, kbit/s dragging and idle (one-port.mjs). Prints the load average before and
# after. Root only (ip netns). VTKSTREAM_BENCH_ONLY=ws (comma-separated) runs only those
# transports, VTKSTREAM_BENCH_BROWSERS=firefox only those browsers; VTKSTREAM_BENCH_MOVE_MS: ms
# between the moves of a drag (default 40; 0: one per animation frame; paced_moves.mjs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
[ $# -gt 0 ] || set -- unconstrained 1mbit 500kbit
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
"$here/../../tests/common/make_test_cert.sh" "$certs" >/dev/null
export VTKSTREAM_TLS_SPKI VTKSTREAM_TLS_CA="$certs/ca.pem"
VTKSTREAM_TLS_SPKI=$(cat "$certs/server.spki")
export VTKSTREAM_SERVE_ARGS="--tls-cert $certs/server.pem --tls-key $certs/server.key"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for link in "$@"; do
  rate=()
  [ "$link" = unconstrained ] || rate=(--rate "$link")
  "$tests/netns2.sh" "${rate[@]}" "$tests/with-server.sh" node "$here/one-port.mjs" --label "$link" --only "${VTKSTREAM_BENCH_ONLY:-webrtc,ws,mjpeg}" \
    --browsers "${VTKSTREAM_BENCH_BROWSERS:-chromium,firefox}" |
    grep -v '^with-server:' || echo "$link: failed"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
