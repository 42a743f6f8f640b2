#!/usr/bin/env bash
# janus/run.sh: the Janus test (janus.test.mjs), meant to run inside netns.sh. Picks free ports
# for Janus's HTTP API and its mountpoint's RTP and RTCP, starts the real server with --janus
# pointing at two Janus (127.0.0.1 and 127.0.0.2, with-server.sh), and runs the test, which
# starts and stops Janus itself.
# Without the janus package it skips (exit 77), or fails when CI is set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v janus >/dev/null; then
  if [ -n "${CI:-}" ]; then echo "janus test: janus is not installed (CI is set: failing)" >&2; exit 1; fi
  echo "janus test: SKIP: janus is not installed (Debian package janus; scripts/packages.txt)" >&2
  exit 77
fi
# One TCP port and the mountpoints' UDP ports (rung N: video + 2N, RTCP + 2N, three rungs: six in a
# row) that nobody holds now (the namespace is ours, so nobody takes them later).
read -r http video rtcp < <(python3 -c '
import socket
def free(kind, port=0):
    s = socket.socket(socket.AF_INET, kind)
    try: s.bind(("127.0.0.1", port)); return s
    except OSError: s.close(); return None
def row(base):
    got = [free(socket.SOCK_DGRAM, base + i) for i in range(6)]
    for s in got:
        if s: s.close()
    return all(got)
t = free(socket.SOCK_STREAM); http = t.getsockname()[1]; t.close()
v = 10000  # below the viewer-side range of janus-config.sh (20000-40000) and the ephemeral ports
while not row(v): v += 6
print(http, v, v + 1)')
export VTKSTREAM_JANUS_HTTP_PORT=$http VTKSTREAM_JANUS_VIDEO_PORT=$video VTKSTREAM_JANUS_RTCP_PORT=$rtcp
# Janus binds its API only to an address an interface holds: give loopback a second one (this
# namespace is the test's own).
ip addr add 127.0.0.2/8 dev lo
# Two Janus targets on two loopback addresses (same ports): the test starts the second one later.
export VTKSTREAM_SERVE_ARGS="${VTKSTREAM_SERVE_ARGS:-} --janus http://127.0.0.1:$http/janus,http://127.0.0.2:$http/janus --janus-video-port $video --janus-rtcp-port $rtcp"
exec "$here/../with-server.sh" node --test --test-reporter=spec "$here/janus.test.mjs"
