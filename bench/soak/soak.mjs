// The soak benchmark (issue 12): viewers join and leave continually and an HTTP loop runs next to
// them for VTKSTREAM_SOAK_S seconds (default 1800), while the server's descriptors and RSS are
// sampled from /proc every 10 s; at the end a table and least-squares fits say what each
// WebRTC session and each 1000 requests leave behind. Run through bench/soak/run.sh (README.md).
//
// The time is cut into phases (both loads, HTTP only, viewers only, repeating) so that the
// session count and the request count do not grow in lockstep and the fit can tell their costs
// apart.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { viewerLoop } from './viewers.mjs';
import { httpLoop } from './http_loop.mjs';
import { linearFit } from './fit.mjs';

const env = (k, d) => Number(process.env[k] || d);
const DURATION_S = env('VTKSTREAM_SOAK_S', 1800);
const VIEWERS = env('VTKSTREAM_SOAK_VIEWERS', 2);
const HTTP_RATE = env('VTKSTREAM_SOAK_HTTP_RATE', 20);
const EARLY_EVERY = env('VTKSTREAM_SOAK_EARLY_EVERY', 4);  // every 4th session leaves during ICE gathering
const SAMPLE_S = env('VTKSTREAM_SOAK_SAMPLE_S', 10);
// 50 s, not a divisor of the table's minute, so that the table shows every phase.
const PHASE_S = env('VTKSTREAM_SOAK_PHASE_S', Math.min(50, Math.max(10, DURATION_S / 6)));
// The first sessions allocate what every later one reuses (encoder, codec tables, thread pools):
// the fits and first/last/max start after this warm-up.
const WARMUP_S = env('VTKSTREAM_SOAK_WARMUP_S', Math.min(120, DURATION_S / 6));
const PHASES = [{ name: 'both', viewers: true, http: true }, { name: 'http', viewers: false, http: true },
                { name: 'viewers', viewers: true, http: false }];

const link = process.env.VTKSTREAM_URL;
const pid = process.env.VTKSTREAM_SERVER_PID;
if (!link || !pid) throw new Error('VTKSTREAM_URL / VTKSTREAM_SERVER_PID are not set: run bench/soak/run.sh');

function serverStats() {
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssKb: Number(rss[1]) };
}

async function health() {
  const u = new URL(link);
  u.pathname = '/healthz';
  const r = await fetch(u, { headers: { connection: 'close' } });
  return r.json();
}

// ---- the phases -------------------------------------------------------------------------------
const t0 = Date.now();
let phase = 0;
let waiters = [];
const state = {
  stop: false,
  earlyEvery: EARLY_EVERY,
  viewersOn: () => PHASES[phase % PHASES.length].viewers,
  httpOn: () => PHASES[phase % PHASES.length].http,
  phaseChange: () => new Promise((r) => waiters.push(r)),
};
const wake = () => {
  const w = waiters;
  waiters = [];
  w.forEach((r) => r());
};
const phaseTimer = setInterval(() => { ++phase; wake(); }, PHASE_S * 1000);

// ---- the loads ----------------------------------------------------------------------------------
const views = { sessions: 0, pictures: 0, early: 0, failures: 0, errors: [] };
const reqs = { requests: 0, unexpected: 0, errors: [] };
const u = new URL(link);
u.searchParams.set('size', '320x180');
const loops = [httpLoop(link, HTTP_RATE, reqs, state)];
for (let i = 0; i < VIEWERS; ++i) loops.push(viewerLoop(u.href, views, state));

// ---- sampling ---------------------------------------------------------------------------------
const samples = [];
const sample = () => {
  const s = serverStats();
  samples.push({ t: (Date.now() - t0) / 1000, ...s, sessions: views.sessions, http: reqs.requests,
                 phase: PHASES[phase % PHASES.length].name, pi: phase });
};
sample();
const sampler = setInterval(sample, SAMPLE_S * 1000);
const progress = setInterval(() => {
  const s = samples[samples.length - 1];
  console.error(`[soak ${s.t.toFixed(0)} s] fds ${s.fds} RSS ${s.rssKb} KiB sessions ${views.sessions} ` +
                `(failures ${views.failures}) requests ${reqs.requests} (unexpected ${reqs.unexpected})`);
}, 60000);

await new Promise((r) => setTimeout(r, DURATION_S * 1000));
state.stop = true;
clearInterval(phaseTimer);
wake();
await Promise.all(loops);
clearInterval(sampler);
clearInterval(progress);

// Quiescence: every viewer freed on the server, then one last sample.
const settleStart = Date.now();
let h = await health();
while (h.peers !== 0 && Date.now() - settleStart < 30000) {
  await new Promise((r) => setTimeout(r, 200));
  h = await health();
}
sample();
samples[samples.length - 1].phase = `end (peers ${h.peers})`;

// ---- report -----------------------------------------------------------------------------------
const f0 = (v) => v.toFixed(0);
const f1 = (v) => v.toFixed(1);
console.log(`soak: ${DURATION_S} s, ${VIEWERS} Chromium viewers, HTTP ~${HTTP_RATE} req/s, phases of ${PHASE_S} s, ` +
            `warm-up ${WARMUP_S} s`);
console.log(`WebRTC sessions: ${views.sessions} (${views.pictures} with a picture checked, ${views.early} left ` +
            `during ICE gathering, ${views.failures} failed)`);
for (const e of views.errors) console.log(`  viewer failure: ${e}`);
console.log(`HTTP requests: ${reqs.requests} (${reqs.unexpected} unexpected answers or errors)`);
for (const e of reqs.errors) console.log(`  http: ${e}`);
console.log('\n     t/s   fds   RSS/KiB  sessions  requests  phase');
const every = Math.max(1, Math.round(60 / SAMPLE_S));
samples.forEach((s, i) => {
  if (i % every === 0 || i === samples.length - 1) {
    console.log(`${f0(s.t).padStart(8)} ${String(s.fds).padStart(5)} ${String(s.rssKb).padStart(9)} ` +
                `${String(s.sessions).padStart(9)} ${String(s.http).padStart(9)}  ${s.phase}`);
  }
});
const warm = samples.filter((s) => s.t >= WARMUP_S);
const stat = (k) => ({ first: warm[0][k], last: warm[warm.length - 1][k], max: Math.max(...warm.map((s) => s[k])) });
const fd = stat('fds');
const rss = stat('rssKb');
console.log(`\nbefore any load: ${samples[0].fds} fds, RSS ${samples[0].rssKb} KiB; after the warm-up (first, last = ` +
            'settled after the loads stopped, max):');
console.log(`fds: first ${fd.first}, last ${fd.last}, max ${fd.max}`);
console.log(`RSS: first ${rss.first} KiB, last ${rss.last} KiB (${rss.last - rss.first >= 0 ? '+' : ''}` +
            `${rss.last - rss.first}), max ${rss.max} KiB`);

const fitRss = (rows, label) => {
  const fit = linearFit(rows, (s) => s.rssKb, [(s) => s.sessions, (s) => s.http / 1000]);
  if (!fit) return console.log(`RSS fit (${label}): not determined (too few samples or phases)`);
  console.log(`RSS fit (${label}, ${rows.length} samples): ${f1(fit.coef[1])} KiB per WebRTC session, ` +
              `${f1(fit.coef[2])} KiB per 1000 HTTP requests (R² ${fit.r2.toFixed(2)})`);
};
const body = warm.slice(0, -1);  // the settled end sample is after the loads stopped
fitRss(body, 'whole run');
fitRss(body.slice(Math.floor(body.length / 2)), 'second half');
const fdFit = linearFit(body, (s) => s.fds, [(s) => s.t / 3600]);
if (fdFit) console.log(`fds fit: ${f1(fdFit.coef[1])} descriptors per hour (R² ${fdFit.r2.toFixed(2)})`);
// The sharp check: in the HTTP-only phases no viewer is connected, so the lowest count of each is
// the server's own descriptors plus a few HTTP connections; a leak makes this list climb.
const quiet = new Map();
for (const s of warm) if (s.phase === 'http') quiet.set(s.pi, Math.min(quiet.get(s.pi) ?? Infinity, s.fds));
console.log(`fds without viewers (lowest of each HTTP-only phase): ${[...quiet.values()].join(' ') || 'none'}`);
if (process.env.VTKSTREAM_SOAK_CSV) {
  writeFileSync(process.env.VTKSTREAM_SOAK_CSV, 't,fds,rss_kib,sessions,requests,phase\n' +
    samples.map((s) => `${f1(s.t)},${s.fds},${s.rssKb},${s.sessions},${s.http},${s.phase}`).join('\n') + '\n');
}
process.exit(views.failures || reqs.unexpected ? 1 : 0);
