// Browser benchmark (issue 3's numbers): headless Chromium on loopback, demo scene, 1280x720.
// Prints presented fps and bitrate while dragging and while idle, and input-to-photon p50/p95
// from the server's `frame` echoes (the client matches each echo's RTP timestamp to the frame
// requestVideoFrameCallback presented; see web/js/latency.js).
//   node bench/browser/latency.mjs [--browser chromium|firefox] [--drag-s 10] [--idle-s 10]
// Needs VTKSTREAM_URL (bench/browser/run.sh starts the server in the test namespace).
import { parseArgs } from 'node:util';
import { BROWSERS, unavailable } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, nextFrame } from '../../tests/browser/lib/page.mjs';

const { values: opt } = parseArgs({ options: {
  browser: { type: 'string', default: 'chromium' },
  'drag-s': { type: 'string', default: '10' },
  'idle-s': { type: 'string', default: '10' },
  size: { type: 'string', default: '1280x720' },
} });
const [W, H] = opt.size.split('x').map(Number);
const url = process.env.VTKSTREAM_URL;
if (!url) throw new Error('VTKSTREAM_URL is not set: run bench/browser/run.sh');
const why = unavailable(opt.browser);
if (why) throw new Error(why);

const pct = (a, p) => {
  if (!a.length) return null;
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f1 = (v) => (v == null ? 'n/a' : v.toFixed(1));

const b = await BROWSERS[opt.browser].launch({ width: W, height: H });
try {
  const page = new URL(url);  // the control link, ?token= included
  page.searchParams.set('size', `${W}x${H}`);
  // On a loaded machine WebRTC can take longer to connect than the page's default 3 s deadline,
  // after which it would measure the MJPEG fallback instead.
  page.searchParams.set('rtc_timeout', '20000');
  await b.goto(page.href);
  await waitStats(b, `s.rtcState === 'connected' && s.videoWidth === ${W} && s.videoHeight === ${H}`, 30000);

  // One measurement window: presented frames (page-side rVFC) and received bytes (getStats,
  // read directly so the window edges are exact).
  const measure = async (body) => {
    const start = await b.evaluate(() => window.__bench.mark());
    await body();
    const end = await b.evaluate(() => window.__bench.mark());
    const dt = (end.t - start.t) / 1000;
    const per = (a, n) => (n > 0 ? (1000 * a) / n : null);
    return { seconds: dt, fps: (end.frames - start.frames) / dt,
             kbps: (8 * (end.bytes - start.bytes)) / 1000 / dt,
             // Where a frame waits in the browser: decoding, and the jitter buffer before it.
             decodeMs: per(end.decodeS - start.decodeS, end.decoded - start.decoded),
             jitterBufferMs: per(end.jbS - start.jbS, end.jbN - start.jbN) };
  };
  await b.evaluate(() => {
    const v = document.getElementById('video');
    let frames = 0;
    const cb = () => { frames++; v.requestVideoFrameCallback(cb); };
    v.requestVideoFrameCallback(cb);
    window.__bench = {
      mark: async () => {
        const s = await window.vtkstream.rtcStats();
        return { t: performance.now(), frames, bytes: s.bytesReceived, decoded: s.framesDecoded,
                 decodeS: s.totalDecodeTimeS, jbS: s.jitterBufferDelayS, jbN: s.jitterBufferEmitted };
      },
    };
  });

  // Let the join keyframe and any settle frames pass, then measure a still scene.
  const idleWait = (s) => b.evaluate((ms) => new Promise((r) => setTimeout(r, ms)), s * 1000);
  await idleWait(3);
  const idle = await measure(() => idleWait(Number(opt['idle-s'])));

  // A steady circular drag, one move per animation frame, like a hand turning the model.
  await b.evaluate(() => { window.__lat = window.vtkstream.recordLatency(); });
  const dragS = Number(opt['drag-s']);
  const cx = W / 2;
  const cy = H / 2;
  const r = Math.min(W, H) / 4;
  await b.mouse.move(cx + r, cy);
  await b.mouse.down();
  const t0 = Date.now();
  const drag = await measure(async () => {
    for (let i = 0; Date.now() - t0 < dragS * 1000; i++) {
      const a = (i / 120) * 2 * Math.PI;
      await b.mouse.move(cx + r * Math.cos(a), cy + r * Math.sin(a));
      await nextFrame(b);
    }
  });
  await b.mouse.up();
  // Let the last echoes arrive, then read every sample recorded during the drag.
  await idleWait(1);
  const lat = await b.evaluate(() => window.__lat.slice());
  const s = await b.evaluate(() => window.vtkstream.stats());

  const result = {
    browser: opt.browser, size: `${W}x${H}`, codec: s.codec,
    drag: { seconds: drag.seconds, fps: drag.fps, kbps: drag.kbps, decodeMs: drag.decodeMs,
            jitterBufferMs: drag.jitterBufferMs },
    idle: { seconds: idle.seconds, fps: idle.fps, kbps: idle.kbps },
    inputToPhoton: { p50: pct(lat, 50), p95: pct(lat, 95), n: lat.length,
                     expired: s.latency.expired, approx: s.latency.approx,
                     echoP50: s.latency.echoP50, newestP50: s.latency.newestP50 },
    rttMs: s.rttMs,
  };
  console.log(`browser benchmark (${result.browser}, ${result.size}, ${result.codec}, loopback)`);
  console.log(`  dragging: ${f1(drag.fps)} fps presented, ${f1(drag.kbps)} kbit/s over ${f1(drag.seconds)} s; ` +
              `per frame ${f1(drag.decodeMs)} ms decoding, ${f1(drag.jitterBufferMs)} ms in the jitter buffer`);
  console.log(`  idle:     ${f1(idle.fps)} fps presented, ${f1(idle.kbps)} kbit/s over ${f1(idle.seconds)} s`);
  console.log(`  input-to-photon: p50 ${f1(result.inputToPhoton.p50)} ms, p95 ${f1(result.inputToPhoton.p95)} ms ` +
              `(n=${lat.length}, expired ${s.latency.expired}${s.latency.approx ? ', approximate matching' : ''})`);
  console.log(`  newest input of each frame: p50 ${f1(s.latency.newestP50)} ms to photon, of which ` +
              `${f1(s.latency.echoP50)} ms to the echo's arrival (render + encode + network; the rest ` +
              'is the browser: jitter buffer, decode, presentation)');
  console.log('JSON ' + JSON.stringify(result));
} finally {
  await b.close();
}
