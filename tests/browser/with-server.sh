#!/usr/bin/env bash
# with-server.sh CMD [ARGS...]: starts the real vtkstream-serve (which starts the real renderer
# on the demo scene) on 127.0.0.1, waits for the link lines it prints on stdout, runs CMD with
# VTKSTREAM_URL set to the control link (http://127.0.0.1:PORT/?token=...) and VTKSTREAM_VIEW_URL
# to the view-only link, then stops the server it started (and only that). Meant to run inside
# netns.sh, where every port is free and the fixed default port cannot collide.
#   VTKSTREAM_BUILD_DIR  meson build dir (default: ../../build) holding apps/ and plugins/
#   VTKSTREAM_SERVE      server executable (default: $VTKSTREAM_BUILD_DIR/apps/serve/vtkstream-serve)
#   VTKSTREAM_PORT       port (default 8000)
#   VTKSTREAM_SERVE_ARGS extra server arguments (word-split), e.g. "--render '--demo'"
#   VTKSTREAM_START_S    how long to wait for the URL line (default 60)
#   VTKSTREAM_BIND       address to listen on (default 127.0.0.1; netns2.sh sets its link's)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${VTKSTREAM_BUILD_DIR:-$here/../../build}" 2>/dev/null && pwd) || {
  echo "with-server: build dir ${VTKSTREAM_BUILD_DIR:-$here/../../build} not found" >&2; exit 1; }
serve=${VTKSTREAM_SERVE:-$build/apps/serve/vtkstream-serve}
[ -x "$serve" ] || { echo "with-server: $serve is not built" >&2; exit 1; }
port=${VTKSTREAM_PORT:-8000}

# The server finds the renderer on PATH; our plugin first. Under `meson test` the hermetic
# GST_PLUGIN_PATH_1_0 / private registry from tests/meson.build are already set and win.
export PATH="$build/apps/serve:$build/apps/render:$PATH"
export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

tmp=$(mktemp -d)
log="$tmp/server.log"
server=""
drain=""
cleanup() {
  status=$?
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    # Give it the chance to stop its renderer; `timeout` bounds the wait without sleeping.
    timeout 10 tail --pid="$server" -f /dev/null 2>/dev/null || kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  # The drain ends with the server's stdout; a renderer child still holding it must not keep us here.
  [ -n "$drain" ] && { kill "$drain" 2>/dev/null || true; wait "$drain" 2>/dev/null || true; }
  if [ "$status" -ne 0 ] || [ -n "${VTKSTREAM_SHOW_SERVER_LOG:-}" ]; then
    echo "---- server log (last 60 lines) ----" >&2
    tail -n 60 "$log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

mkfifo "$tmp/out"
# shellcheck disable=SC2086  # VTKSTREAM_SERVE_ARGS is meant to be word-split
"$serve" --bind "${VTKSTREAM_BIND:-127.0.0.1}" --port "$port" ${VTKSTREAM_SERVE_ARGS:-} >"$tmp/out" 2>>"$log" &
server=$!
exec {out}<"$tmp/out"

# Read stdout line by line until the link lines: no fixed sleep, the server says when it listens.
# The control link comes first; the view-only link follows unless the server runs --no-auth.
url=""
view_url=""
deadline=$((SECONDS + ${VTKSTREAM_START_S:-60}))
while [ -z "$url" ] || { [[ $url == *token=* ]] && [ -z "$view_url" ]; }; do
  left=$((deadline - SECONDS))
  if [ "$left" -le 0 ] || ! IFS= read -r -t "$left" -u "$out" line; then
    echo "with-server: no URL line from $serve within ${VTKSTREAM_START_S:-60} s" >&2
    exit 1
  fi
  printf '%s\n' "$line" >>"$log"
  if [[ $line =~ (https?://[^[:space:]]+) ]]; then
    if [ -z "$url" ]; then url=${BASH_REMATCH[1]}; else view_url=${BASH_REMATCH[1]}; fi
  fi
done
# Keep draining stdout, or a chatty server would block on a full pipe.
cat <&"$out" >>"$log" &
drain=$!
exec {out}<&-
echo "with-server: $serve is up at $url (pid $server)"

# The pid lets tests read the server's descriptors and RSS in /proc (reloadScenario).
export VTKSTREAM_URL=$url VTKSTREAM_VIEW_URL=$view_url VTKSTREAM_SERVER_PID=$server
"$@"
