#!/usr/bin/env bash
# netns2.sh [--rate RATE] CMD [ARGS...]: a weak link between two hosts. Creates two network
# namespaces joined by a veth pair, the server's (198.51.100.1, device va) and the browser's
# (198.51.100.2, device vb), with a token-bucket rate limit (tc tbf) on each end when --rate is
# given (tc units: 1mbit, 500kbit, 250kbit), and runs CMD in the server's namespace with
#   VTKSTREAM_BIND=198.51.100.1            the address the server listens on
#   VTKSTREAM_BROWSER_NETNS=NAME           the browser's namespace (tests/browser/lib/browsers.mjs
#                                          starts the browsers in it through netns-exec.sh)
#   VTKSTREAM_NETNS_SERVER=NAME            for link-rate.sh, which changes the rate mid-run
# Both namespaces are removed at the end, also when CMD fails. Needs root (ip netns).
# sch_netem (delay, random loss) is missing on these kernels; tbf is what there is, and its queue
# (LINK_LATENCY, default 200ms) gives the delay a full link has.
#   LINK_BURST (default 16kb), LINK_LATENCY (default 200ms)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rate=""
if [ "${1:-}" = "--rate" ]; then rate=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [--rate RATE] CMD [ARGS...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "netns2: needs root (ip netns)" >&2; exit 77; }
command -v tc >/dev/null || { echo "netns2: 'tc' (Debian package iproute2) is missing" >&2; exit 1; }

a="vts$$a" b="vts$$b"
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 143' TERM INT
ip netns add "$a"
ip netns add "$b"
# Created inside A so no device ever appears in the caller's namespace.
ip -n "$a" link add va type veth peer name vb netns "$b"
# No IPv6 link-local addresses appearing after the links come up: Chromium fails the requests in
# flight with ERR_NETWORK_CHANGED when an address appears (see netns.sh).
ip -n "$a" link set va addrgenmode none
ip -n "$b" link set vb addrgenmode none
ip -n "$a" addr add 198.51.100.1/24 dev va
ip -n "$b" addr add 198.51.100.2/24 dev vb
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set va up
ip -n "$b" link set vb up
ip -n "$a" route add default dev va
ip -n "$b" route add default dev vb
export VTKSTREAM_NETNS_SERVER=$a VTKSTREAM_BROWSER_NETNS=$b VTKSTREAM_BIND=198.51.100.1
[ -z "$rate" ] || "$here/link-rate.sh" "$rate"
ip netns exec "$a" "$@"
