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
import { report } from './report.mjs';

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
let serverGone = null;
let finish = () => {};
const sample = () => {
  let s;
  try {
    s = serverStats();
  } catch (e) {
    // The server died (its log follows this output): stop and report what was measured.
    if (!serverGone) serverGone = `the server (pid ${pid}) is gone after ${((Date.now() - t0) / 1000).toFixed(0)} s: ${e.code}`;
    finish();
    return;
  }
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

await new Promise((r) => {
  finish = r;
  setTimeout(r, DURATION_S * 1000);
});
state.stop = true;
clearInterval(phaseTimer);
wake();
await Promise.all(loops);
clearInterval(sampler);
clearInterval(progress);

// Quiescence: every viewer freed on the server, then one last sample.
if (!serverGone) {
  const settleStart = Date.now();
  let h = await health();
  while (h.peers !== 0 && Date.now() - settleStart < 30000) {
    await new Promise((r) => setTimeout(r, 200));
    h = await health();
  }
  sample();
  samples[samples.length - 1].phase = `end (peers ${h.peers})`;
}

// ---- report -----------------------------------------------------------------------------------
const f1 = (v) => v.toFixed(1);
console.log(`soak: ${DURATION_S} s, ${VIEWERS} Chromium viewers, HTTP ~${HTTP_RATE} req/s, phases of ${PHASE_S} s, ` +
            `warm-up ${WARMUP_S} s`);
console.log(`WebRTC sessions: ${views.sessions} (${views.pictures} with a picture checked, ${views.early} left ` +
            `during ICE gathering, ${views.failures} failed)`);
for (const e of views.errors) console.log(`  viewer failure: ${e}`);
if (serverGone) console.log(`SERVER DIED: ${serverGone}`);
console.log(`HTTP requests: ${reqs.requests} (${reqs.unexpected} unexpected answers or errors)`);
for (const e of reqs.errors) console.log(`  http: ${e}`);
report(samples, WARMUP_S);
if (process.env.VTKSTREAM_SOAK_CSV) {
  writeFileSync(process.env.VTKSTREAM_SOAK_CSV, 't,fds,rss_kib,sessions,requests,phase\n' +
    samples.map((s) => `${f1(s.t)},${s.fds},${s.rssKb},${s.sessions},${s.http},${s.phase}`).join('\n') + '\n');
}
process.exit(serverGone || views.failures || reqs.unexpected ? 1 : 0);
