// Interactive vs still frames as a viewer sees them: while a drag lasts the renderer sends a
// smaller picture, then the full-size still; the page shows both at the same CSS size (no layout
// jump). This scenario starts a server of its own (inside the test's network namespace) with the
// interactive size fixed at half of each side, so the outcome does not depend on how fast this
// machine renders.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { withBrowser, pageUrl } from './scenarios.mjs';
import { waitStats, drag } from './page.mjs';

const W = 640;
const H = 360;

/** Starts vtkstream-serve (from PATH, as with-server.sh sets it) and resolves with its link. */
async function startServer(args, timeoutMs = 60000) {
  const serve = process.env.VTKSTREAM_SERVE || 'vtkstream-serve';
  const child = spawn(serve, ['--bind', '127.0.0.1', '--port', '0', '--no-auth', ...args],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no link from ${serve} in ${timeoutMs} ms: ${log.join('')}`)), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${serve} exited (${code}): ${log.join('')}`)); });
    lines.on('line', (line) => {
      const m = /(https?:\/\/\S+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  return {
    url,
    log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The video element's CSS box and each presented frame's own size, recorded in the page. */
function recordFrames(b) {
  return b.evaluate(() => {
    const v = document.getElementById('video');
    window.__presented = [];
    const cb = (_now, meta) => {
      const r = v.getBoundingClientRect();
      window.__presented.push({ w: meta.width, h: meta.height, cssW: r.width, cssH: r.height });
      v.requestVideoFrameCallback(cb);
    };
    v.requestVideoFrameCallback(cb);
  });
}

/** Resolves with the record once a frame of w1 x h1 was presented and a w2 x h2 one after it. */
function waitSequence(b, first, then, timeoutMs) {
  return b.evaluate(({ first, then, timeoutMs }) => new Promise((resolve, reject) => {
    const v = document.getElementById('video');
    const timer = setTimeout(() => reject(new Error(
      `no ${first.w}x${first.h} then ${then.w}x${then.h} frame in ${timeoutMs} ms; presented: ` +
      JSON.stringify(window.__presented.map((f) => `${f.w}x${f.h}`)))), timeoutMs);
    const check = () => {
      const f = window.__presented;
      const i = f.findIndex((x) => x.w === first.w && x.h === first.h);
      if (i >= 0 && f.slice(i + 1).some((x) => x.w === then.w && x.h === then.h)) {
        clearTimeout(timer);
        resolve(f);
      } else {
        v.requestVideoFrameCallback(check);
      }
    };
    check();
  }), { first, then, timeoutMs });
}

export async function interactiveSizeScenario(t, name) {
  const server = await startServer(['--size', `${W}x${H}`, '--render', '--demo --interactive-scale 0.5']);
  try {
    await withBrowser(t, name, async (b) => {
      // A generous WebRTC deadline: on a loaded machine the connection can take longer than the
      // page's default 3 s before it falls back to MJPEG, which has no frame sizes to compare.
      await b.goto(pageUrl(`size=${W}x${H}&rtc_timeout=20000`, server.url));
      await waitStats(b, `s.transport === 'webrtc' && s.rtcState === 'connected' && s.videoWidth === ${W} && s.videoHeight === ${H}`, 20000);
      await recordFrames(b);
      const css = await b.evaluate(() => {
        const r = document.getElementById('video').getBoundingClientRect();
        return { w: r.width, h: r.height };
      });
      await drag(b, { x: W * 0.3, y: H * 0.5 }, { x: W * 0.7, y: H * 0.6 });
      const frames = await waitSequence(b, { w: W / 2, h: H / 2 }, { w: W, h: H }, 20000);
      const sizes = [...new Set(frames.map((f) => `${f.w}x${f.h}@${f.cssW}x${f.cssH}`))];
      t.diagnostic(`presented ${frames.length} frames: ${sizes.join(', ')}; element ${css.w}x${css.h}`);
      for (const f of frames) {
        assert.equal(f.cssW, css.w, `the video element's width changed with a ${f.w}x${f.h} frame`);
        assert.equal(f.cssH, css.h, `the video element's height changed with a ${f.w}x${f.h} frame`);
      }
      assert.equal(frames.at(-1).w, W, 'the last frame is not the full-size still');
    });
  } finally {
    await server.stop();
  }
}
