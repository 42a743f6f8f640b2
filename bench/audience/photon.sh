#!/usr/bin/env bash
# Drag-to-photon directly and through Janus (photon.mjs), against the real server and renderer:
# picks free ports inside a private network namespace, starts the server with --janus
# (tests/browser/with-server.sh), and runs photon.mjs, which starts Janus and the two browsers.
#   bench/audience/photon.sh [BUILD_DIR] [photon.mjs options]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
browser=$here/../../tests/browser
if [ -z "${VTKSTREAM_IN_NETNS:-}" ]; then
  build=$(cd "${1:-$here/../../build}" && pwd)
  shift || true
  VTKSTREAM_IN_NETNS=1 VTKSTREAM_BUILD_DIR=$build exec "$browser/netns.sh" "$0" "$@"
fi
read -r http video rtcp < <(python3 -c '
import socket
def free(kind):
    s = socket.socket(socket.AF_INET, kind); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
v = free(socket.SOCK_DGRAM); r = free(socket.SOCK_DGRAM)
while r == v: r = free(socket.SOCK_DGRAM)
print(free(socket.SOCK_STREAM), v, r)')
export VTKSTREAM_JANUS_HTTP_PORT=$http VTKSTREAM_JANUS_VIDEO_PORT=$video VTKSTREAM_JANUS_RTCP_PORT=$rtcp
export VTKSTREAM_SERVE_ARGS="--janus http://127.0.0.1:$http/janus --janus-video-port $video --janus-rtcp-port $rtcp"
exec "$browser/with-server.sh" node "$here/photon.mjs" "$@"
