#!/usr/bin/env bash
# bench/browser/compare.sh BUILD_A BUILD_B [RUNS] [latency.mjs options]: the browser benchmark
# (run.sh) against two builds, alternating A, B, A, B... in one session so that both see the same
# machine load, then the medians of each and the ratios B/A. Used to check that a change (e.g.
# the web side moving into vtkstreamsink) made nothing worse: BUILD_A is the old build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD_A BUILD_B [RUNS] [latency.mjs options]" >&2; exit 2; }
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); shift 2
runs=3
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$runs"); do
  for side in a b; do
    dir=$a; [ "$side" = b ] && dir=$b
    VTKSTREAM_BUILD_DIR=$dir "$here/run.sh" "$@" 2>/dev/null | grep '^JSON ' | sed 's/^JSON //' >>"$out/$side.jsonl" ||
      echo "compare: run $i of $side failed" >&2
  done
done
node - "$out/a.jsonl" "$out/b.jsonl" <<'JS'
const fs = require('node:fs');
const load = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const [A, B] = [load(process.argv[2]), load(process.argv[3])];
const med = (a) => { const s = a.filter((x) => x != null).sort((x, y) => x - y); return s.length ? s[(s.length - 1) >> 1] : null; };
const rows = [
  ['fps dragging', (r) => r.drag.fps], ['kbit/s dragging', (r) => r.drag.kbps], ['kbit/s idle', (r) => r.idle.kbps],
  ['input-to-photon p50 ms', (r) => r.inputToPhoton.p50], ['input-to-photon p95 ms', (r) => r.inputToPhoton.p95],
];
console.log(`runs: A ${A.length}, B ${B.length} (${A[0]?.browser ?? '?'} ${A[0]?.size ?? ''})`);
for (const [name, f] of rows) {
  const a = med(A.map(f)), b = med(B.map(f));
  console.log(`${name.padEnd(24)} A ${a?.toFixed(1).padStart(7)}  B ${b?.toFixed(1).padStart(7)}  B/A ${(a && b) ? (b / a).toFixed(2) : 'n/a'}`);
}
JS
