// WebSocket video on a plain link (with-server.sh on loopback, a secure context, so WebCodecs
// exists): `?transport=ws` pins it (picture, drag, input-to-photon), and an unpinned page shows
// WebSocket video first and moves to WebRTC once WebRTC presents a frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageUrl, withBrowser } from '../lib/scenarios.mjs';
import { waitStats } from '../lib/page.mjs';
import { assertWsPictureAndDrag, W, H } from '../lib/ws_scenarios.mjs';
import { qualityScenario } from '../lib/quality.mjs';

const T = { timeout: 90000 };
const SIZE = `size=${W}x${H}`;

for (const name of ['chromium', 'firefox']) {
  test(`${name}: ?transport=ws shows WebSocket video, steers, measures input-to-photon`, T, (t) =>
    withBrowser(t, name, (b) => assertWsPictureAndDrag(t, b, pageUrl(`transport=ws&${SIZE}`))));
}

// Rungs on WebSocket video: the quality menu pins one by keyboard, the canvas gets the rung's
// smaller picture (the decoder takes the new size at the rung's keyframe), the overlay says so,
// and automatic brings the full size back.
test('chromium: the quality menu on WebSocket video pins a rung and goes back to automatic', T, (t) =>
  qualityScenario(t, 'chromium', 'ws'));

// Reconnecting and the view-only link on WebSocket video: net/one-port.test.mjs (both browsers).
test('chromium: unpinned, WebSocket video first, then WebRTC alone', T, (t) =>
  withBrowser(t, 'chromium', async (b) => {
    const t0 = Date.now();
    await b.goto(pageUrl(SIZE));
    const s = await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 20000);
    t.diagnostic(`on WebRTC after ${Date.now() - t0} ms; ${s.wsFramesDrawn} WebSocket video frames before`);
    assert.ok(s.wsFramesDrawn >= 1, 'no picture came over the WebSocket first');
    const hidden = await b.evaluate(() => document.getElementById('wsvideo').hidden);
    assert.equal(hidden, true, 'the canvas still covers the video');
    // Only one stream flows: the server counts this peer as WebRTC, not ws.
    const u = new URL(process.env.VTKSTREAM_URL);
    const m = await (await fetch(`${u.origin}/metrics?token=${u.searchParams.get('token')}`)).text();
    assert.match(m, /vtkstream_peers\{transport="ws",role="owner"\} 0\n/);
    assert.match(m, /vtkstream_peers\{transport="webrtc",role="owner"\} 1\n/);
  }));
