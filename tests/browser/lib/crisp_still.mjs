// The crisp still (web/js/still.js, docs/protocol.md "The crisp still over HTTP"): after a drag,
// a viewer lays the renderer's full-size still over its video, in the video's own box, with the
// renderer's pixels (the server's /snapshot.png: within 35 dB RGB PSNR on a lower rung, issue 9's
// goal behind 500 kbit/s; 40 dB on the top rung, its goal unconstrained, which the video's own
// 4:2:0 still misses), and drops it as soon as its next input moves the picture on.
import assert from 'node:assert/strict';
import { waitStats, drag } from './page.mjs';
import { decodePng } from './png.mjs';

/** RGB PSNR in dB of two { width, height, rgba } pictures of the same size. */
export function psnrRgb(a, b) {
  assert.deepEqual([a.width, a.height], [b.width, b.height], 'the pictures differ in size');
  let se = 0;
  for (let i = 0; i < a.rgba.length; i += 4) {
    for (let k = 0; k < 3; k++) se += (a.rgba[i + k] - b.rgba[i + k]) ** 2;
  }
  const mse = se / (3 * a.width * a.height);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

// In the page: the still's pixels (PNG data URL), its box and the video's, and /snapshot.png
// (base64) fetched with the page's token cookie.
const READ = async () => {
  const i = document.getElementById('still');
  const c = document.createElement('canvas');
  c.width = i.naturalWidth;
  c.height = i.naturalHeight;
  c.getContext('2d').drawImage(i, 0, 0);
  const r = await fetch('snapshot.png', { cache: 'no-store' });
  const bytes = new Uint8Array(await r.arrayBuffer());
  let bin = '';
  for (let k = 0; k < bytes.length; k += 0x8000) bin += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  const box = (e) => { const b = e.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; };
  return { still: c.toDataURL('image/png'), snapshot: btoa(bin), snapStatus: r.status,
           stillBox: box(i), videoBox: box(document.getElementById('video')) };
};

// In the page: resolves once the still is hidden (checked every animation frame), or rejects.
const WAIT_HIDDEN = (timeoutMs) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  const tick = () => {
    if (document.getElementById('still').hidden) return resolve(performance.now() - t0);
    if (performance.now() - t0 > timeoutMs) return reject(new Error('the still stayed over the moving picture'));
    requestAnimationFrame(tick);
  };
  tick();
});

/**
 * Drags on the picture and checks the crisp still that follows: full size (width x height), over
 * the video in its box, the renderer's pixels (at least `minDb`, `minDbLossless` for the lossless
 * image); then a second drag hides it.
 * `lowerRung`: the viewer is on a lower rung (its video is smaller), else on the top rung.
 */
export async function expectCrispStill(t, b, { width, height, lowerRung = true, minDb = 35, minDbLossless = minDb }) {
  const before = await b.evaluate(() => (window.vtkstream.stats().still || { id: 0 }).id);
  const c = await b.evaluate(() => {
    const r = document.getElementById('stage').getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  });
  const t0 = Date.now();
  await drag(b, { x: c.x - 100, y: c.y }, { x: c.x + 100, y: c.y + 20 }, 20);
  const s = await waitStats(b, `s.still && s.still.visible && s.still.id > ${before}`, 15000);
  t.diagnostic(`crisp still ${s.still.id}: ${s.still.width}x${s.still.height} shown ${Date.now() - t0} ms after the ` +
               `drag began, ${(s.still.shownAt - s.still.announcedAt).toFixed(0)} ms after its message; ` +
               `video ${s.videoWidth}x${s.videoHeight}`);
  assert.deepEqual([s.still.width, s.still.height], [width, height], 'the still is not full size');
  if (lowerRung) assert.ok(s.videoHeight < height, 'the video is full size too: this viewer is not on a lower rung');
  else assert.equal(s.rung, 0, 'this viewer is not on the top rung');
  const r = await b.evaluate(READ);
  assert.equal(r.snapStatus, 200);
  assert.deepEqual(r.stillBox, r.videoBox, 'the still is not in the video\'s box');
  const shown = decodePng(Buffer.from(r.still.slice(r.still.indexOf(',') + 1), 'base64'));
  const ref = decodePng(Buffer.from(r.snapshot, 'base64'));
  const db = psnrRgb(shown, ref);
  t.diagnostic(`crisp still (${s.still.lossless ? 'lossless' : 'lossy'}) against /snapshot.png: ${db.toFixed(1)} dB RGB PSNR`);
  const need = s.still.lossless ? minDbLossless : minDb;
  assert.ok(db >= need, `the still shown is not the renderer's picture within ${need} dB: ${db.toFixed(1)} dB`);
  const overlay = await b.evaluate(() => {
    window.vtkstream.toggleOverlay(true);
    return document.getElementById('overlay').textContent;
  });
  assert.match(overlay, new RegExp(`still\\s+crisp ${width}×${height} shown`), 'the overlay does not say so');

  // The next input moves the picture: the still goes at the first video frame after it.
  const hidden = b.evaluate(WAIT_HIDDEN, 10000);
  await drag(b, { x: c.x + 100, y: c.y }, { x: c.x - 100, y: c.y - 20 }, 20);
  t.diagnostic(`hidden ${(await hidden).toFixed(0)} ms after the second drag began`);
}
