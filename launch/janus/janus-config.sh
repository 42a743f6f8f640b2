#!/usr/bin/env bash
# janus-config.sh OUTDIR [OPTIONS]: writes a Janus configuration for vtkstream's audience into
# OUTDIR: janus.jcfg (only the streaming plugin and the HTTP transport are loaded),
# janus.transport.http.jcfg (the HTTP API on one address) and janus.plugin.streaming.jcfg (one RTP
# mountpoint per rung of vtkstreamsink's encoding ladder: rung N is mountpoint id 1+N on RTP port
# VIDEO+2N and RTCP port RTCP+2N, what vtkstreamsink's janus-video-port / janus-rtcp-port /
# janus-rungs feed). Run Janus with
#   janus --configs-folder OUTDIR --config OUTDIR/janus.jcfg
# Options (defaults in brackets):
#   --bind ADDR        HTTP API and RTP ports listen here [127.0.0.1]
#   --http-port P      HTTP API port [8088]; the API is http://ADDR:P/janus
#   --video-port P     rung 0's mountpoint's RTP port; rung N's is P+2N [5004]
#   --rtcp-port P      its RTCP port, for keyframe requests back to the sink; rung N's is P+2N [5005]
#   --rungs LIST       the rungs, as the sink's janus-rungs: all (0,1,2) or e.g. 0 or 0,2 [all]
#   --codec vp8|h264   what the sink encodes (its codec property) [vp8]
#   --rtp-range A-B    UDP ports Janus uses towards its viewers [20000-40000]
#   --nat-1-1 ADDR     public address to advertise in ICE (behind 1:1 NAT, e.g. a cloud VM) [none]
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,19p' "$0" >&2; exit 2; }
out=$1; shift
bind=127.0.0.1 http_port=8088 video_port=5004 rtcp_port=5005 codec=vp8 range=20000-40000 nat="" rungs=all
while [ $# -gt 0 ]; do
  case "$1" in
    --bind) bind=$2 ;;
    --http-port) http_port=$2 ;;
    --video-port) video_port=$2 ;;
    --rtcp-port) rtcp_port=$2 ;;
    --codec) codec=$2 ;;
    --rungs) rungs=$2 ;;
    --rtp-range) range=$2 ;;
    --nat-1-1) nat=$2 ;;
    *) echo "janus-config.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
case "$codec" in
  vp8) codec_lines='codec = "vp8"' ;;
  # What vtkstreamsink's x264 produces: constrained baseline, packetization-mode 1.
  h264) codec_lines='codec = "h264"
			fmtp = "profile-level-id=42e01f;packetization-mode=1"' ;;
  *) echo "janus-config.sh: --codec is vp8 or h264" >&2; exit 2 ;;
esac
# The sink's ladder (plugins/vtkstreamsink/adapt/rung_policy.cpp, default_ladder): full size, at
# most 360 lines, at most 240 lines.
sizes=("full size" "at most 360 lines" "at most 240 lines")
[ "$rungs" = all ] && rungs=0,1,2
IFS=, read -r -a rung_list <<<"$rungs"
for r in "${rung_list[@]}"; do
  case "$r" in 0|1|2) ;; *) echo "janus-config.sh: --rungs is all or rung numbers 0-2 separated by commas" >&2; exit 2 ;; esac
done
mkdir -p "$out"

# Everything Janus would load from its folders but we do not use is disabled by name: fewer
# threads, fewer open ports, nothing to secure that nobody needs.
cat >"$out/janus.jcfg" <<CFG
general: {
	configs_folder = "$out"
	debug_level = 4
	# Viewers only watch: no admin API, no tokens (access to the page is the access control).
	session_timeout = 60
}
media: {
	rtp_port_range = "$range"
}
nat: {
$( [ -n "$nat" ] && echo "	nat_1_1_mapping = \"$nat\"" )
	ice_ignore_list = "vmnet"
}
plugins: {
	disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_videoroom.so,libjanus_voicemail.so"
}
transports: {
	disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
}
events: {
	broadcast = false
	disable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_sampleevh.so,libjanus_wsevh.so"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
CFG

cat >"$out/janus.transport.http.jcfg" <<CFG
general: {
	json = "compact"
	base_path = "/janus"
	http = true
	port = $http_port
	ip = "$bind"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
cors: {
	# The viewer page is served from another origin (another port at least).
	allow_origin = "*"
}
CFG

# Every viewer reaches Janus's API (the viewer page talks to it), and the streaming plugin lets any
# API client create mountpoints (UDP ports on every interface; written to this file if
# "permanent") and destroy or edit one without a secret (every Janus viewer loses the stream).
# Random keys that nobody is told close both; the mountpoint is static, so nothing needs them.
key() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
touch "$out/janus.plugin.streaming.jcfg"
chmod 600 "$out/janus.plugin.streaming.jcfg"
{
cat <<CFG
general: {
	admin_key = "$(key)"
}
CFG
for r in "${rung_list[@]}"; do
cat <<CFG
vtkstream-rung$r: {
	type = "rtp"
	id = $((1 + r))
	description = "vtkstream rung $r (${sizes[$r]})"
	secret = "$(key)"
	media = (
		{
			type = "video"
			mid = "v"
			port = $((video_port + 2 * r))
			# Janus sends its viewers' keyframe requests (PLI) back through this port.
			rtcpport = $((rtcp_port + 2 * r))
			iface = "$bind"
			pt = 96
			$codec_lines
		}
	)
}
CFG
done
} >"$out/janus.plugin.streaming.jcfg"
