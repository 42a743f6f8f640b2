// The two-viewer case of the weak-link benchmark (issue 9, item 6): a strong viewer (Chromium in
// the server's own namespace: unconstrained) drags alone, then again while a weak viewer (Chromium
// behind tests/browser/netns2.sh's rate-limited link, on the view-only link) watches. Prints the
// strong viewer's drags seen, input-to-photon p50/p95 and fps while dragging in both phases, and
// the rung each viewer was on. bench/browser/two-viewers.sh runs it.
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, snapshot, waitPictureChange, nextFrame } from '../../tests/browser/lib/page.mjs';

const url = process.env.VTKSTREAM_URL;
const viewUrl = process.env.VTKSTREAM_VIEW_URL;
if (!url || !viewUrl) throw new Error('VTKSTREAM_URL/VTKSTREAM_VIEW_URL are not set: run bench/browser/two-viewers.sh');
const W = 1280, H = 720, DRAGS = 10;
const pct = (a, p) => {
  if (!a.length) return null;
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Chromium in the server's namespace (no netns-exec): the strong viewer's path is unconstrained. */
async function launchLocal() {
  const ns = process.env.VTKSTREAM_BROWSER_NETNS;
  delete process.env.VTKSTREAM_BROWSER_NETNS;
  try {
    return await launchChromium({ width: W, height: H });
  } finally {
    process.env.VTKSTREAM_BROWSER_NETNS = ns;
  }
}

async function open(b, link) {
  const page = new URL(link);
  page.searchParams.set('size', `${W}x${H}`);
  page.searchParams.set('rtc_timeout', '20000');
  await b.goto(page.href);
  await waitStats(b, "s.rtcState === 'connected' && s.framesPresented >= 1", 60000);
}

/** 10 drags by `b`: drags seen, input-to-photon samples, fps while dragging, its rung. */
async function drags(b) {
  const clock = () => b.evaluate(() => performance.now());
  await b.evaluate(() => { window.__lat = window.vtkstream.recordLatency(); });
  const c = { x: W / 2, y: H / 2 };
  let seen = 0;
  const f0 = (await b.evaluate(() => window.vtkstream.stats())).framesPresented;
  const t0 = await clock();
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
  const s = await b.evaluate(() => window.vtkstream.stats());
  const fps = ((s.framesPresented - f0) * 1000) / ((await clock()) - t0);
  const lat = await b.evaluate(() => window.__lat.slice());
  return { seen, p50: pct(lat, 50), p95: pct(lat, 95), n: lat.length, fps, rung: s.rung, estimate: s.estimateKbps };
}

const f = (v) => (v == null ? 'n/a' : v.toFixed(0));
const line = (label, r) => console.log(`${label.padEnd(22)} drags ${r.seen}/${DRAGS}  p50 ${f(r.p50)} ms  p95 ${f(r.p95)} ms ` +
                                      `(n=${r.n})  fps ${r.fps.toFixed(1)}  rung ${r.rung}  estimate ${f(r.estimate)} kbit/s`);

const strong = await launchLocal();
let weak = null;
try {
  await open(strong, url);
  const wait = (ms) => strong.evaluate((m) => new Promise((r) => setTimeout(r, m)), ms);
  await wait(3000);  // the join keyframe and the settle frames
  const alone = await drags(strong);
  line('strong alone', alone);

  weak = await launchChromium({ width: W, height: H });  // behind the link (netns-exec.sh)
  await open(weak, viewUrl);
  // The weak viewer's estimate falls and it moves down the ladder before the strong one drags.
  const w = await waitStats(weak, 's.rung != null && s.rung > 0', 30000).catch(() => null);
  const ws = w || (await weak.evaluate(() => window.vtkstream.stats()));
  console.log(`weak viewer            rung ${ws.rung} (${ws.rungWidth}x${ws.rungHeight}), estimate ${f(ws.estimateKbps)} kbit/s` +
              (w ? '' : ' (did not leave the top rung within 30 s)'));
  const wf0 = ws.framesPresented, wt0 = Date.now();
  const shared = await drags(strong);
  const we = await weak.evaluate(() => window.vtkstream.stats());
  line('strong with weak', shared);
  console.log(`weak while strong drags: fps ${(((we.framesPresented - wf0) * 1000) / (Date.now() - wt0)).toFixed(1)}, ` +
              `rung ${we.rung} (${we.rungWidth}x${we.rungHeight})`);
  const ratio = (a, b) => (a && b ? (b / a).toFixed(2) : 'n/a');
  console.log(`strong with/alone: p50 ${ratio(alone.p50, shared.p50)}  fps ${ratio(alone.fps, shared.fps)}`);
  console.log('JSON ' + JSON.stringify({ alone, shared, weak: { rung: we.rung, w: we.rungWidth, h: we.rungHeight } }));
} finally {
  if (weak) await weak.close();
  await strong.close();
}
