// One row of the weak-link benchmark (bench/browser/weak-link.sh runs it per link): Chromium at
// 1280x720 against the real server and renderer across tests/browser/netns2.sh's link. Prints
// kbit/s while idle, then 10 separate drags: how many were seen (the picture changed within 5 s),
// input-to-photon p50/p95 over every move of the drags (the page's probe: web/js/latency.js, as
// in latency.mjs), kbit/s while dragging, and the server's estimate for this viewer at the end.
//   node bench/browser/weak-link.mjs --label 1M
import { parseArgs } from 'node:util';
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, snapshot, waitPictureChange, nextFrame } from '../../tests/browser/lib/page.mjs';

const { values: opt } = parseArgs({ options: { label: { type: 'string', default: '?' } } });
const url = process.env.VTKSTREAM_URL;
if (!url) throw new Error('VTKSTREAM_URL is not set: run bench/browser/weak-link.sh');
const W = 1280, H = 720, DRAGS = 10;
const pct = (a, p) => {
  if (!a.length) return null;
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

const b = await launchChromium({ width: W, height: H });
try {
  const page = new URL(url);
  page.searchParams.set('size', `${W}x${H}`);
  page.searchParams.set('rtc_timeout', '20000');
  await b.goto(page.href);
  await waitStats(b, `s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth === ${W}`, 60000);
  const bytes = async () => (await b.evaluate(() => window.vtkstream.rtcStats())).bytesReceived;
  const clock = () => b.evaluate(() => performance.now());
  const wait = (ms) => b.evaluate((m) => new Promise((r) => setTimeout(r, m)), ms);

  await wait(3000);  // the join keyframe and the settle frames
  let t0 = await clock(), b0 = await bytes();
  await wait(10000);
  const idleKbps = (8 * ((await bytes()) - b0)) / (await clock() - t0);

  await b.evaluate(() => { window.__lat = window.vtkstream.recordLatency(); });
  const c = { x: W / 2, y: H / 2 };
  let seen = 0;
  t0 = await clock();
  b0 = await bytes();
  for (let i = 0; i < DRAGS; i++) {
    const dir = i % 2 ? -1 : 1;
    const before = await snapshot(b, '#video');
    await b.mouse.move(c.x - dir * 150, c.y);
    await b.mouse.down();
    for (let k = 1; k <= 30; k++) {
      await b.mouse.move(c.x - dir * 150 + (dir * 300 * k) / 30, c.y + k);
      await nextFrame(b);
    }
    await b.mouse.up();
    if ((await waitPictureChange(b, '#video', before, 0.02, 5000).catch(() => 0)) >= 0.02) seen++;
  }
  const dragKbps = (8 * ((await bytes()) - b0)) / (await clock() - t0);
  await wait(1000);
  const lat = await b.evaluate(() => window.__lat.slice());
  const s = await b.evaluate(() => window.vtkstream.stats());
  const row = { link: opt.label, drags: `${seen}/${DRAGS}`, p50: pct(lat, 50), p95: pct(lat, 95), n: lat.length,
                dragKbps, idleKbps, estimateKbps: s.estimateKbps, encoderKbps: s.encoderKbps };
  const f = (v) => (v == null ? 'n/a' : v.toFixed(0));
  console.log(`${opt.label.padEnd(14)} drags ${row.drags}  p50 ${f(row.p50)} ms  p95 ${f(row.p95)} ms (n=${lat.length})  ` +
              `dragging ${f(dragKbps)} kbit/s  idle ${idleKbps.toFixed(1)} kbit/s  estimate ${f(s.estimateKbps)} kbit/s`);
  console.log('JSON ' + JSON.stringify(row));
} finally {
  await b.close();
}
