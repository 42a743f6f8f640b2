#!/usr/bin/env bash
# The audience benchmark (docs/performance.md, "Audience: direct and through Janus"): how many
# receive-only viewers one machine holds at the source's frame rate, directly (each a webrtcbin
# in vtkstreamsink, through WHEP) and through a Janus on the same machine fed by the sink's RTP
# forwarding; CPU of the sink, of Janus and of the load generator; and the extra latency of the
# Janus path. Runs itself inside a private network namespace (tests/browser/netns.sh).
#   bench/audience/run.sh [BUILD_DIR]
# Env: DIRECT_STEPS [1,2,4,8,12,16,24], JANUS_STEPS [1,2,4,8,16,32,48] (none: skip that part),
#      JANUS_LOW_STEPS [none]: viewers through Janus on rung 2 (at most 240 lines, mountpoint 3),
#      JANUS_RUNGS: the rungs fed to Janus [0; 0,2 when JANUS_LOW_STEPS is given] (every rung fed
#      is encoded for the whole run, so the sink's CPU includes it),
#      LATENCY [1] (0: skip the latency pair), WINDOW [8] seconds,
#      SIZE [1280x720], FPS [30], BITRATE [1200] kbit/s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
build=$(cd "${1:-$root/build}" && pwd)
if [ -z "${VTKSTREAM_IN_NETNS:-}" ]; then
  VTKSTREAM_IN_NETNS=1 exec "$root/tests/browser/netns.sh" "$0" "$build"
fi
command -v janus >/dev/null || { echo "audience bench: janus is not installed" >&2; exit 1; }
export GST_PLUGIN_PATH="$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
size=${SIZE:-1280x720} fps=${FPS:-30} bitrate=${BITRATE:-1200}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

low_steps=${JANUS_LOW_STEPS:-none}
rungs=${JANUS_RUNGS:-}
if [ -z "$rungs" ]; then
  if [ "$low_steps" = none ]; then rungs=0; else rungs=0,2; fi
fi
"$root/launch/janus/janus-config.sh" "$tmp/janus" --rungs "$rungs"
janus --configs-folder "$tmp/janus" --config "$tmp/janus/janus.jcfg" --disable-colors >"$tmp/janus.log" 2>&1 &
janus_pid=$!
pids+=($janus_pid)

token=benchbenchbenchbench01
# A moving picture at a steady rate: what the renderer sends while someone drags. Fixed bitrate,
# so every step sends the same stream.
gst-launch-1.0 -m videotestsrc is-live=true pattern=ball \
  ! "video/x-raw,width=${size%x*},height=${size#*x},framerate=$fps/1" \
  ! vtkstreamsink port=8000 token=$token max-peers=100 owner-slots=1 adaptive-bitrate=false bitrate="$bitrate" \
    janus-url=http://127.0.0.1:8088/janus janus-video-port=5004 janus-rtcp-port=5005 janus-rungs="$rungs" \
    >"$tmp/sink.log" 2>&1 &
sink_pid=$!
pids+=($sink_pid)
# Both announce themselves in their logs; wait for those lines (bounded), not for a fixed time.
timeout 30 grep -q "HTTP webserver started" <(tail -f "$tmp/janus.log") || { cat "$tmp/janus.log"; exit 1; }
timeout 30 grep -q "janus: up" <(tail -f "$tmp/sink.log") || { cat "$tmp/sink.log"; exit 1; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# source: videotestsrc ${size}@${fps} VP8 ${bitrate} kbit/s; rungs fed to Janus: $rungs; sink pid $sink_pid, janus pid $janus_pid"
lg=(/usr/bin/python3 "$here/loadgen.py" --window "${WINDOW:-8}")
[ "${LATENCY:-1}" = 0 ] || "${lg[@]}" --mode latency --url http://127.0.0.1:8000/ --token $token --janus http://127.0.0.1:8088/janus
[ "${DIRECT_STEPS:-}" = none ] || "${lg[@]}" --mode direct --url http://127.0.0.1:8000/ --token $token --steps "${DIRECT_STEPS:-1,2,4,8,12,16,24}" \
  --pids "$sink_pid,$janus_pid"
[ "${JANUS_STEPS:-}" = none ] || "${lg[@]}" --mode janus --janus http://127.0.0.1:8088/janus --steps "${JANUS_STEPS:-1,2,4,8,16,32,48}" \
  --pids "$sink_pid,$janus_pid"
[ "$low_steps" = none ] || "${lg[@]}" --mode janus --mount 3 --janus http://127.0.0.1:8088/janus --steps "$low_steps" \
  --pids "$sink_pid,$janus_pid"
