#!/usr/bin/env bash
# bench/browser/weak-link.sh [LINK...]: the weak-link benchmark. For each link (tc rate, or
# "unconstrained"; default: unconstrained 2mbit 1mbit 500kbit 250kbit) and each browser
# (WEAK_LINK_BROWSERS, default "chromium firefox") a fresh server and browser in
# tests/browser/netns2.sh's two namespaces, and one row of weak-link.mjs: drags seen, input-to-
# photon p50/p95, fps and kbit/s dragging, kbit/s idle, when the full-size still came and its PSNR,
# the estimate. Prints the load average before and after (the machine's load moves every figure).
# WEAK_LINK_QUERIES: page parameters to compare, one run each per link and browser, in the order
# given ("-" for none), e.g. "- playout_delay=0 - playout_delay=0" alternates the playout-delay
# extension on and off (default "-").
# VTKSTREAM_BENCH_MOVE_MS: ms between the moves of a drag (default 40, the same in both browsers;
# 0: one per animation frame, as fast as each driver goes; bench/browser/paced_moves.mjs).
# WEAK_LINK_STILLS=0 runs the page without the crisp still of a lower rung (an A/B of it).
# Root only (ip netns).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
[ $# -gt 0 ] || set -- unconstrained 2mbit 1mbit 500kbit 250kbit
echo "start: $(uptime)"
for link in "$@"; do
  rate=()
  [ "$link" = unconstrained ] || rate=(--rate "$link")
  for browser in ${WEAK_LINK_BROWSERS:-chromium firefox}; do
   for query in ${WEAK_LINK_QUERIES:--}; do
    [ "$query" != - ] || query=""
    # Chromium is driven from the server's namespace (playwright's pipe crosses namespaces);
    # puppeteer talks to Firefox over a local WebSocket, so its driver runs in the browser's
    # namespace, with the browser started there directly.
    if [ "$browser" = firefox ]; then
      cmd=(bash -c 'exec ip netns exec "$VTKSTREAM_BROWSER_NETNS" env -u VTKSTREAM_BROWSER_NETNS "$@"' _
           node "$here/weak-link.mjs" --label "$link" --browser firefox --query "$query")
    else
      cmd=(node "$here/weak-link.mjs" --label "$link" --browser "$browser" --query "$query")
    fi
    # A row that fails says why: the last lines of its output (the rows' own lines otherwise).
    out=$(mktemp)
    "$tests/netns2.sh" "${rate[@]}" "$tests/with-server.sh" "${cmd[@]}" >"$out" 2>&1 || true
    grep -v '^with-server:' "$out" | grep -E '^(JSON |[a-z0-9]+ +(chromium|firefox) )' ||
      { echo "$link $browser $query: failed"; tail -n 15 "$out" | sed 's/^/  /'; }
    rm -f "$out"
   done
  done
done
echo "end: $(uptime)"
