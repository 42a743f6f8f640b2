#!/usr/bin/env bash
# bench/browser/module-fetch.sh: what the server takes to hand out the page's modules, over plain
# http and over https (a certificate made for the run): curl fetches every module index.html
# preloads, twice (after the page itself, for its cookie), against a fresh server in
# tests/browser/netns.sh's namespace, and prints the median and largest time per request in ms.
# The server answers every request with `Connection: close` (http/connection_guard.h), so each
# request is a new TCP connection, and over https a new TLS handshake. The server hands out the
# sources (--web web/), module by module: what the page costs without the build's bundle
# (scripts/bundle_web.py). Root only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../tests/browser"
if [ "${1:-}" = --inside ]; then
  base=${VTKSTREAM_URL%%\?*}; base=${base%/}
  args=()
  for m in $(grep -o 'modulepreload" href="[^"]*' "$here/../../web/index.html" | sed 's/.*href="//'); do
    args+=(-o /dev/null "$base/$m")
  done
  # The page URL (with its token) first: its session cookie lets the module requests through
  # (without it every one is a 401 that closes the connection); its own time is left out.
  jar=$(mktemp)
  for _ in 1 2; do curl -sk -c "$jar" -b "$jar" -w '%{http_code} %{time_total}\n' -o /dev/null "$VTKSTREAM_URL" "${args[@]}" | tail -n +2; done |
    awk '$1 != 200 {print "not 200: " $0 > "/dev/stderr"; exit 1} {print $2}' | sort -n | awk '{a[NR] = $1 * 1000} END {printf "%d requests: median %.1f ms, max %.1f ms\n", NR, a[int((NR + 1) / 2)], a[NR]}'
  rm -f "$jar"
  exit 0
fi
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
"$here/../../tests/common/make_test_cert.sh" "$certs" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
export VTKSTREAM_SERVE_ARGS="--web $here/../../web"
printf 'http:  '; "$tests/netns.sh" "$tests/with-server.sh" "$0" --inside | grep -v '^with-server:'
printf 'https: '; VTKSTREAM_SERVE_ARGS="$VTKSTREAM_SERVE_ARGS --tls-cert $certs/server.pem --tls-key $certs/server.key" \
  "$tests/netns.sh" "$tests/with-server.sh" "$0" --inside | grep -v '^with-server:'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
