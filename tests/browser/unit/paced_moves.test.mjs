// Unit tests of the benchmarks' move pacing (bench/browser/paced_moves.mjs): the same number of
// moves per second whatever the driver, no catch-up burst after a late move. The page is node
// itself here: `evaluate` runs the in-page function in this process (it only needs
// performance.now, setTimeout and, for the animation-frame pacing, requestAnimationFrame).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pacedMoves, moveIntervalMs, DEFAULT_MOVE_MS } from '../../../bench/browser/paced_moves.mjs';

/** A page whose moves are recorded with their time; `slow(i)`: ms the driver takes for move i. */
function fakePage(slow = () => 0) {
  const moves = [];
  return {
    moves,
    evaluate: (fn, arg) => fn(arg),
    mouse: {
      move: async (x, y) => {
        const d = slow(moves.length + 1);
        if (d) await new Promise((r) => setTimeout(r, d));
        moves.push({ x, y, t: performance.now() });
      },
    },
  };
}

const gaps = (moves) => moves.slice(1).map((m, i) => m.t - moves[i].t);

test('moves along the line, the last one on the end point', async () => {
  const p = fakePage();
  await pacedMoves(p, { x: 0, y: 10 }, { x: 300, y: 40 }, 30, 1);
  assert.equal(p.moves.length, 30);
  assert.deepEqual([p.moves[0].x, p.moves[0].y], [10, 11]);
  assert.deepEqual([p.moves[29].x, p.moves[29].y], [300, 40]);
});

test('a fast driver is held to one move per interval', async () => {
  const p = fakePage();
  const rate = await pacedMoves(p, { x: 0, y: 0 }, { x: 100, y: 0 }, 11, 20);
  // The schedule is on the page's clock and timers never fire early: 10 intervals take at least
  // 200 ms (single gaps vary with the timers' lateness, the schedule does not drift).
  assert.ok(rate <= 50.5, `rate ${rate} moves/s (wanted 50)`);
  const span = p.moves[10].t - p.moves[0].t;
  assert.ok(span >= 180, `11 moves in ${span.toFixed(0)} ms: ${gaps(p.moves).map((v) => v.toFixed(0))}`);
});

test('a move the driver sends late does not make the next ones come in a burst', async () => {
  // Move 4 takes 100 ms (five intervals): the schedule goes on from there, so moves 5 to 10 take
  // five intervals more. A schedule that caught up would send 5 to 9 back to back, 10 soon after.
  const p = fakePage((i) => (i === 4 ? 100 : 0));
  await pacedMoves(p, { x: 0, y: 0 }, { x: 100, y: 0 }, 10, 20);
  const all = gaps(p.moves).map((v) => v.toFixed(0)).join(', ');
  assert.ok(p.moves[3].t - p.moves[2].t >= 99, `the slow move: ${all}`);
  assert.ok(p.moves[9].t - p.moves[3].t >= 99, `after the late move: ${all}`);
});

test('interval 0: one move per animation frame', async () => {
  let frames = 0;
  globalThis.requestAnimationFrame = (cb) => setTimeout(() => cb(++frames), 0);
  try {
    const p = fakePage();
    await pacedMoves(p, { x: 0, y: 0 }, { x: 100, y: 0 }, 8, 0);
    assert.equal(p.moves.length, 8);
    assert.equal(frames, 7);   // between moves, not after the last
  } finally {
    delete globalThis.requestAnimationFrame;
  }
});

test('the interval from VTKSTREAM_BENCH_MOVE_MS, checked', () => {
  assert.equal(moveIntervalMs({}), DEFAULT_MOVE_MS);
  assert.equal(moveIntervalMs({ VTKSTREAM_BENCH_MOVE_MS: '0' }), 0);
  assert.equal(moveIntervalMs({ VTKSTREAM_BENCH_MOVE_MS: '16.7' }), 16.7);
  assert.throws(() => moveIntervalMs({ VTKSTREAM_BENCH_MOVE_MS: 'fast' }), /number >= 0/);
  assert.throws(() => moveIntervalMs({ VTKSTREAM_BENCH_MOVE_MS: '-5' }), /number >= 0/);
});
