#!/usr/bin/env bash
# with-gst-launch.sh CMD [ARGS...]: the sink as a GStreamer user runs it, no vtkstream-serve.
# Starts the real renderer on the demo scene and four gst-launch-1.0 pipelines on 127.0.0.1:
#   vtksrc shm-name=NAME ! vtkstreamsink port=8001 token=T        -> VTKSTREAM_URL
#   videotestsrc is-live=true (1280x720) ! vtkstreamsink port=8002 token=T -> VTKSTREAM_TESTSRC_URL
#   videotestsrc ... ! vtkstreamsink port=8003 idle-timeout=6    -> VTKSTREAM_IDLE_URL (idle warning)
#   videotestsrc ... (5 fps) ! vtkstreamsink port=8004           -> VTKSTREAM_SLOW_URL (WHEP after a page)
# waits for each sink's `vtkstreamsink-links` bus message (gst-launch -m prints it), runs CMD,
# then stops what it started (by pid). Meant to run inside netns.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${VTKSTREAM_BUILD_DIR:-$here/../../build}" 2>/dev/null && pwd) || {
  echo "with-gst-launch: build dir not found" >&2; exit 1; }
render=$build/apps/render/vtkstream-render
[ -x "$render" ] || { echo "with-gst-launch: $render is not built" >&2; exit 1; }
command -v gst-launch-1.0 >/dev/null || { echo "with-gst-launch: gst-launch-1.0 is missing (gstreamer1.0-tools)" >&2; exit 1; }
export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

tmp=$(mktemp -d)
pids=()
cleanup() {
  status=$?
  for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] || [ -n "${VTKSTREAM_SHOW_SERVER_LOG:-}" ]; then
    for f in "$tmp"/*.log; do echo "---- $(basename "$f") (last 30 lines) ----" >&2; tail -n 30 "$f" >&2 || true; done
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
shm="vtktest-gst-$$"
"$render" --shm "$shm" --size 640x360 --demo >"$tmp/render.log" 2>&1 &
pids+=($!)

# start_sink NAME PIPELINE...: runs gst-launch -m and returns once the sink listens.
start_sink() {
  local name=$1; shift
  mkfifo "$tmp/$name.out"
  gst-launch-1.0 -m "$@" >"$tmp/$name.out" 2>"$tmp/$name.err.log" &
  pids+=($!)
  exec {fd}<"$tmp/$name.out"
  local line deadline=$((SECONDS + 60))
  while :; do
    local left=$((deadline - SECONDS))
    if [ "$left" -le 0 ] || ! IFS= read -r -t "$left" -u "$fd" line; then
      echo "with-gst-launch: $name printed no vtkstreamsink-links message" >&2
      return 1
    fi
    printf '%s\n' "$line" >>"$tmp/$name.log"
    if [[ $line == *vtkstreamsink-links* ]]; then
      cat <&"$fd" >>"$tmp/$name.log" &
      pids+=($!)
      exec {fd}<&-
      return 0
    fi
  done
}

start_sink sink-vtksrc vtksrc shm-name="$shm" ! vtkstreamsink port=8001 token="$token"
export VTKSTREAM_URL="http://127.0.0.1:8001/?token=$token"
start_sink sink-testsrc videotestsrc is-live=true ! video/x-raw,width=1280,height=720,framerate=15/1 ! vtkstreamsink port=8002 token="$token"
export VTKSTREAM_TESTSRC_URL="http://127.0.0.1:8002/?token=$token"
# A short idle timeout of its own, so the other tests never meet it (gst/idle.test.mjs).
# Small and slow (160x120 at 5 fps): its encoder runs all along and must not take CPU from the others.
start_sink sink-idle videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=5/1 ! vtkstreamsink port=8003 token="$token" idle-timeout=6
export VTKSTREAM_IDLE_URL="http://127.0.0.1:8003/?token=$token"
# 5 fps: up to 200 ms between a new viewer's branch and its first frame, so that a server answering
# a WHEP offer before its stream reached the branch is caught every time (gst/whep.test.mjs).
start_sink sink-slow videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=5/1 ! vtkstreamsink port=8004 token="$token"
export VTKSTREAM_SLOW_URL="http://127.0.0.1:8004/?token=$token"
echo "with-gst-launch: sinks up at $VTKSTREAM_URL, $VTKSTREAM_TESTSRC_URL, $VTKSTREAM_IDLE_URL and $VTKSTREAM_SLOW_URL"
"$@"
