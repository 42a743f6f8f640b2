// The report of bench/session/run.sh: for each start, each session's server-side set-up time
// (the viewer's WebSocket joined -> WebRTC connected, from the sink's GST_DEBUG timestamps) and
// page time (navigation -> first presented frame); then the medians of the first sessions and of
// the later ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, starts] = process.argv.slice(2);
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const seconds = (line) => { const [h, m, s] = line.split(' ')[0].split(':').map(Number); return (h * 3600 + m * 60 + s); };
const first = { server: [], page: [] }, later = { server: [], page: [] };
for (let i = 1; i <= Number(starts); ++i) {
  const log = readFileSync(join(dir, `sink-${i}.log`), 'utf8').split('\n');
  const joined = {}, connected = {};
  for (const l of log) {
    let m = l.match(/peer (\d+): connected \(/);
    if (m) joined[m[1]] = seconds(l);
    m = l.match(/peer (\d+) connected$/);
    if (m) connected[m[1]] = seconds(l);
  }
  const pages = readFileSync(join(dir, `page-${i}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const server = Object.keys(connected).sort((a, b) => a - b).map((p) => Math.round((connected[p] - joined[p]) * 1000));
  console.log(`start ${i}: server ms ${server.join(' ')}; page ms ${pages.map((p) => p.page_to_first_frame_ms).join(' ')}`);
  server.forEach((v, k) => (k === 0 ? first : later).server.push(v));
  pages.forEach((p, k) => (k === 0 ? first : later).page.push(p.page_to_first_frame_ms));
}
console.log(`median first session: server ${median(first.server)} ms, page ${median(first.page)} ms (${first.server.length} starts)`);
console.log(`median later sessions: server ${median(later.server)} ms, page ${median(later.page)} ms (${later.server.length} sessions)`);
