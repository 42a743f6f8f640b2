#!/bin/sh
# Runs a test inside a private network namespace holding only loopback and a veth pair with a
# documentation-range address and a default route (the recipe tests/browser/netns.sh explains), so
# that ICE finds a usable host candidate and no packet can leave the test. Without the rights
# to create one, runs the test as is.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null &&
   unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && ip link add vt0 type veth peer name vt1 &&
    ip addr add 198.51.100.1/24 dev vt0 && ip link set vt0 up && ip link set vt1 up &&
    ip route add default dev vt0 && exec "$@"' sh "$@"
fi
exec "$@"
