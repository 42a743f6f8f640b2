#!/usr/bin/env bash
# An audience through Janus on this machine (docs/janus.md): vtkstream-serve on the demo scene,
# forwarding its encode as RTP to a Janus streaming mountpoint, and a view-only page for Janus.
#   launch/janus.sh [BUILD_DIR] [SERVER OPTIONS...]       e.g. launch/janus.sh build --render '--demo'
# Environment (defaults in brackets):
#   JANUS_BIND        where Janus's API, the viewer page and our server listen [127.0.0.1];
#                     0.0.0.0 (or a LAN address) to share
#   JANUS_HTTP_PORT   Janus's HTTP API [8088]       JANUS_PAGE_PORT  the viewer page [8089]
#   JANUS_VIDEO_PORT  mountpoint RTP [5004]         JANUS_RTCP_PORT  mountpoint RTCP [5005]
#   JANUS_CODEC       vp8 or h264, as --codec [vp8]
#   JANUS_RUNGS       the rungs sent to Janus, one mountpoint each (id 1+N): all or e.g. 0,2 [all]
# Prints our control link (steer here), then the Janus viewer link (share this one). The
# configuration goes to a temporary directory, removed on exit; Ctrl-C stops all three.
# Debian's janus.service, if it runs, holds port 8088 with /etc/janus: stop it or pick other ports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
shift || true
bind=${JANUS_BIND:-127.0.0.1}
http_port=${JANUS_HTTP_PORT:-8088} page_port=${JANUS_PAGE_PORT:-8089}
video_port=${JANUS_VIDEO_PORT:-5004} rtcp_port=${JANUS_RTCP_PORT:-5005} codec=${JANUS_CODEC:-vp8}
rungs=${JANUS_RUNGS:-all}
command -v janus >/dev/null || { echo "janus.sh: janus is not installed (apt-get install janus)" >&2; exit 1; }
js=/usr/share/javascript
for f in "$js/janus-gateway/janus.js" "$js/webrtc-adapter/adapter.js"; do
  [ -f "$f" ] || { echo "janus.sh: $f is missing (apt-get install libjs-janus-gateway libjs-webrtc-adapter)" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Janus: its API and the mountpoint's RTP ports on one address (loopback unless JANUS_BIND names
# another); with 0.0.0.0 the API listens everywhere, the RTP ports stay on loopback.
api_host=$bind
[ "$api_host" = 0.0.0.0 ] && api_host=127.0.0.1
"$here/janus/janus-config.sh" "$tmp/janus" --bind "$api_host" --http-port "$http_port" \
  --video-port "$video_port" --rtcp-port "$rtcp_port" --codec "$codec" --rungs "$rungs"
if [ "$bind" = 0.0.0.0 ]; then
  sed -i 's/^\tip = .*/\tip = "0.0.0.0"/' "$tmp/janus/janus.transport.http.jcfg"
fi
janus --configs-folder "$tmp/janus" --config "$tmp/janus/janus.jcfg" --disable-colors >"$tmp/janus.log" 2>&1 &
pids+=($!)

# The viewer page with Debian's scripts beside it, from a plain static server.
mkdir "$tmp/page"
cp "$here/janus/viewer.html" "$tmp/page/index.html"
ln -s "$js/janus-gateway/janus.js" "$js/webrtc-adapter/adapter.js" "$tmp/page/"
python3 -m http.server --bind "$bind" --directory "$tmp/page" "$page_port" >"$tmp/page.log" 2>&1 &
pids+=($!)
host=$bind
[ "$host" = 0.0.0.0 ] && host=$(hostname -I | cut -d' ' -f1)
echo "Janus viewers (share this link): http://$host:$page_port/?janus=http://$host:$http_port/janus"
echo "  (a smaller picture for weak links: add &rung=1 or &rung=2, or pick one in the page's menu)"
echo "Janus log: $tmp/janus.log"

export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
# Not exec: the trap above stops Janus and the page server when the server ends.
"$build/apps/serve/vtkstream-serve" --bind "$bind" --codec "$codec" \
  --janus "http://$api_host:$http_port/janus" --janus-video-port "$video_port" --janus-rtcp-port "$rtcp_port" --janus-rungs "$rungs" "$@"
