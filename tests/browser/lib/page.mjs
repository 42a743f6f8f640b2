// In-page helpers for the scenarios. Every wait is a promise on a page event (a presented video
// frame, an animation frame) raced against a timeout: no fixed sleeps.

/** Resolves when `cond(window.vtkstream.stats())` holds, checked on every animation frame. */
export function waitStats(p, condSrc, timeoutMs) {
  return p.evaluate(({ condSrc, timeoutMs }) => new Promise((resolve, reject) => {
    // eslint-disable-next-line no-new-func
    const cond = new Function('s', `return (${condSrc});`);
    const t0 = performance.now();
    const tick = () => {
      const s = window.vtkstream && window.vtkstream.stats();
      if (s && cond(s)) return resolve(s);
      if (performance.now() - t0 > timeoutMs) {
        return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${condSrc}; ` +
                                `stats: ${JSON.stringify(s)}`));
      }
      requestAnimationFrame(tick);
    };
    tick();
  }), { condSrc, timeoutMs });
}

/**
 * Starts counting frames presented by the <video> (requestVideoFrameCallback, independent of the
 * client's own counters); `frameCount(p)` reads the count.
 */
export function startFrameCount(p) {
  return p.evaluate(() => {
    const v = document.getElementById('video');
    window.__frames = 0;
    const cb = () => { window.__frames++; v.requestVideoFrameCallback(cb); };
    v.requestVideoFrameCallback(cb);
  });
}

/** Resolves with the count once at least `n` frames were presented since startFrameCount. */
export function waitFrameCount(p, n, timeoutMs) {
  return p.evaluate(({ n, timeoutMs }) => new Promise((resolve, reject) => {
    const v = document.getElementById('video');
    const timer = setTimeout(() => reject(new Error(
      `only ${window.__frames} of ${n} frames presented in ${timeoutMs} ms`)), timeoutMs);
    const check = () => {
      if (window.__frames >= n) {
        clearTimeout(timer);
        resolve(window.__frames);
      } else {
        v.requestVideoFrameCallback(check);
      }
    };
    check();
  }), { n, timeoutMs });
}

// The in-page snapshot: the picture element drawn into a 64x36 canvas, as luma values.
const SNAPSHOT_SRC = `(sel) => {
  const el = document.querySelector(sel);
  const c = document.createElement('canvas');
  c.width = 64; c.height = 36;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(el, 0, 0, c.width, c.height);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const out = new Array(c.width * c.height);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]);
  }
  return out;
}`;

export function snapshot(p, selector) {
  return p.evaluate(({ src, selector }) => (0, eval)(src)(selector), { src: SNAPSHOT_SRC, selector });
}

/** Fraction of pixels whose luma moved by more than 24 levels. */
export function changedFraction(a, b) {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 24) n++;
  return n / a.length;
}

export function stddev(a) {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
}

/** Resolves with the changed fraction once the picture differs from `before` by `min`. */
export function waitPictureChange(p, selector, before, min, timeoutMs) {
  return p.evaluate(({ src, selector, before, min, timeoutMs }) => new Promise((resolve, reject) => {
    const snap = (0, eval)(src);
    const t0 = performance.now();
    let best = 0;
    const tick = () => {
      const now = snap(selector);
      let n = 0;
      for (let i = 0; i < now.length; i++) if (Math.abs(now[i] - before[i]) > 24) n++;
      const f = n / now.length;
      best = Math.max(best, f);
      if (f >= min) return resolve(f);
      if (performance.now() - t0 > timeoutMs) {
        return reject(new Error(`picture changed by at most ${(100 * best).toFixed(1)}% ` +
                                `(wanted ${(100 * min).toFixed(1)}%) in ${timeoutMs} ms`));
      }
      requestAnimationFrame(tick);
    };
    tick();
  }), { src: SNAPSHOT_SRC, selector, before, min, timeoutMs });
}

/** One animation frame of the page: paces scripted input like a real hand, without sleeping. */
export function nextFrame(p) {
  return p.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

/**
 * A left-button drag through the page's real input path (the browser's own mouse events),
 * one move per animation frame so it lasts about `steps` frames like a hand-made drag.
 */
export async function drag(p, from, to, steps = 30) {
  await p.mouse.move(from.x, from.y);
  await p.mouse.down();
  for (let i = 1; i <= steps; i++) {
    const k = i / steps;
    await p.mouse.move(from.x + (to.x - from.x) * k, from.y + (to.y - from.y) * k);
    await nextFrame(p);
  }
  await p.mouse.up();
}
