#!/usr/bin/env bash
# inside.sh tls|turn|ice-tcp|one-port|webrtc-lost: the part of run.sh that runs inside the test's network namespace
# (198.51.100.1 on a veth, see ../netns.sh): sets up what the case needs, then starts the server
# (../with-server.sh) and the case's node tests against it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
what=$1
tests=(node --test --test-reporter=spec "$here/$what.test.mjs")
case $what in
  tls)
    # The page must come from an address that is not loopback: a page from 127.0.0.1 counts as
    # a secure context even over plain HTTP, and would prove nothing.
    certs=$(mktemp -d)
    trap 'rm -rf "$certs"' EXIT
    "$here/../../common/make_test_cert.sh" "$certs"
    export VTKSTREAM_TLS_SPKI
    VTKSTREAM_TLS_SPKI=$(cat "$certs/server.spki")
    VTKSTREAM_SERVE_ARGS="--bind 198.51.100.1 --tls-cert $certs/server.pem --tls-key $certs/server.key" \
      "$here/../with-server.sh" "${tests[@]}"
    ;;
  turn)
    # The server announces the TURN server to webrtcbin and to the page (--turn).
    exec "$here/coturn.sh" 198.51.100.1 bash -c \
      'VTKSTREAM_SERVE_ARGS="--turn $VTKSTREAM_TURN_URL" exec "$@"' turn "$here/../with-server.sh" "${tests[@]}"
    ;;
  ice-tcp)
    # What a network without UDP does (a firewall, a one-port tunnel): every UDP datagram leaving
    # any socket in this namespace is dropped and counted.
    nft -f - <<'NFT'
table inet vtkstream_test {
  chain out {
    type filter hook output priority 0; policy accept;
    meta l4proto udp counter drop
  }
}
NFT
    exec "$here/../with-server.sh" "${tests[@]}"
    ;;
  webrtc-lost)
    # The server on loopback (the page is a secure context there, so it has WebCodecs); the test
    # itself closes every port but the HTTP one in the middle of the session.
    exec "$here/../with-server.sh" "${tests[@]}"
    ;;
  one-port)
    # What a one-port tunnel leaves: here we are in the server's namespace (netns2.sh; the browser
    # is in the other, across the link), and only TCP to and from the server's HTTPS port (8000,
    # with-server.sh's default) passes its side of the link, both ways; every other TCP port
    # (ICE-TCP's) and all UDP are dropped and counted. Loopback stays open for the test's own
    # browser automation (Firefox is driven through a bridge on it, netns-firefox.mjs). The
    # server speaks TLS with a certificate made for this run, on the link's address, so the page
    # is a secure context (WebCodecs) only thanks to https, as for a LAN user.
    certs=$(mktemp -d)
    trap 'rm -rf "$certs"' EXIT
    "$here/../../common/make_test_cert.sh" "$certs"
    export VTKSTREAM_TLS_SPKI VTKSTREAM_SERVE_ARGS
    VTKSTREAM_TLS_SPKI=$(cat "$certs/server.spki")
    VTKSTREAM_SERVE_ARGS="--bind 198.51.100.1 --tls-cert $certs/server.pem --tls-key $certs/server.key"
    nft -f - <<'NFT'
table inet vtkstream_test {
  chain in {
    type filter hook input priority 0; policy accept;
    tcp dport 8000 accept
    iif lo accept
    meta l4proto udp counter drop
    meta l4proto tcp counter drop
  }
  chain out {
    type filter hook output priority 0; policy accept;
    tcp sport 8000 accept
    oif lo accept
    meta l4proto udp counter drop
    meta l4proto tcp counter drop
  }
}
NFT
    "$here/../with-server.sh" "${tests[@]}"
    ;;
esac
