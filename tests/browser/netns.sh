#!/usr/bin/env bash
# netns.sh CMD [ARGS...]: runs CMD inside a private network namespace, the recipe found to work
# for real browsers: loopback plus one veth pair and a default route, so libnice and Firefox each gather a host candidate (they skip loopback, and
# Firefox gathers nothing without a default route), while no packet can leave the namespace.
# 198.51.100.0/24 is a documentation range that exists only in there.
# Needs root (unshare -n); without root it tries a user namespace (unshare -rn), which works
# where unprivileged user namespaces are enabled.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
command -v ip >/dev/null || { echo "netns: 'ip' (Debian package iproute2) is missing" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then flags=(-n); else flags=(-r -n); fi
# "$0"/"$@" are passed as positional parameters, not spliced into the script text.
exec unshare "${flags[@]}" sh -c '
  set -e
  ip link set lo up
  ip link add vt0 type veth peer name vt1
  # No IPv6 link-local addresses: the kernel adds them a moment after the link comes up (after
  # duplicate address detection), and Chromium fails every request in flight then with
  # ERR_NETWORK_CHANGED; a test whose browser started quickly lost its page that way.
  ip link set vt0 addrgenmode none
  ip link set vt1 addrgenmode none
  ip addr add 198.51.100.1/24 dev vt0
  ip link set vt0 up
  ip link set vt1 up
  ip route add default dev vt0
  exec "$@"' netns "$@"
