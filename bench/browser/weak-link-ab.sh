#!/usr/bin/env bash
# bench/browser/weak-link-ab.sh BUILD_A BUILD_B [ROUNDS] [LINK...]: the weak-link benchmark
# (weak-link.sh) against two builds, alternating A, B, A, B... per link and browser in one session
# so that both see the same machine load; then per link and browser the medians of each side and
# the ratios B/A: drag-to-photon p50/p95, the server's input->echo p50, fps dragging, kbit/s idle.
# ROUNDS defaults to 2, LINK to "unconstrained"; WEAK_LINK_BROWSERS as in weak-link.sh. Root only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD_A BUILD_B [ROUNDS] [LINK...]" >&2; exit 2; }
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); shift 2
rounds=2
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
[ $# -gt 0 ] || set -- unconstrained
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "start: $(uptime)"
for i in $(seq 1 "$rounds"); do
  for link in "$@"; do
    for side in a b; do
      dir=$a; [ "$side" = b ] && dir=$b
      VTKSTREAM_BUILD_DIR=$dir "$here/weak-link.sh" "$link" | tee -a "$out/log" | grep '^JSON ' | sed 's/^JSON //' \
        >>"$out/$side.jsonl" || echo "weak-link-ab: round $i, $link, $side failed" >&2
    done
  done
done
echo "end: $(uptime)"
node - "$out/a.jsonl" "$out/b.jsonl" <<'JS'
const fs = require('node:fs');
const load = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const [A, B] = [load(process.argv[2]), load(process.argv[3])];
const med = (a) => { const s = a.filter((x) => x != null).sort((x, y) => x - y); return s.length ? s[(s.length - 1) >> 1] : null; };
const f = (v, d = 0) => (v == null ? 'n/a' : v.toFixed(d));
const keys = [...new Set([...A, ...B].map((r) => `${r.link} ${r.browser}`))];
const cols = [['p50', 'p50'], ['p95', 'p95'], ['echoP50', 'echo p50'], ['dragFps', 'fps'], ['idleKbps', 'idle kbit/s']];
console.log('| link | browser | runs A/B | ' + cols.map(([, n]) => `${n} A / B (B/A)`).join(' | ') + ' |');
console.log('|---|---|---|' + cols.map(() => '---|').join(''));
for (const k of keys) {
  const [link, browser] = k.split(' ');
  const a = A.filter((r) => `${r.link} ${r.browser}` === k), b = B.filter((r) => `${r.link} ${r.browser}` === k);
  const cells = cols.map(([c]) => {
    const ma = med(a.map((r) => r[c])), mb = med(b.map((r) => r[c]));
    const d = c === 'dragFps' || c === 'idleKbps' ? 1 : 0;
    return `${f(ma, d)} / ${f(mb, d)} (x${ma && mb != null ? (mb / ma).toFixed(2) : 'n/a'})`;
  });
  console.log(`| ${link} | ${browser} | ${a.length}/${b.length} | ${cells.join(' | ')} |`);
}
JS
