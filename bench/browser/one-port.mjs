// One link of bench/browser/one-port.sh: Chromium and Firefox ESR at 1280x720 across
// tests/browser/netns2.sh's link, against a fresh server over https, once per browser and
// transport (?transport=webrtc|ws|mjpeg):
//   first     ms from the start of page load to the first picture of that transport
//   drags     of 10 separate drags, how many changed the picture within 5 s
//   p50/p95   input-to-photon over every move of the drags (web/js/latency.js; MJPEG: approx),
//             a move every VTKSTREAM_BENCH_MOVE_MS ms (default 40; bench/browser/paced_moves.mjs)
//   echo      p50 of input -> the server's `frame` echo arriving (render, encode, network; no decode)
//   newest    p50 of input -> photon for the newest input of each frame only
//   kbit/s    what the server handed to this viewer (/metrics vtkstream_sent_bytes_total of the
//             transport) while dragging, and over 5 s idle before
//   skipped   (WebSocket video) frames its flow control skipped while dragging
//   rung      the rung the viewer was on after the drags, and its estimate (the page's stats)
//   node bench/browser/one-port.mjs --label 1mbit [--only ws] [--browsers chromium,firefox]
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { launchChromium, launchFirefox } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, snapshot, waitPictureChange } from '../../tests/browser/lib/page.mjs';
import { pacedMoves, moveIntervalMs } from './paced_moves.mjs';

const { values: opt } = parseArgs({ options: { label: { type: 'string', default: '?' },
                                               only: { type: 'string', default: 'webrtc,ws,mjpeg' },
                                               browsers: { type: 'string', default: 'chromium,firefox' } } });
const url = process.env.VTKSTREAM_URL;
if (!url) throw new Error('VTKSTREAM_URL is not set: run bench/browser/one-port.sh');
const ca = readFileSync(process.env.VTKSTREAM_TLS_CA);
const W = 1280, H = 720, DRAGS = 10, MOVE_MS = moveIntervalMs();
const SELECTOR = { webrtc: '#video', ws: '#wsvideo', mjpeg: '#mjpeg' };
const pct = (a, p) => {
  if (!a.length) return null;
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Bytes the server has handed to viewers over `transport` (all rungs). */
function sentBytes(transport) {
  return metric(`vtkstream_sent_bytes_total{transport="${transport}"`);
}

/** The sum of the /metrics samples whose line starts with `prefix`. */
function metric(prefix) {
  const u = new URL('/metrics', url);
  u.searchParams.set('token', new URL(url).searchParams.get('token'));
  return new Promise((resolve, reject) => {
    get(u, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        let n = 0;
        for (const line of body.split('\n'))
          if (line.startsWith(prefix)) n += Number(line.split(' ').pop());
        resolve(n);
      });
    }).on('error', reject);
  });
}

/**
 * Where the first picture's time went, on the page's clock (ms since navigation start): the HTML,
 * each script and style sheet (end, bytes over the wire), the WebSocket asked for and open, then
 * the transport's own times (WebSocket video: first keyframe, its bytes and width, first drawn;
 * MJPEG: first picture loaded). Runs in the page.
 */
function firstPictureClock() {
  const r = (v) => (v == null ? null : Math.round(v));
  const nav = performance.getEntriesByType('navigation')[0];
  const mark = (n) => r(performance.getEntriesByName(n)[0]?.startTime);
  const files = performance.getEntriesByType('resource').filter((e) => /\.(js|css)(\?|$)/.test(e.name))
    .map((e) => `${e.name.split('/').pop().split('?')[0]} ${r(e.responseEnd)} (${e.transferSize} B)`);
  const ws = window.vtkstream.wsTimes();
  const mj = window.vtkstream.mjpegTimes?.();  // absent from pages before it
  return { html: r(nav?.responseEnd), files, wsConnect: mark('vtkstream-ws-connect'), wsOpen: mark('vtkstream-ws-open'),
           ws: ws && { start: r(ws.start), key: r(ws.firstKey), keyBytes: ws.firstKeyBytes, keyWidth: ws.firstKeyWidth,
                       drawn: r(ws.firstDraw) },
           mjpeg: mj && { start: r(mj.start), loaded: r(mj.firstLoad) } };
}

/** The browser `name`, accepting this run's certificate only (Chromium: exactly its key). */
function launch(name) {
  return name === 'chromium'
    ? launchChromium({ width: W, height: H, args: [`--ignore-certificate-errors-spki-list=${process.env.VTKSTREAM_TLS_SPKI}`] })
    : launchFirefox({ width: W, height: H, acceptInsecureCerts: true });
}

async function row(browser, transport) {
  const b = await launch(browser);
  try {
    const page = new URL(url);
    page.searchParams.set('size', `${W}x${H}`);
    page.searchParams.set('transport', transport);
    page.searchParams.set('rtc_timeout', '20000');
    const tStart = Date.now();
    await b.goto(page.href);
    const shown = transport === 'mjpeg' ? 's.videoWidth > 0' : 's.framesPresented >= 1 && s.videoWidth > 0';
    await waitStats(b, `s.transport === '${transport}' && ${shown}`, 60000);
    const first = Date.now() - tStart;
    const where = await b.evaluate(firstPictureClock);
    // The render size followed the window; the picture itself may be a smaller rung on a weak link.
    await waitStats(b, `s.transport === '${transport}' && (s.videoWidth === ${W} || s.renderWidth === ${W})`, 30000);
    const clock = () => b.evaluate(() => performance.now());
    const wait = (ms) => b.evaluate((m) => new Promise((r) => setTimeout(r, m)), ms);
    await wait(3000);  // the join keyframe and the settle frames
    let t0 = await clock(), b0 = await sentBytes(transport);
    await wait(5000);
    const idleKbps = (8 * ((await sentBytes(transport)) - b0)) / (await clock() - t0);
    await b.evaluate(() => { window.__lat = window.vtkstream.recordLatency(); });
    const c = { x: W / 2, y: H / 2 };
    let seen = 0;
    t0 = await clock();
    b0 = await sentBytes(transport);
    const skipped0 = await metric('vtkstream_ws_video_skipped_frames_total');
    for (let i = 0; i < DRAGS; i++) {
      const dir = i % 2 ? -1 : 1;
      const before = await snapshot(b, SELECTOR[transport]);
      await b.mouse.move(c.x - dir * 150, c.y);
      await b.mouse.down();
      await pacedMoves(b, { x: c.x - dir * 150, y: c.y }, { x: c.x + dir * 150, y: c.y + 30 }, 30, MOVE_MS);
      await b.mouse.up();
      if ((await waitPictureChange(b, SELECTOR[transport], before, 0.02, 5000).catch(() => 0)) >= 0.02) seen++;
    }
    const dragKbps = (8 * ((await sentBytes(transport)) - b0)) / (await clock() - t0);
    const skipped = (await metric('vtkstream_ws_video_skipped_frames_total')) - skipped0;
    const lat = await b.evaluate(() => window.__lat.slice());
    const s = await b.evaluate(() => window.vtkstream.stats());
    return { link: opt.label, browser, transport, first, where, drags: `${seen}/${DRAGS}`, p50: pct(lat, 50), p95: pct(lat, 95),
             n: lat.length, approx: s.latency.approx, echoP50: s.latency.echoP50, newestP50: s.latency.newestP50, dragKbps, idleKbps, skipped, rung: s.rung, estimateKbps: s.estimateKbps };
  } finally {
    await b.close();
  }
}

const f = (v) => (v == null ? 'n/a' : v.toFixed(0));
for (const browser of opt.browsers.split(','))
for (const transport of opt.only.split(',')) {
  const label = `${opt.label.padEnd(14)} ${browser.padEnd(8)} ${transport.padEnd(6)}`;
  try {
    const r = await row(browser, transport);
    console.log(`${label} first ${f(r.first)} ms  drags ${r.drags}  ` +
                `p50 ${f(r.p50)} ms  p95 ${f(r.p95)} ms (n=${r.n}${r.approx ? ', approx' : ''}; echo ${f(r.echoP50)}, ` +
                `newest ${f(r.newestP50)} ms)  ` +
                `dragging ${f(r.dragKbps)} kbit/s  idle ${r.idleKbps.toFixed(1)} kbit/s` +
                (transport === 'ws' ? `  skipped ${r.skipped} frames while dragging` : '') +
                (r.rung != null && transport !== 'mjpeg' ? `  rung ${r.rung} (estimate ${r.estimateKbps} kbit/s)` : ''));
    console.log(`${label} first picture's clock: ${JSON.stringify(r.where)}`);
    console.log('JSON ' + JSON.stringify(r));
  } catch (e) {
    console.log(`${label} failed: ${e.message.split('\n')[0]}`);
  }
}
