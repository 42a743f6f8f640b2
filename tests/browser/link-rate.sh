#!/usr/bin/env bash
# link-rate.sh RATE|off: sets (or removes) the tbf rate limit on both ends of netns2.sh's link.
# Runs anywhere netns2.sh's environment is (VTKSTREAM_NETNS_SERVER, VTKSTREAM_BROWSER_NETNS).
set -euo pipefail
rate=${1:?usage: link-rate.sh RATE|off}
for pair in "$VTKSTREAM_NETNS_SERVER va" "$VTKSTREAM_BROWSER_NETNS vb"; do
  set -- $pair
  if [ "$rate" = off ]; then
    ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null || true
  else
    ip netns exec "$1" tc qdisc replace dev "$2" root tbf rate "$rate" burst "${LINK_BURST:-16kb}" \
      latency "${LINK_LATENCY:-200ms}"
  fi
done
