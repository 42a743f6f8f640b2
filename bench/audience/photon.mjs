// Drag-to-photon directly and through Janus, side by side (docs/performance.md, "Audience").
// A controller drags on our page (headless Chromium, input through our WebSocket); two more
// Chromiums only watch, one on our page with the view-only link (direct), one through Janus
// (launch/janus/viewer.html, Debian's janus.js), so both viewers are alike but for the path. For
// each step of the drag (one pointer move), each viewer records when it first presents a picture
// that differs from the one before the move (requestVideoFrameCallback, wall clock of this
// machine): the two delays from the same input compare directly, and the Janus viewer's minus
// the direct one is what the Janus path adds, decode and display included.
//   node bench/audience/photon.mjs [--steps 40] [--size 1280x720]
// Needs VTKSTREAM_URL and VTKSTREAM_JANUS_* (bench/audience/photon.sh sets them up).
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { LAUNCH_DIR, startJanus, stopJanus, servePage } from '../../tests/browser/lib/janus.mjs';
import { waitStats } from '../../tests/browser/lib/page.mjs';

const { values: opt } = parseArgs({ options: {
  steps: { type: 'string', default: '40' },
  size: { type: 'string', default: '1280x720' },
} });
const [W, H] = opt.size.split('x').map(Number);
const env = process.env;
const API = `http://127.0.0.1:${env.VTKSTREAM_JANUS_HTTP_PORT}/janus`;

// In the page: watches #video and resolves with the wall-clock time (ms) of the first presented
// frame that differs from the picture when it was armed.
const ARM = `() => {
  const v = document.getElementById('video');
  const c = document.createElement('canvas');
  c.width = 64; c.height = 36;
  const g = c.getContext('2d', { willReadFrequently: true });
  const luma = () => {
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const out = new Array(c.width * c.height);
    for (let i = 0; i < out.length; i++) out[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
    return out;
  };
  const before = luma();
  window.__changed = new Promise((resolve) => {
    const check = () => {
      const now = luma();
      let n = 0;
      for (let i = 0; i < now.length; i++) if (Math.abs(now[i] - before[i]) > 24) n++;
      if (n / now.length >= 0.02) resolve(performance.timeOrigin + performance.now());
      else v.requestVideoFrameCallback(check);
    };
    v.requestVideoFrameCallback(check);
  });
}`;
const arm = (b) => b.evaluate((src) => (0, eval)(src)(), ARM);
const changed = (b) => b.evaluate(() => Promise.race([window.__changed,
  new Promise((r) => setTimeout(() => r(null), 5000))]));

const pct = (a, p) => {
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

const dir = mkdtempSync(join(tmpdir(), 'vtkstream-photon-'));
execFileSync(join(LAUNCH_DIR, 'janus-config.sh'), [dir, '--http-port', env.VTKSTREAM_JANUS_HTTP_PORT,
  '--video-port', env.VTKSTREAM_JANUS_VIDEO_PORT, '--rtcp-port', env.VTKSTREAM_JANUS_RTCP_PORT]);
const janus = await startJanus(dir, []);
const pages = await servePage();
const controller = await launchChromium({ width: W, height: H });
const direct = await launchChromium({ width: W, height: H });
const viaJanus = await launchChromium({ width: W, height: H });
try {
  const page = new URL(env.VTKSTREAM_URL);
  page.searchParams.set('size', `${W}x${H}`);
  page.searchParams.set('rtc_timeout', '20000');
  await controller.goto(page.href);
  await waitStats(controller, `s.rtcState === 'connected' && s.videoWidth === ${W}`, 30000);
  const view = new URL(env.VTKSTREAM_VIEW_URL);
  view.searchParams.set('rtc_timeout', '20000');
  await direct.goto(view.href);
  await waitStats(direct, `s.rtcState === 'connected' && s.videoWidth === ${W}`, 30000);
  await viaJanus.goto(`http://127.0.0.1:${pages.address().port}/?janus=${encodeURIComponent(API)}&id=1`);
  await viaJanus.page.waitForFunction(() => window.janusViewer && window.janusViewer.state === 'watching',
                                      null, { timeout: 30000 });
  await viaJanus.evaluate(() => new Promise((r) => document.getElementById('video').requestVideoFrameCallback(r)));

  const d = [], j = [], extra = [];
  let x = W * 0.3;
  await controller.mouse.move(x, H / 2);
  await controller.mouse.down();
  for (let i = 0; i < Number(opt.steps); i++) {
    await Promise.all([arm(direct), arm(viaJanus)]);
    const t0 = Date.now();
    x += (i % 2 ? -1 : 1) * W * 0.05;
    await controller.mouse.move(x, H / 2 + (i % 3) * 4);
    const [td, tj] = await Promise.all([changed(direct), changed(viaJanus)]);
    if (td === null || tj === null) continue;  // a step one page never showed: not comparable
    d.push(td - t0);
    j.push(tj - t0);
    extra.push(tj - td);
  }
  await controller.mouse.up();
  const f = (v) => v.toFixed(1);
  console.log(`steps ${opt.steps}, compared ${extra.length}; load average ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
  console.log(`direct (view link)     p50 ${f(pct(d, 50))} ms, p95 ${f(pct(d, 95))} ms`);
  console.log(`through Janus          p50 ${f(pct(j, 50))} ms, p95 ${f(pct(j, 95))} ms`);
  console.log(`Janus minus direct     p50 ${f(pct(extra, 50))} ms, p95 ${f(pct(extra, 95))} ms`);
} finally {
  await controller.close();
  await direct.close();
  await viaJanus.close();
  pages.close();
  await stopJanus(janus);
  rmSync(dir, { recursive: true, force: true });
}
