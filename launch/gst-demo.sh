#!/usr/bin/env bash
# `make demo-gst`: starts the renderer on the built-in demo scene and shows it through GStreamer:
# in a window when a display is available, otherwise it records 5 s to demo.mp4 and says so.
#   launch/gst-demo.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export PATH="$build/apps/render:$PATH"
name="demo-$$"
vtkstream-render --shm "$name" --size 1280x720 --demo &
renderer=$!
trap 'kill "$renderer" 2>/dev/null; wait "$renderer" 2>/dev/null' EXIT
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: a window opens; drag to rotate, wheel to zoom, 'r' resets the camera; close it to stop"
  "$here/view.sh" "$name"
else
  echo "demo: no display here; recording 5 s of the demo scene to demo.mp4"
  "$here/record.sh" "$name" demo.mp4 150
  echo "demo: wrote $(pwd)/demo.mp4"
fi
