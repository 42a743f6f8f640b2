// One row of the weak-link benchmark (bench/browser/weak-link.sh runs it per link and browser): a
// browser at 1280x720 against the real server and renderer across tests/browser/netns2.sh's link.
// Prints kbit/s while idle, then 10 separate drags: how many were seen (the picture changed within
// 5 s), input-to-photon p50/p95 over every move of the drags (the page's probe: web/js/latency.js,
// as in latency.mjs), frames presented per second while dragging, kbit/s while dragging; then,
// after the last release, when the full-size still was first presented (seconds after the
// release) and its PSNR against the renderer's frame (the server's /snapshot.png, the newest raw
// frame the sink got), both for that first full-size frame and 3 s after the release (the still
// refined by the copies the renderer republishes). On a lower rung the full-size picture is the
// crisp still image the page lays over the video (web/js/still.js): that image is what is
// measured there, from the moment it is shown ("via image"; "via video" on the top rung). On the
// top rung the image follows the video's still: "crisp image" is when it was shown and its PSNR.
// The 30 moves of a drag come one every VTKSTREAM_BENCH_MOVE_MS ms of the page's clock (default
// 40; 0: one per animation frame, as fast as the driver goes), the same in every browser
// (bench/browser/paced_moves.mjs says why). The row prints the rate achieved, and from the page's
// probe the p50 of input -> the server's `frame` echo (render, encode and the way back, no decode)
// and of input -> photon for the newest input of each frame only (no wait of older moves).
// With WebRTC, where the browser's time goes while dragging (means per frame over the drags):
// jitter-buffer delay, decode time, processing delay (first packet to decoded) and assembly time
// (first to last packet) from getStats, and from requestVideoFrameCallback the time from the
// last packet's arrival to presentation (receiveTime -> presentationTime) and from presentation
// to the expected display (presentationTime -> expectedDisplayTime).
//   node bench/browser/weak-link.mjs --label 1mbit [--browser chromium|firefox] [--query playout_delay=0]
//   (WEAK_LINK_STILLS=0, or --query stills=0: the page without the crisp still, for an A/B)
import { parseArgs } from 'node:util';
import { launchChromium, launchFirefox } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, snapshot, waitPictureChange, changedFraction } from '../../tests/browser/lib/page.mjs';
import { pacedMoves, moveIntervalMs } from './paced_moves.mjs';
import { decodePng, psnr, psnrY } from './psnr.mjs';

const { values: opt } = parseArgs({ options: {
  label: { type: 'string', default: '?' }, browser: { type: 'string', default: 'chromium' },
  query: { type: 'string', default: '' },
} });
const url = process.env.VTKSTREAM_URL;
if (!url) throw new Error('VTKSTREAM_URL is not set: run bench/browser/weak-link.sh');
const W = 1280, H = 720, DRAGS = 10, AFTER_MS = 3000, MOVE_MS = moveIntervalMs();
const pct = (a, p) => {
  if (!a.length) return null;
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

// In the page, after the release at `t0`: presented frames' widths (requestVideoFrameCallback)
// and, on a lower rung, the crisp still laid over the video (web/js/still.js, checked every
// animation frame): what the user sees is drawn into a canvas as a PNG at the first full-size
// picture (a full-size video frame, or the still image once shown) and at t0 + AFTER_MS.
// Resolves with { firstFullMs, via ('video' or 'image'), first, last, imageMs, image } (PNG data
// URLs; image*: the crisp still image, also when a full-size video frame came first).
const WATCH_STILL = ({ t0, W, afterMs }) => new Promise((resolve) => {
  const v = document.getElementById('video');
  const img = document.getElementById('still');
  const grab = () => {
    const still = img && !img.hidden;
    const c = document.createElement('canvas');
    c.width = still ? img.naturalWidth : v.videoWidth;
    c.height = still ? img.naturalHeight : v.videoHeight;
    c.getContext('2d').drawImage(still ? img : v, 0, 0);
    return c.toDataURL('image/png');
  };
  const out = { firstFullMs: null, via: null, first: null, last: null, imageMs: null, image: null };
  let done = false;
  const cb = (now, md) => {
    if (done) return;
    if (out.firstFullMs === null && md.width === W) {
      out.firstFullMs = (md.presentationTime ?? now) - t0;
      out.via = 'video';
      out.first = grab();
    }
    v.requestVideoFrameCallback(cb);
  };
  v.requestVideoFrameCallback(cb);
  const watchImage = () => {
    if (done) return;
    const s = window.vtkstream.stats().still;
    if (img && !img.hidden && img.naturalWidth === W && s && s.visible && s.shownAt >= t0) {
      out.imageMs = s.shownAt - t0;
      out.announcedMs = s.announcedAt - t0;   // the server's `still` message
      out.image = grab();
      if (out.firstFullMs === null) {
        out.firstFullMs = out.imageMs;
        out.via = 'image';
        out.first = out.image;
      }
      return;
    }
    requestAnimationFrame(watchImage);
  };
  requestAnimationFrame(watchImage);
  setTimeout(() => {
    done = true;
    out.last = grab();
    resolve(out);
  }, Math.max(0, t0 + afterMs - performance.now()));
});

const launch = opt.browser === 'firefox' ? launchFirefox : launchChromium;
const b = await launch({ width: W, height: H });
try {
  const page = new URL(url);
  page.searchParams.set('size', `${W}x${H}`);
  page.searchParams.set('rtc_timeout', '20000');
  for (const [k, v] of new URLSearchParams(opt.query)) page.searchParams.set(k, v);
  // A/B: WEAK_LINK_STILLS=0 runs the page without the crisp still (?stills=0).
  if (process.env.WEAK_LINK_STILLS === '0') page.searchParams.set('stills', '0');
  await b.goto(page.href);
  await waitStats(b, `s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth === ${W}`, 60000);
  const bytes = async () => (await b.evaluate(() => window.vtkstream.rtcStats())).bytesReceived;
  const clock = () => b.evaluate(() => performance.now());
  const wait = (ms) => b.evaluate((m) => new Promise((r) => setTimeout(r, m)), ms);
  const presented = () => b.evaluate(() => window.vtkstream.stats().framesPresented);

  await wait(3000);  // the join keyframe and the settle frames
  let t0 = await clock(), b0 = await bytes();
  await wait(10000);
  const idleKbps = (8 * ((await bytes()) - b0)) / (await clock() - t0);

  await b.evaluate(() => { window.__lat = window.vtkstream.recordLatency(); });
  // rVFC timings of every presented frame from here on (see the header).
  await b.evaluate(() => {
    const v = document.getElementById('video');
    window.__rvfc = { toPresent: [], toDisplay: [] };
    const cb = (now, md) => {
      if (md.receiveTime != null) window.__rvfc.toPresent.push(md.presentationTime - md.receiveTime);
      if (md.expectedDisplayTime != null) window.__rvfc.toDisplay.push(md.expectedDisplayTime - md.presentationTime);
      v.requestVideoFrameCallback(cb);
    };
    v.requestVideoFrameCallback(cb);
  });
  const r0 = await b.evaluate(() => window.vtkstream.rtcStats());
  const c = { x: W / 2, y: H / 2 };
  let seen = 0, dragMs = 0, dragFrames = 0, release = 0, lastBefore = null;
  const moveRates = [];
  t0 = await clock();
  b0 = await bytes();
  for (let i = 0; i < DRAGS; i++) {
    const dir = i % 2 ? -1 : 1;
    const before = await snapshot(b, '#video');
    lastBefore = before;
    await b.mouse.move(c.x - dir * 150, c.y);
    await b.mouse.down();
    const d0 = await clock(), f0 = await presented();
    moveRates.push(await pacedMoves(b, { x: c.x - dir * 150, y: c.y }, { x: c.x + dir * 150, y: c.y + 30 }, 30, MOVE_MS));
    await b.mouse.up();
    release = await clock();
    dragMs += release - d0;
    dragFrames += (await presented()) - f0;
    if (i === DRAGS - 1) break;  // the last release is watched for the still below
    if ((await waitPictureChange(b, '#video', before, 0.02, 5000).catch(() => 0)) >= 0.02) seen++;
  }
  const r1 = await b.evaluate(() => window.vtkstream.rtcStats());
  const rvfc = await b.evaluate(() => window.__rvfc);
  const still = await b.evaluate(WATCH_STILL, { t0: release, W, afterMs: AFTER_MS });
  // The last drag (its release watched above) is seen if the picture 3 s later differs from before it.
  if (changedFraction(await snapshot(b, '#video'), lastBefore) >= 0.02) seen++;
  const dragKbps = (8 * ((await bytes()) - b0)) / (await clock() - t0);
  const lat = await b.evaluate(() => window.__lat.slice());
  const s = await b.evaluate(() => window.vtkstream.stats());

  const snapUrl = new URL('snapshot.png', url);
  snapUrl.search = new URL(url).search;
  const ref = decodePng(Buffer.from(await (await fetch(snapUrl)).arrayBuffer()));
  const fromDataUrl = (d) => (d ? decodePng(Buffer.from(d.slice(d.indexOf(',') + 1), 'base64')) : null);
  const q = (d, fn = psnr) => {
    const p = fromDataUrl(d);
    return p && p.width === ref.width ? fn(p, ref) : null;
  };
  const firstDb = q(still.first), lastDb = q(still.last), firstDbY = q(still.first, psnrY);
  const imageDb = q(still.image);
  // Mean per frame over the drags of a cumulative getStats sum (seconds) -> ms.
  const perFrame = (sum, count) => {
    const n = r1 && r0 && r1[count] != null && r0[count] != null ? r1[count] - r0[count] : 0;
    return n > 0 && r1[sum] != null && r0[sum] != null ? (1000 * (r1[sum] - r0[sum])) / n : null;
  };
  const mean = (a) => (a && a.length ? a.reduce((x, y) => x + y, 0) / a.length : null);
  const row = {
    link: opt.label, browser: opt.browser, drags: `${seen}/${DRAGS}`, p50: pct(lat, 50), p95: pct(lat, 95),
    n: lat.length, dragFps: dragMs ? (1000 * dragFrames) / dragMs : null, dragKbps, idleKbps,
    moveMs: MOVE_MS, movesPerS: moveRates.length ? moveRates.reduce((x, y) => x + y, 0) / moveRates.length : null,
    stillS: still.firstFullMs == null ? null : still.firstFullMs / 1000, stillVia: still.via, stillAnnouncedS: still.announcedMs == null ? null : still.announcedMs / 1000, stillDb: firstDb, stillDbY: firstDbY, stillDb3s: lastDb,
    imageS: still.imageMs == null ? null : still.imageMs / 1000, imageDb, imageLossless: s.still ? !!s.still.lossless : null,
    estimateKbps: s.estimateKbps, rung: s.rung, lastStill: s.still, query: opt.query, playoutDelay: r1 ? r1.playoutDelay : null,
    jitterBufferMs: perFrame('jitterBufferDelayS', 'jitterBufferEmitted'), decodeMs: perFrame('totalDecodeTimeS', 'framesDecoded'),
    processingMs: perFrame('totalProcessingDelayS', 'framesDecoded'), assemblyMs: perFrame('totalAssemblyTimeS', 'framesDecoded'),
    receiveToPresentMs: mean(rvfc.toPresent), presentToDisplayMs: mean(rvfc.toDisplay),
    echoP50: s.latency.echoP50, newestP50: s.latency.newestP50,
  };
  const f = (v, d = 0) => (v == null ? 'n/a' : v.toFixed(d));
  console.log(`${opt.label.padEnd(13)} ${opt.browser.padEnd(8)} drags ${row.drags}  p50 ${f(row.p50)} ms  ` +
              `p95 ${f(row.p95)} ms (n=${lat.length})  fps ${f(row.dragFps, 1)}  dragging ${f(dragKbps)} kbit/s  ` +
              `idle ${idleKbps.toFixed(1)} kbit/s  still ${f(row.stillS, 2)} s (${still.via || 'none'}` +
              `${still.via === 'image' ? `, announced at ${f(row.stillAnnouncedS, 2)} s` : ''}) ${f(firstDb, 1)} dB ` +
              `(luma ${f(firstDbY, 1)}) ` +
              `(3 s: ${f(lastDb, 1)} dB)  crisp image ${f(row.imageS, 2)} s ${f(imageDb, 1)} dB` +
              `${row.imageLossless ? ' (lossless)' : ''}  estimate ${f(s.estimateKbps)} kbit/s`);
  console.log(`${opt.label.padEnd(13)} ${opt.browser.padEnd(8)} ${opt.query || '(default)'}: playout-delay ` +
              `${row.playoutDelay}  per frame: jitter buffer ${f(row.jitterBufferMs, 1)} ms  decode ${f(row.decodeMs, 1)} ms  ` +
              `processing ${f(row.processingMs, 1)} ms  assembly ${f(row.assemblyMs, 1)} ms  ` +
              `receive->present ${f(row.receiveToPresentMs, 1)} ms  present->display ${f(row.presentToDisplayMs, 1)} ms  ` +
              `input->echo p50 ${f(row.echoP50)} ms  newest input->photon p50 ${f(row.newestP50)} ms  ` +
              `moves ${f(row.movesPerS, 1)}/s (every ${MOVE_MS || 'animation frame'}${MOVE_MS ? ' ms' : ''})`);
  console.log('JSON ' + JSON.stringify(row));
} finally {
  await b.close();
}
