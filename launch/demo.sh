#!/usr/bin/env bash
# `make demo`: the main job on the built-in demo scene. vtkstream-serve starts and supervises
# `vtkstream-render --demo` and prints the URL to open; Ctrl-C stops both.
#   launch/demo.sh [BUILD_DIR] [SERVER OPTIONS...]     e.g. launch/demo.sh build --bind 0.0.0.0
# Run from a build tree; an installed vtkstream is just `vtkstream-serve`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
shift || true
export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec "$build/apps/serve/vtkstream-serve" "$@"
