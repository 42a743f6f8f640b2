// The soak's numbers from its samples: a table, first/last/max, and least-squares fits. Used by
// soak.mjs at the end of a run, and on its own to re-read a run's CSV:
//   node bench/soak/report.mjs soak.csv [warm-up seconds, default 120]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { linearFit } from './fit.mjs';

const f0 = (v) => v.toFixed(0);
const f1 = (v) => v.toFixed(1);

/**
 * Prints the report for `samples` ({ t, fds, rssKb, sessions, http, phase, pi }; the last one
 * taken after the loads stopped and the server freed every viewer).
 */
export function report(samples, warmupS) {
  console.log('\n     t/s   fds   RSS/KiB  sessions  requests  phase');
  samples.forEach((s, i) => {
    if (i % 6 === 0 || i === samples.length - 1) {
      console.log(`${f0(s.t).padStart(8)} ${String(s.fds).padStart(5)} ${String(s.rssKb).padStart(9)} ` +
                  `${String(s.sessions).padStart(9)} ${String(s.http).padStart(9)}  ${s.phase}`);
    }
  });
  const warmed = samples.filter((s) => s.t >= warmupS);
  const warm = warmed.length >= 2 ? warmed : samples;
  const stat = (k) => ({ first: warm[0][k], last: warm[warm.length - 1][k], max: Math.max(...warm.map((s) => s[k])) });
  const fd = stat('fds');
  const rss = stat('rssKb');
  console.log(`\nbefore any load: ${samples[0].fds} fds, RSS ${samples[0].rssKb} KiB; after the warm-up (first, last = ` +
              'settled after the loads stopped, max):');
  console.log(`fds: first ${fd.first}, last ${fd.last}, max ${fd.max}`);
  console.log(`RSS: first ${rss.first} KiB, last ${rss.last} KiB (${rss.last - rss.first >= 0 ? '+' : ''}` +
              `${rss.last - rss.first}), max ${rss.max} KiB`);

  // What sessions and requests leave behind is measured where no viewer is connected: in the
  // HTTP-only phases, after their first sample (the last viewers' branches are still going).
  // Samples with viewers connected also hold the live sessions' memory, which no cumulative
  // count explains.
  const quiet = warm.filter((s, i) => s.phase === 'http' && i > 0 && warm[i - 1].pi === s.pi);
  const fitRss = (rows, label) => {
    const fit = rows.length >= 4 && linearFit(rows, (s) => s.rssKb, [(s) => s.sessions, (s) => s.http / 1000]);
    if (!fit) return console.log(`RSS fit (${label}): not determined (too few HTTP-only samples)`);
    console.log(`RSS fit (${label}, ${rows.length} samples without viewers): ${f1(fit.coef[1])} KiB per WebRTC ` +
                `session, ${f1(fit.coef[2])} KiB per 1000 HTTP requests (R² ${fit.r2.toFixed(2)})`);
  };
  fitRss(quiet, 'whole run');
  fitRss(quiet.filter((s) => s.t >= warm[warm.length - 1].t / 2), 'second half');
  const body = warm.slice(0, -1);
  const fdFit = body.length >= 2 && linearFit(body, (s) => s.fds, [(s) => s.t / 3600]);
  if (fdFit) console.log(`fds fit: ${f1(fdFit.coef[1])} descriptors per hour (R² ${fdFit.r2.toFixed(2)})`);
  // The sharp checks: the lowest count of each HTTP-only phase is the server's own descriptors
  // (plus a few HTTP connections) and memory; a leak makes these lists climb.
  const low = (k) => {
    const m = new Map();
    for (const s of warm) if (s.phase === 'http') m.set(s.pi, Math.min(m.get(s.pi) ?? Infinity, s[k]));
    return [...m.values()].join(' ') || 'none';
  };
  console.log(`fds without viewers (lowest of each HTTP-only phase): ${low('fds')}`);
  console.log(`RSS/KiB without viewers (lowest of each HTTP-only phase): ${low('rssKb')}`);
}

/** Samples from the CSV that soak.mjs writes (VTKSTREAM_SOAK_CSV). */
export function readCsv(path) {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  let pi = 0;
  let prev = null;
  return lines.map((l) => {
    const [t, fds, rss, sessions, http, ...phase] = l.split(',');
    const name = phase.join(',');
    if (prev !== null && name !== prev) ++pi;
    prev = name;
    return { t: Number(t), fds: Number(fds), rssKb: Number(rss), sessions: Number(sessions), http: Number(http),
             phase: name, pi };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) throw new Error('usage: node report.mjs SOAK.csv [WARMUP_S]');
  report(readCsv(process.argv[2]), Number(process.argv[3] || 120));
}
