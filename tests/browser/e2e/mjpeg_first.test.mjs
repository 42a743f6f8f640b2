// MJPEG's first picture (plugins/vtkstreamsink/media/mjpeg_branch.h): a new MJPEG stream starts
// with a small picture, at most 640 wide, so it crosses a weak link quickly, and the pictures
// after it have the full size. A node client (no browser): hello with transport mjpeg on the
// WebSocket, then the welcome's /mjpeg stream read part by part, each JPEG's size from its frame
// header. The server (with-server.sh) renders 1280x720.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../lib/ws_video_client.mjs';
import { waitHealth } from '../lib/scenarios.mjs';

const URL_ = process.env.VTKSTREAM_URL;

/** Width and height from a baseline or progressive JPEG's SOF marker. */
function jpegSize(b) {
  for (let i = 2; i + 9 < b.length;) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    const len = b.readUInt16BE(i + 2);
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) return { w: b.readUInt16BE(i + 7), h: b.readUInt16BE(i + 5) };
    i += 2 + len;
  }
  return null;
}

/** The first `n` JPEG parts of a multipart/x-mixed-replace stream (by their Content-Length). */
async function readParts(url, n) {
  const abort = new AbortController();
  const r = await fetch(url, { signal: abort.signal });
  assert.equal(r.status, 200);
  const reader = r.body.getReader();
  let buf = Buffer.alloc(0);
  const parts = [];
  try {
    while (parts.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf = Buffer.concat([buf, value]);
      for (;;) {
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0) break;
        const m = /Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString('latin1'));
        assert.ok(m, `a part without Content-Length: ${buf.subarray(0, head).toString('latin1')}`);
        const end = head + 4 + Number(m[1]);
        if (buf.length < end) break;
        parts.push(buf.subarray(head + 4, end));
        buf = buf.subarray(end);
      }
    }
  } finally {
    abort.abort();
  }
  return parts;
}

test('mjpeg: a new stream starts with a small picture, then the full size', { timeout: 60000 }, async () => {
  const c = await connect(URL_, { transport: 'mjpeg' });
  try {
    const welcome = c.texts.find((m) => m.type === 'welcome');
    assert.ok(welcome.mjpeg, 'the welcome names the MJPEG stream');
    const u = new URL(welcome.mjpeg.replace(/^\/+/, ''), URL_);
    u.searchParams.set('token', new URL(URL_).searchParams.get('token'));
    // The tests before this one (same server) leave the renderer at their windows' sizes, some
    // 640x360: ask for 1280x720 (this client controls: nobody else is connected), so the full
    // size is larger than the small first picture. A client without a picture gets no `frame`
    // echo, so /healthz says when the renderer draws that size.
    c.send({ type: 'input', t: 'rs', w: 1280, h: 720 });
    const health = await waitHealth((h) => h.width === 1280 && h.height === 720, 10000, 'the renderer at 1280x720');
    const parts = await readParts(u.href, 2);
    assert.equal(parts.length, 2, 'two pictures');
    const [first, second] = parts.map(jpegSize);
    assert.ok(health.width > 640, `the renderer draws ${health.width}x${health.height}: wider than the small first picture`);
    assert.ok(first && first.w <= 640, `first picture ${JSON.stringify(first)} (${parts[0].length} B): at most 640 wide`);
    assert.equal(second.w, health.width, `second picture ${JSON.stringify(second)}: the full size`);
    assert.ok(Math.abs(first.w / first.h - second.w / second.h) < 0.02, 'the same aspect');
    assert.ok(parts[0].length < parts[1].length, `first ${parts[0].length} B, second ${parts[1].length} B`);
  } finally {
    c.close();
  }
});
