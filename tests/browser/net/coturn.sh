#!/usr/bin/env bash
# coturn.sh ADDR CMD [ARGS...]: runs CMD next to a TURN server of its own (Debian coturn's
# turnserver), listening on ADDR:3478 (UDP and TCP) only, with a user and password made fresh for
# this run and a database in a temporary directory. Meant for the inside of a test network
# namespace (netns.sh), where ADDR exists and nothing else can reach it. CMD gets
#   VTKSTREAM_TURN_URL  turn://USER:PASS@ADDR:3478 (what vtkstream-serve --turn takes)
#   VTKSTREAM_TURN_LOG  coturn's log, for assertions about what it relayed
# and coturn (only the one started here) is stopped when CMD ends, whatever its outcome.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ADDR CMD [ARGS...]" >&2; exit 2; }
addr=$1
shift
command -v turnserver >/dev/null || { echo "coturn.sh: turnserver is missing (Debian package coturn)" >&2; exit 1; }

tmp=$(mktemp -d)
turn=""
drain=""
cleanup() {
  status=$?
  if [ -n "$turn" ] && kill -0 "$turn" 2>/dev/null; then
    kill -TERM "$turn" 2>/dev/null || true
    timeout 5 tail --pid="$turn" -f /dev/null 2>/dev/null || kill -KILL "$turn" 2>/dev/null || true
    wait "$turn" 2>/dev/null || true
  fi
  [ -n "$drain" ] && { kill "$drain" 2>/dev/null || true; wait "$drain" 2>/dev/null || true; }
  if [ "$status" -ne 0 ]; then
    echo "---- coturn log (last 30 lines) ----" >&2
    tail -n 30 "$tmp/turn.log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
user=u$(hex 6)
pass=$(hex 16)
# The smallest long-term-credential TURN server: no TLS/DTLS listeners, no admin CLI, no
# multicast peers, nothing written outside $tmp.
cat >"$tmp/turnserver.conf" <<CONF
listening-ip=$addr
relay-ip=$addr
listening-port=3478
min-port=49152
max-port=49252
realm=vtkstream.test
lt-cred-mech
user=$user:$pass
fingerprint
no-tls
no-dtls
no-cli
no-multicast-peers
no-rfc5780
no-stun-backward-compatibility
userdb=$tmp/turndb
pidfile=$tmp/turnserver.pid
log-file=stdout
simple-log
CONF

mkfifo "$tmp/out"
turnserver -c "$tmp/turnserver.conf" --verbose >"$tmp/out" 2>&1 &
turn=$!
exec {out}<"$tmp/out"
# Its own words say when it listens ("UDP listener opened on: ADDR:3478"): no fixed sleep.
deadline=$((SECONDS + 20))
until false; do
  left=$((deadline - SECONDS))
  if [ "$left" -le 0 ] || ! IFS= read -r -t "$left" -u "$out" line; then
    echo "coturn.sh: turnserver did not start listening on $addr:3478 within 20 s" >&2
    exit 1
  fi
  printf '%s\n' "$line" >>"$tmp/turn.log"
  [[ $line == *"UDP listener opened on"* ]] && break
done
cat <&"$out" >>"$tmp/turn.log" &
drain=$!
exec {out}<&-

export VTKSTREAM_TURN_URL="turn://$user:$pass@$addr:3478" VTKSTREAM_TURN_LOG="$tmp/turn.log"
"$@"
