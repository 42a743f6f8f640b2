#!/usr/bin/env bash
# Records a running renderer to an MP4 file with x264 (zero-latency settings).
#   launch/record.sh [SHM_NAME] [OUT.mp4] [FRAMES]      (defaults: demo out.mp4 300)
# vtksrc repeats the last frame every 33 ms while the scene is still, so FRAMES is about
# FRAMES/30 seconds even when nobody interacts.
set -euo pipefail
name=${1:-demo}
out=${2:-out.mp4}
frames=${3:-300}
exec gst-launch-1.0 -e vtksrc shm-name="$name" num-buffers="$frames" repeat-interval=33 \
  ! videoconvert ! x264enc tune=zerolatency speed-preset=veryfast ! mp4mux ! filesink location="$out"
