#!/usr/bin/env bash
# bench/browser/rung-liar.sh: the unconstrained weak-link row (Chromium, the owner's link) with a
# hostile view-only viewer beside it (rung-liar.mjs), in tests/browser/netns2.sh's namespaces.
# Prints the liar's LIAR lines (the top encoder's rate, each viewer's rung and estimate) and the
# strong viewer's row. Root only (ip netns).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export VTKSTREAM_BUILD_DIR=${VTKSTREAM_BUILD_DIR:-$here/../../build}
"$here/../../tests/browser/netns2.sh" "$here/../../tests/browser/with-server.sh" bash -c '
  node "$1/rung-liar.mjs" & liar=$!
  node "$1/weak-link.mjs" --label unconstrained --browser chromium --query ""
  rc=$?
  kill "$liar"
  exit "$rc"' _ "$here" 2>&1 | grep -E "^(LIAR|unconstrained chromium)"
