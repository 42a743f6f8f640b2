#!/usr/bin/env bash
# bench/session/run.sh [STARTS] [SESSIONS]: how long a WebRTC session takes to set up, the first
# one after the sink started against the later ones. STARTS times (default 5): a fresh
# `gst-launch-1.0 videotestsrc is-live=true ! vtkstreamsink` (its own process, as after a server
# start), then SESSIONS (default 4) sessions of the sink's own page one after another in one
# headless Chromium (sessions.mjs). Per session: the server's time from the viewer's WebSocket
# to WebRTC connected (its log, GST_DEBUG timestamps) and the page's time from navigation to its
# first presented frame. Prints each start, then the medians (summary.mjs). Runs itself in a
# private network namespace (tests/browser/netns.sh); needs the build dir (VTKSTREAM_BUILD_DIR,
# default ./build) and tests/browser's node modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "${1:-}" != "--inside" ]; then exec "$root/tests/browser/netns.sh" "$0" --inside "$@"; fi
shift
starts=${1:-5} sessions=${2:-4}
build=$(cd "${VTKSTREAM_BUILD_DIR:-$root/build}" && pwd)
export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for s in $(seq "$starts"); do
  token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
  : >"$out/sink-$s.log"
  GST_DEBUG_NO_COLOR=1 GST_DEBUG="vtkstreamsink-peer:4,vtkstreamsink-webrtc:4" \
    gst-launch-1.0 -m videotestsrc is-live=true ! vtkstreamsink port=8010 token="$token" >"$out/sink-$s.log" 2>&1 &
  pid=$!
  # The links message says it listens (gst-launch -m prints it); the log grows until then.
  timeout 60 grep -q -m1 vtkstreamsink-links <(tail -f "$out/sink-$s.log") || { echo "sink $s did not start" >&2; kill "$pid"; exit 1; }
  node "$here/sessions.mjs" "http://127.0.0.1:8010/?token=$token" "$sessions" >"$out/page-$s.jsonl"
  kill -INT "$pid"
  wait "$pid" || true
done
node "$here/summary.mjs" "$out" "$starts"
