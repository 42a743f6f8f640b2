// Colours survive the trip: behind `videotestsrc ! vtkstreamsink` at 1280x720 (with-gst-launch.sh's
// VTKSTREAM_TESTSRC_URL, SMPTE colour bars), the picture each transport shows in the page has the
// bars' colours of the server's own raw frame (/snapshot.png), within a few levels.
//
// Why: a decoder assumes a colour matrix the stream does not carry. VP8 has none to carry and
// browsers decode it as BT.601; JPEG (JFIF) is full-range BT.601. GStreamer's videoconvert picks
// BT.709 for HD pictures and limited range for every size unless told, so without the sink's
// colorimetry caps the 720p bars arrived off by up to 33 levels over WebRTC and WebSocket video,
// and by more over MJPEG (media/encoder_factory.cpp, media/mjpeg_branch.cpp).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBrowser } from '../lib/scenarios.mjs';
import { waitStats } from '../lib/page.mjs';
import { decodePng } from '../lib/png.mjs';

const T = { timeout: 60000 };
const URL_ = process.env.VTKSTREAM_TESTSRC_URL;
// Encoding loss on a flat bar's middle was 0 to 9 levels over 40 bars in 2 browsers and 3
// transports; a wrong matrix or range put the worst bar 17 (MJPEG) to 39 (WebCodecs) levels off.
const TOLERANCE = 12;
const BARS = 7;  // the top two thirds of the SMPTE pattern: seven bars of equal width

const PICTURE = { webrtc: '#video', ws: '#wsvideo', mjpeg: '#mjpeg' };

/** Mean RGB of a 9x9 block around (fx, fy) (fractions of the picture) of an RGBA picture. */
function blockMean(pic, fx, fy) {
  const cx = Math.round(fx * pic.width), cy = Math.round(fy * pic.height);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = cy - 4; y <= cy + 4; y++) {
    for (let x = cx - 4; x <= cx + 4; x++) {
      const i = 4 * (y * pic.width + x);
      for (let k = 0; k < 3; k++) sum[k] += pic.rgba[i + k];
      n++;
    }
  }
  return sum.map((v) => Math.round(v / n));
}

/** The picture element drawn at its own size, read back as { width, height, rgba }. */
async function pagePicture(b, selector) {
  const { width, height, b64 } = await b.evaluate((sel) => {
    const el = document.querySelector(sel);
    const w = el.videoWidth || el.naturalWidth || el.width, h = el.videoHeight || el.naturalHeight || el.height;
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(el, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    let s = '';
    for (let i = 0; i < d.length; i += 8192) s += String.fromCharCode.apply(null, d.subarray(i, i + 8192));
    return { width: w, height: h, b64: btoa(s) };
  }, selector);
  return { width, height, rgba: new Uint8Array(Buffer.from(b64, 'base64')) };
}

async function serverFrame() {
  const u = new URL(URL_);
  const r = await fetch(new URL(`/snapshot.png?token=${u.searchParams.get('token')}`, u));
  assert.equal(r.status, 200, `/snapshot.png: ${r.status}`);
  return decodePng(Buffer.from(await r.arrayBuffer()));
}

async function checkColours(t, name, transport) {
  await withBrowser(t, name, async (b) => {
    const u = new URL(URL_);
    u.searchParams.set('transport', transport);
    await b.goto(u.href);
    // The page counts presented frames for video and the canvas; an MJPEG <img> has its size once
    // its first part is decoded.
    const shownCond = transport === 'mjpeg' ? '' : ' && s.framesPresented >= 3';
    await waitStats(b, `s.transport === '${transport}' && s.videoWidth === 1280${shownCond}`, 20000);
    const [shown, reference] = [await pagePicture(b, PICTURE[transport]), await serverFrame()];
    assert.equal(shown.width, reference.width);
    const worst = [];
    for (let i = 0; i < BARS; i++) {
      const fx = (i + 0.5) / BARS;
      const got = blockMean(shown, fx, 0.33), want = blockMean(reference, fx, 0.33);
      const off = Math.max(...got.map((v, k) => Math.abs(v - want[k])));
      worst.push(off);
      t.diagnostic(`bar ${i}: page ${got} server ${want} (off by ${off})`);
    }
    assert.ok(Math.max(...worst) <= TOLERANCE,
              `${transport}: the bars' colours are off by up to ${Math.max(...worst)} levels (at most ${TOLERANCE})`);
  }, { width: 1280, height: 720 });
}

for (const name of ['chromium', 'firefox']) {
  for (const transport of ['webrtc', 'ws', 'mjpeg']) {
    test(`${name}: ${transport} shows the server's colours at 1280x720`, T, (t) => checkColours(t, name, transport));
  }
}
