#!/usr/bin/env bash
# Shows a running renderer in a desktop window: drag to rotate, wheel to zoom, keys as in VTK.
# The window's navigation events travel upstream into vtksrc and on to the renderer.
#   launch/view.sh [SHM_NAME]            (default: demo)
# Needs a display; run it inside `meson devenv -C build` when vtkstream is not installed.
set -euo pipefail
name=${1:-demo}
exec gst-launch-1.0 vtksrc shm-name="$name" ! videoconvert ! autovideosink
