#!/bin/sh
# systemd-verify: checks the unit generated from launch/systemd/vtkstream@.service.in.
#   verify_unit.sh UNIT_TEMPLATE SERVER_BINARY [GPU_DROP_IN [INTERNET_DROP_IN]]
# 1. `systemd-analyze verify` on an instance of the template (vtkstream@test.service) whose
#    ExecStart points at the built server (verify insists that the binary exists), alone and
#    with each drop-in (launch/systemd/gpu.conf, internet.conf). Any warning about our unit (an
#    unknown or misspelt key, a bad value) fails the test, not only errors.
#    `systemd-analyze security --offline` must rate it 1.0 or better (docs/security.md).
# 2. Every hardening line is still there, and MemoryDenyWriteExecute=yes is not (llvmpipe's JIT).
# 3. Every flag ExecStart passes is one the server knows (its --help), so a renamed flag cannot
#    leave the unit starting a server that exits with a usage error.
# systemd-analyze runs without systemd as PID 1 (containers, CI). If it is missing the test
# fails: `systemd` is in scripts/packages.txt.
set -u
unit=$1
server=$(readlink -f "$2")
dropin=${3:-}
internet=${4:-}
fail=0
err() { echo "systemd-verify: $*" >&2; fail=1; }

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-verify: systemd-analyze not found; install the Debian package 'systemd' (make deps)" >&2
  exit 1
fi
[ -x "$server" ] || { echo "systemd-verify: server binary $server missing" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#^ExecStart=[^ ]*/vtkstream-serve #ExecStart=$server #" "$unit" > "$tmp/vtkstream@.service"
cp "$tmp/vtkstream@.service" "$tmp/vtkstream@test.service"
grep -q "^ExecStart=$server " "$tmp/vtkstream@test.service" || err "ExecStart does not start BINDIR/vtkstream-serve"

verify() {
  # --recursive-errors=no: judge our unit, not whatever the host's own units look like.
  out=$(systemd-analyze verify --man=no --recursive-errors=no "$tmp/vtkstream@test.service" 2>&1)
  rc=$?
  [ -n "$out" ] && echo "$out"
  [ "$rc" -eq 0 ] || err "systemd-analyze verify exited $rc ($1)"
  if echo "$out" | grep -q "vtkstream@\|gpu.conf"; then err "systemd-analyze verify complained ($1)"; fi
}
verify "the unit"
if [ -n "$dropin" ]; then
  mkdir "$tmp/vtkstream@test.service.d"
  cp "$dropin" "$tmp/vtkstream@test.service.d/gpu.conf"
  verify "with the GPU drop-in"
  grep -qx 'DeviceAllow=char-drm rw' "$dropin" || err "gpu.conf: DeviceAllow=char-drm rw missing"
  grep -qx 'DevicePolicy=closed' "$dropin" || err "gpu.conf: DevicePolicy=closed missing"
fi
if [ -n "$internet" ]; then
  rm -rf "$tmp/vtkstream@test.service.d"
  mkdir "$tmp/vtkstream@test.service.d"
  cp "$internet" "$tmp/vtkstream@test.service.d/internet.conf"
  verify "with the internet drop-in"
  grep -qx 'IPAddressDeny=' "$internet" || err "internet.conf: IPAddressDeny= (empty) missing"
fi
rm -rf "$tmp/vtkstream@test.service.d"

# The exposure score (0 best, 10 worst) of the unit alone, as docs/security.md records it.
score=$(systemd-analyze security --offline=yes --no-pager "$tmp/vtkstream@test.service" 2>&1 |
        sed -n 's/.*Overall exposure level for vtkstream@test.service: \([0-9.]*\).*/\1/p')
echo "systemd-verify: systemd-analyze security: $score"
if [ -z "$score" ]; then
  err "systemd-analyze security --offline gave no score"
elif ! awk -v s="$score" 'BEGIN { exit !(s <= 1.0) }'; then
  err "exposure $score is worse than the 1.0 docs/security.md records"
fi

for line in \
  'DynamicUser=yes' 'NoNewPrivileges=yes' 'CapabilityBoundingSet=' 'AmbientCapabilities=' \
  'RestrictSUIDSGID=yes' 'UMask=0077' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
  'PrivateDevices=yes' 'TemporaryFileSystem=/dev/shm:mode=1777,nosuid,nodev' \
  'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' \
  'ProtectControlGroups=yes' 'ProtectClock=yes' 'ProtectHostname=yes' 'ProtectProc=invisible' \
  'RestrictNamespaces=yes' 'LockPersonality=yes' 'RestrictRealtime=yes' \
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' \
  'SystemCallFilter=@system-service' 'SystemCallArchitectures=native' \
  'SystemCallFilter=~@privileged @resources' 'PrivateUsers=yes' 'PrivateMounts=yes' \
  'ProcSubset=pid' 'IPAddressDeny=any' 'Type=notify' 'NotifyAccess=main' \
  'Restart=on-failure' 'LoadCredential=token:/etc/vtkstream/%i.token' \
  'EnvironmentFile=-/etc/vtkstream/%i.conf'; do
  grep -qxF "$line" "$unit" || err "hardening line missing: $line"
done
grep -q '^RestartSec=' "$unit" || err "RestartSec= missing"
grep -q '^WatchdogSec=[1-9]' "$unit" || err "WatchdogSec= missing (vtkstream-serve pings the watchdog)"
grep -q '^Documentation=file:///' "$unit" || err "Documentation= is not a file:// URL of the installed docs"
grep -q '^ExecStart=.*--token-file \${CREDENTIALS_DIRECTORY}/token' "$unit" ||
  err "ExecStart does not read the token credential"
grep -q '^ExecStart=.*--shm vtkstream-%i' "$unit" || err "ExecStart does not name the ring after the instance"
if grep -q '^MemoryDenyWriteExecute=yes' "$unit"; then
  err "MemoryDenyWriteExecute=yes breaks Mesa llvmpipe's JIT (and ORC); see the comment in the unit"
fi

help=$("$server" --help 2>&1)
for flag in $(sed -n 's/^ExecStart=//p' "$unit" | tr ' ' '\n' | grep '^--' | sort -u); do
  echo "$help" | grep -q -- "$flag[ =]" || err "ExecStart passes $flag, which '$server --help' does not list"
done

[ "$fail" -eq 0 ] && echo "systemd-verify: ok"
exit "$fail"
