#!/usr/bin/env bash
# bench/encode/rung-cost.sh: what each candidate rung of the ladder (adapt/rung_policy.h) costs in
# CPU: 300 frames of 1280x720 input scaled (videoscale) to the rung's size and encoded with the
# sink's VP8 settings (media/encoder_factory.cpp), minus the same source alone. Prints user+system
# CPU seconds per run and the load average; per frame = (run - source) / 300.
set -euo pipefail
src="videotestsrc num-buffers=300 pattern=ball ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1"
enc="vp8enc deadline=1 cpu-used=8 end-usage=cbr lag-in-frames=0 error-resilient=partitions keyframe-max-dist=3000 threads=1"
cpu() { { /usr/bin/time -f "%U %S" gst-launch-1.0 -q "$@" ; } 2>&1 | tail -1 | awk '{print $1 + $2}'; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
base=$(cpu $src ! fakesink)
echo "source alone: ${base} s"
for s in 1280x720:2500 960x540:1200 640x360:600 426x240:250; do
  sz=${s%:*} br=${s#*:}
  w=${sz%x*} h=${sz#*x}
  if [ "$sz" = 1280x720 ]; then run=$(cpu $src ! $enc target-bitrate=${br}000 ! fakesink)
  else run=$(cpu $src ! videoscale ! video/x-raw,width=$w,height=$h ! $enc target-bitrate=${br}000 ! fakesink); fi
  awk -v sz="$sz" -v br="$br" -v run="$run" -v base="$base" \
    'BEGIN { printf "%-9s %5d kbit/s: %.2f s, %.1f ms per frame\n", sz, br, run, (run - base) * 1000 / 300 }'
done
