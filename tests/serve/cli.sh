#!/bin/sh
# programs-cli: the command-line conventions both programs share.
#   cli.sh VTKSTREAM_SERVE VTKSTREAM_RENDER VERSION
# --version prints "NAME VERSION" on stdout and exits 0; vtkstream-serve takes GStreamer's own
# options (--help-gst, --gst-debug=...) like any GStreamer program; an unknown option is a usage
# error (exit 2) with one line on stderr that names the program.
set -u
serve=$1 render=$2 version=$3
fail=0
errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT
err() { echo "programs-cli: $*" >&2; fail=1; }
expect() {  # expect STATUS STDOUT_PATTERN STDERR_PATTERN -- COMMAND...
  want=$1 out_re=$2 err_re=$3
  shift 4
  out=$("$@" 2>"$errfile")
  rc=$?
  errtext=$(cat "$errfile")
  [ "$rc" -eq "$want" ] || err "$*: exit status $rc, expected $want ($errtext)"
  [ -z "$out_re" ] || echo "$out" | grep -q -- "$out_re" || err "$*: stdout lacks '$out_re': $out"
  [ -z "$err_re" ] || echo "$errtext" | grep -q -- "$err_re" || err "$*: stderr lacks '$err_re': $errtext"
}
expect 0 "^vtkstream-serve $version\$" "" -- "$serve" --version
expect 0 "^vtkstream-render $version\$" "" -- "$render" --version
expect 0 "--gst-debug=" "" -- "$serve" --help-gst
expect 0 "--version" "" -- "$serve" --help
expect 0 "^vtkstream-serve $version\$" "" -- "$serve" --gst-debug=vtksrc:5 --gst-debug-no-color --version
expect 2 "" "^vtkstream-serve: Unknown option --bogus" -- "$serve" --bogus
expect 2 "" "^vtkstream-render: unknown option --bogus" -- "$render" --bogus
# --janus (docs/janus.md): documented in --help; a bad URL or port is a usage error naming the option.
expect 0 "--janus=URL" "" -- "$serve" --help
expect 2 "" "^vtkstream-serve: --janus: 'http://localhost:8088/janus' is not an http(s) URL with a numeric host" -- \
  "$serve" --janus http://localhost:8088/janus
expect 2 "" "^vtkstream-serve: --janus-rtcp-port: must differ from --janus-video-port" -- \
  "$serve" --janus http://127.0.0.1:8088/janus --janus-video-port 6000 --janus-rtcp-port 6000
expect 2 "" "^vtkstream-serve: --janus-video-port and --janus-rtcp-port are UDP ports" -- \
  "$serve" --janus http://127.0.0.1:8088/janus --janus-video-port 70000
# Ports without --janus were ignored: the server ran without the audience asked for.
expect 2 "" "^vtkstream-serve: --janus-video-port, --janus-rtcp-port and --janus-rungs need --janus" -- \
  timeout 10 "$serve" --no-renderer --janus-video-port 6000
expect 2 "" "^vtkstream-serve: --janus-video-port, --janus-rtcp-port and --janus-rungs need --janus" -- \
  timeout 10 "$serve" --no-renderer --janus-rungs 0
# --janus-rungs: listed in --help; a rung the ladder lacks, or rung ports that collide, are usage errors.
expect 0 "--janus-rungs=LIST" "" -- "$serve" --help
expect 2 "" "^vtkstream-serve: --janus-rungs: '0,3' is not 'all' or distinct rung numbers 0-2" -- \
  "$serve" --janus http://127.0.0.1:8088/janus --janus-rungs 0,3
# "0 2" read as the one rung "02" (2): only the smallest picture went to Janus, silently.
expect 2 "" "^vtkstream-serve: --janus-rungs: '0 2' is not 'all' or distinct rung numbers 0-2" -- \
  "$serve" --janus http://127.0.0.1:8088/janus --janus-rungs "0 2"
expect 2 "" "^vtkstream-serve: --janus-rtcp-port: port 6002 would serve two rungs' mountpoints" -- \
  "$serve" --janus http://127.0.0.1:8088/janus --janus-video-port 6000 --janus-rtcp-port 6002
expect 2 "" "^vtkstream-serve: --janus-video-port: rung 2's mountpoint would need port 65536" -- \
  "$serve" --janus http://127.0.0.1:8088/janus --janus-video-port 65532 --janus-rtcp-port 65533
# A URL with credentials: refused without repeating them.
expect 2 "" "^vtkstream-serve: --janus: the URL has credentials in it" -- \
  "$serve" --janus http://admin:s3cret@127.0.0.1:8088/janus
[ "$fail" -eq 0 ] && echo "programs-cli: ok"
exit "$fail"
