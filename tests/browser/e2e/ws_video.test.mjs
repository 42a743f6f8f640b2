// WebSocket video on a plain link (with-server.sh on loopback, a secure context, so WebCodecs
// exists): `?transport=ws` pins it (picture, drag, input-to-photon, reconnect, view-only), and an
// unpinned page shows WebSocket video first and moves to WebRTC once WebRTC presents a frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageUrl, withBrowser } from '../lib/scenarios.mjs';
import { waitStats } from '../lib/page.mjs';
import { assertWsPictureAndDrag, assertWsReconnects, assertWsViewOnly, keepSockets, W, H } from '../lib/ws_scenarios.mjs';

const T = { timeout: 90000 };
const SIZE = `size=${W}x${H}`;

for (const name of ['chromium', 'firefox']) {
  test(`${name}: ?transport=ws shows WebSocket video, steers, measures input-to-photon, reconnects`, T, (t) =>
    withBrowser(t, name, async (b) => {
      await keepSockets(b);
      await assertWsPictureAndDrag(t, b, pageUrl(`transport=ws&${SIZE}`));
      await assertWsReconnects(t, b);
    }));

  test(`${name}: unpinned, WebSocket video first, then WebRTC alone`, T, (t) =>
    withBrowser(t, name, async (b) => {
      const t0 = Date.now();
      await b.goto(pageUrl(SIZE));
      const s = await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 20000);
      t.diagnostic(`on WebRTC after ${Date.now() - t0} ms; ${s.wsFramesDrawn} WebSocket video frames before`);
      assert.ok(s.wsFramesDrawn >= 1, 'no picture came over the WebSocket first');
      const hidden = await b.evaluate(() => document.getElementById('wsvideo').hidden);
      assert.equal(hidden, true, 'the canvas still covers the video');
      // Only one stream flows: the server counts this peer as WebRTC, not ws.
      const h = await (await fetch(new URL('/metrics', process.env.VTKSTREAM_URL).href +
                                   `?token=${new URL(process.env.VTKSTREAM_URL).searchParams.get('token')}`)).text();
      assert.match(h, /vtkstream_peers\{transport="ws",role="owner"\} 0\n/);
      assert.match(h, /vtkstream_peers\{transport="webrtc",role="owner"\} 1\n/);
    }));

  test(`${name}: a view-only link on WebSocket video watches and cannot steer`, T, (t) => {
    const link = process.env.VTKSTREAM_VIEW_URL;
    if (!link) return t.skip('VTKSTREAM_VIEW_URL is not set (server without tokens)');
    return withBrowser(t, name, (b) => assertWsViewOnly(t, b, pageUrl(`transport=ws&${SIZE}`, link)));
  });
}
