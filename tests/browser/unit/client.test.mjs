// Unit tests of the web client's pure modules (no browser, no server): letterbox mapping,
// render-size choice, key names, and input-to-photon matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containRect, fitLimit, normalize, renderSize } from '../../../web/js/geometry.js';
import { keysym, modifiers } from '../../../web/js/keys.js';
import { LatencyTracker, percentile } from '../../../web/js/latency.js';
import { staysLocal, isFullscreenKey } from '../../../web/js/shortcuts.js';
import { createServer } from 'node:http';
import { pngSize, savePicture } from '../../../web/js/save.js';

test('a wide picture in a tall box is letterboxed top and bottom', () => {
  const r = containRect({ left: 0, top: 0, width: 400, height: 400 }, 1280, 720);
  assert.deepEqual(r, { left: 0, top: 87.5, width: 400, height: 225 });
  // The picture's corners map to 0 and 1; the black bars clamp.
  assert.deepEqual(normalize(0, 87.5, r), { x: 0, y: 0 });
  assert.deepEqual(normalize(400, 312.5, r), { x: 1, y: 1 });
  assert.deepEqual(normalize(200, 10, r), { x: 0.5, y: 0 });
});

test('a tall picture in a wide box is pillarboxed', () => {
  const r = containRect({ left: 10, top: 20, width: 800, height: 400 }, 300, 600);
  assert.deepEqual(r, { left: 310, top: 20, width: 200, height: 400 });
  assert.deepEqual(normalize(410, 220, r), { x: 0.5, y: 0.5 });
});

test('an unknown picture size uses the element box', () => {
  const box = { left: 0, top: 0, width: 100, height: 50 };
  assert.equal(containRect(box, 0, 0), box);
});

test('render size: device pixels, capped with the aspect kept, even', () => {
  assert.deepEqual(renderSize(640, 360, 1), { w: 640, h: 360 });
  assert.deepEqual(renderSize(1001, 501, 1), { w: 1000, h: 500 });
  assert.deepEqual(renderSize(1280, 720, 2), { w: 1920, h: 1080 });
  assert.deepEqual(renderSize(2000, 500, 1), { w: 1920, h: 480 });
  assert.equal(renderSize(0, 100, 1), null);
});

test('a fixed size is kept within the server\'s resize limit, aspect kept', () => {
  assert.deepEqual(fitLimit({ w: 801, h: 601 }, 4096), { w: 801, h: 601 });  // fits: as asked
  assert.deepEqual(fitLimit({ w: 8192, h: 4096 }, 4096), { w: 4096, h: 2048 });
  assert.deepEqual(fitLimit({ w: 1000, h: 5000 }, 4096), { w: 818, h: 4096 });
  assert.deepEqual(fitLimit({ w: 5000, h: 5000 }, null), { w: 5000, h: 5000 });  // no welcome yet
  // ?size=8000x10: scaled alone the short side would be 4, which the server refuses.
  assert.deepEqual(fitLimit({ w: 8000, h: 10 }, 4096), { w: 4096, h: 16 });
  assert.deepEqual(fitLimit({ w: 10, h: 8000 }, 4096), { w: 16, h: 4096 });
});

test('keys get X11 keysym names', () => {
  const k = (key, code = '') => keysym({ key, code });
  assert.equal(k('r', 'KeyR'), 'r');
  assert.equal(k('R', 'KeyR'), 'R');
  assert.equal(k('ArrowLeft'), 'Left');
  assert.equal(k('Shift', 'ShiftLeft'), 'Shift_L');
  assert.equal(k('Control', 'ControlRight'), 'Control_R');
  assert.equal(k('+'), 'plus');
  assert.equal(k(' '), 'space');
  assert.equal(k('PageDown'), 'Next');
  assert.equal(k('F5'), 'F5');
  assert.equal(k('é'), 'U00E9');
  assert.equal(k('Dead'), null);
  assert.equal(modifiers({ shiftKey: true, altKey: true }), 5);
});

test('percentile picks the nearest rank', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 95), 4);
  assert.equal(percentile([], 50), null);
});

test('latency: frame message first, then the frame with that RTP timestamp', () => {
  const l = new LatencyTracker();
  l.sent(1, 100);
  l.sent(2, 110);
  l.sent(3, 200);
  l.frame(2, 9000, 130);
  assert.equal(l.summary().n, 0);
  l.presentedFrame(9000, 140);
  // Inputs 1 and 2 became visible at 140; input 3 is still waiting.
  assert.deepEqual(l.samples, [40, 30]);
  assert.equal(l.summary().pending, 1);
  assert.equal(l.summary().approx, false);
});

test('latency: the frame can be presented before its message arrives', () => {
  const l = new LatencyTracker();
  l.sent(1, 100);
  l.presentedFrame(4000, 120);
  l.frame(1, 4000, 125);
  assert.deepEqual(l.samples, [20]);
});

test('latency: a skipped frame is answered by the next one presented, across RTP wrap', () => {
  const l = new LatencyTracker();
  l.sent(1, 0);
  l.frame(1, 2 ** 32 - 100, 10);
  l.presentedFrame(50, 30);   // wrapped past the announced timestamp
  assert.deepEqual(l.samples, [30]);
});

test('latency without rtpTimestamp: the first frame presented after the message', () => {
  const l = new LatencyTracker();
  l.presentedFrame(undefined, 5);
  l.sent(1, 100);
  l.frame(1, 7000, 120);
  l.presentedFrame(undefined, 135);
  assert.deepEqual(l.samples, [35]);
  assert.equal(l.summary().approx, true);
});

test('latency over MJPEG: message arrival', () => {
  const l = new LatencyTracker();
  l.sent(4, 10);
  l.frame(4, undefined, 50, true);
  assert.deepEqual(l.samples, [40]);
});

test('latency: an input nobody answers for 2 s expires instead of counting', () => {
  const l = new LatencyTracker();
  l.sent(1, 0);
  l.sent(2, 2500);
  assert.equal(l.summary().expired, 1);
  l.frame(2, 1, 2520);
  l.presentedFrame(1, 2530);
  assert.deepEqual(l.samples, [30]);
});

test('latency: an echo without `rtp` is answered by the next presented frame', () => {
  const l = new LatencyTracker();
  l.presentedFrame(1000, 5);    // this browser gives rtpTimestamp
  l.sent(1, 100);
  l.frame(1, undefined, 120);
  l.presentedFrame(4000, 140);
  assert.deepEqual(l.samples, [40]);
  assert.equal(l.summary().approx, true);
});

test('control indicator: what each role sees and may do', async () => {
  const { describeControl } = await import('../../../web/js/control.js');
  const labels = (d) => d.buttons.map((b) => b.action);
  let d = describeControl({ controller: 2, you: false, role: 'viewer', requests: [] }, 5);
  assert.match(d.text, /view only/);
  assert.deepEqual(labels(d), ['request']);
  assert.equal(d.viewOnly, true);
  d = describeControl({ controller: 2, you: false, role: 'viewer', requests: [5] }, 5);
  assert.deepEqual(labels(d), ['release']);   // cancels the request
  d = describeControl({ controller: 2, you: true, role: 'owner', requests: [5] }, 2);
  assert.deepEqual(labels(d), ['grant', 'release']);
  assert.equal(d.buttons[0].peer, 5);
  d = describeControl({ controller: 5, you: false, role: 'owner', requests: [] }, 2);
  assert.deepEqual(labels(d), ['take']);
  assert.equal(d.viewOnly, false);
  d = describeControl({ controller: 5, you: true, role: 'viewer', requests: [] }, 5);
  assert.equal(d.viewOnly, false);
  assert.deepEqual(labels(d), ['release']);
});

// The page's own keys and the saved picture's header (issue 13).

test('Tab, Escape, the overlay key and Alt+Enter stay in the page; everything else goes to VTK', () => {
  const k = (key, code = '', mods = {}) => ({ key, code, ctrlKey: false, altKey: false, metaKey: false, shiftKey: false, ...mods });
  assert.ok(staysLocal(k('Tab', 'Tab')));
  assert.ok(staysLocal(k('Tab', 'Tab', { shiftKey: true })));   // Shift+Tab goes back
  assert.ok(staysLocal(k('Escape', 'Escape')));
  assert.ok(staysLocal(k('`', 'Backquote')));
  assert.ok(staysLocal(k('Enter', 'Enter', { altKey: true })));
  assert.ok(isFullscreenKey(k('Enter', 'Enter', { altKey: true })));
  assert.ok(!staysLocal(k('Enter', 'Enter')));
  assert.ok(!staysLocal(k('r', 'KeyR')));
  assert.ok(!staysLocal(k('Tab', 'Tab', { ctrlKey: true })));  // Ctrl+Tab: the browser's, never prevented
});

test('pngSize reads IHDR and refuses what is not a PNG', () => {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, 1920);
  new DataView(b.buffer).setUint32(20, 1080);
  assert.deepEqual(pngSize(b.buffer), { width: 1920, height: 1080 });
  b[0] = 0xff;
  assert.equal(pngSize(b.buffer), null);
  assert.equal(pngSize(new ArrayBuffer(4)), null);
});

test('pngSize gives null, not an exception, for a header cut short (8 to 23 bytes)', () => {
  const full = new Uint8Array(24);
  full.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(full.buffer).setUint32(16, 640);
  new DataView(full.buffer).setUint32(20, 480);
  for (let n = 0; n <= 23; ++n) assert.equal(pngSize(full.slice(0, n).buffer), null, `${n} bytes`);
  assert.deepEqual(pngSize(full.buffer), { width: 640, height: 480 });
  assert.equal(pngSize(full.subarray(0, 20)), null);  // a view shorter than its buffer
});

test('savePicture gives up with a clear message when the server never answers', async () => {
  // A real server on loopback that accepts the request and never responds.
  const held = [];
  const server = createServer((req, res) => held.push(res));
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const t0 = Date.now();
    const r = await savePicture(`http://127.0.0.1:${server.address().port}/snapshot.png`, { timeoutMs: 300 });
    assert.equal(r.status, 'error');
    assert.match(r.message, /did not send the picture within/);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(held.length, 1);
  } finally {
    for (const res of held) res.destroy();
    server.close();
  }
});
