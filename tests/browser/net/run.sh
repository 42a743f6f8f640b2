#!/usr/bin/env bash
# Browser tests of the network paths beyond a plain LAN (meson tests browser-tls, browser-turn,
# browser-ice-tcp, browser-one-port, browser-webrtc-lost), each in a private network namespace
# of its own (one-port: two) with the real server and renderer:
#   run.sh tls      the server with a certificate made for this run (https, wss)
#   run.sh turn     a coturn of the test's own; the page forced to relay through it
#   run.sh ice-tcp  every UDP packet dropped by nftables: WebRTC must still connect, over TCP
#   run.sh one-port only the HTTPS port left open (what a tunnel carries): WebSocket video;
#                   the browser in a namespace of its own, across a link (../netns2.sh)
#   run.sh webrtc-lost  WebRTC cut off mid-session by nftables: the page goes back to WebSocket video
# Env as ../run.sh: VTKSTREAM_BUILD_DIR; CI set = anything missing fails, else it skips (77).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
  tls | turn | ice-tcp | one-port | webrtc-lost) what=$1 ;;
  *) echo "usage: $0 tls|turn|ice-tcp|one-port|webrtc-lost" >&2; exit 2 ;;
esac

missing() {
  if [ -n "${CI:-}" ]; then echo "browser-$what: $1 (CI is set: failing)" >&2; exit 1; fi
  echo "browser-$what: SKIP: $1" >&2
  exit 77
}
command -v node >/dev/null || missing "node is not installed (Debian packages nodejs, npm)"
command -v npm >/dev/null || missing "npm is not installed"
[ -x /usr/bin/chromium ] || missing "/usr/bin/chromium is missing (Debian package chromium)"
case $what in
  tls) command -v openssl >/dev/null || missing "openssl is missing (Debian package openssl)" ;;
  turn) command -v turnserver >/dev/null || missing "turnserver is missing (Debian package coturn)" ;;
  ice-tcp | webrtc-lost) command -v nft >/dev/null || missing "nft is missing (Debian package nftables)" ;;
  one-port)
    command -v nft >/dev/null || missing "nft is missing (Debian package nftables)"
    command -v openssl >/dev/null || missing "openssl is missing (Debian package openssl)" ;;
esac
build=${VTKSTREAM_BUILD_DIR:-$here/../../../build}
[ -x "$build/apps/serve/vtkstream-serve" ] || missing "the server is not built ($build/apps/serve/vtkstream-serve)"
export VTKSTREAM_BUILD_DIR=$build

cd "$here/.."
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
if [ "$what" = one-port ]; then
  # Two namespaces, the server's and the browser's, joined by a link (netns2.sh, root only): the
  # server's side lets through nothing but its HTTPS port, as a one-port tunnel does.
  [ "$(id -u)" -eq 0 ] || missing "the one-port test needs root (ip netns: two namespaces)"
  exec "$here/../netns2.sh" "$here/inside.sh" "$what"
fi
exec "$here/../netns.sh" "$here/inside.sh" "$what"
