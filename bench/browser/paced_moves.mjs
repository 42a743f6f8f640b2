// The mouse moves of a benchmark drag, at the same rate in every browser.
//
// Input-to-photon is timed per move (web/js/latency.js), and the renderer folds the moves that
// arrive between two frames into one frame: the older moves of a frame wait for it. So the
// figure depends on how many moves come per rendered frame, i.e. on how fast the driver sends
// them. One move per animation frame (the benchmarks' old pacing) is as fast as the driver can
// go: puppeteer drove Firefox ESR at 49-56 moves/s, playwright drove Chromium at 20-28 on the
// same machine (docs/performance.md, "Firefox's drag-to-photon"), so Firefox's frames folded two
// moves and its p50 came out 14-21 ms above the latency of the frames themselves. A fixed
// interval on the page's clock that both drivers can keep makes the browsers comparable.

/** The interval between moves (ms) from VTKSTREAM_BENCH_MOVE_MS: 0 = one per animation frame. */
export function moveIntervalMs(env = process.env) {
  const v = env.VTKSTREAM_BENCH_MOVE_MS;
  if (v === undefined || v === '') return DEFAULT_MOVE_MS;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`VTKSTREAM_BENCH_MOVE_MS must be a number >= 0, got '${v}'`);
  return n;
}

// 25 moves/s: what both drivers kept on the loaded 2-core machine (Chromium's managed 27 at best).
export const DEFAULT_MOVE_MS = 40;

/**
 * `steps` mouse moves of page `p` along the line from `from` (exclusive) to `to` (inclusive),
 * through the browser's own input path; the button state is the caller's. everyMs > 0: a move
 * every `everyMs` ms of the page's clock; after a move the driver sent late the next goes at once
 * and the schedule continues from there, rather than a burst catching up. everyMs 0: one move per animation
 * frame. Resolves with the moves per second achieved (from the first move to the last).
 */
export async function pacedMoves(p, from, to, steps, everyMs) {
  // Run in the page: wait until `next` on its clock (not at all if that is past); says the time
  // the next move goes, from which the schedule continues.
  const until = (next) => {
    const now = performance.now();
    return new Promise((r) => setTimeout(() => r(Math.max(now, next)), Math.max(0, next - now)));
  };
  // Run in the page: the next animation frame's time.
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  // `t`: the page's clock just before the next move (one round trip per move, as before).
  let t = await p.evaluate(() => performance.now());
  const first = t;
  let next = first;
  for (let i = 1; i <= steps; i++) {
    const k = i / steps;
    await p.mouse.move(from.x + (to.x - from.x) * k, from.y + (to.y - from.y) * k);
    if (i === steps) break;
    if (everyMs > 0) {
      // A late move re-anchors the schedule: the driver's stall is not made up by a burst.
      next = t = await p.evaluate(until, next + everyMs);
    } else {
      t = await p.evaluate(frame);
    }
  }
  return steps > 1 && t > first ? (1000 * (steps - 1)) / (t - first) : null;
}
