// Only the server's HTTPS port open (nftables, see inside.sh), as behind a one-port tunnel, with
// the page from the namespace's LAN address over TLS (a certificate made for this run): WebRTC
// cannot connect (no UDP, ICE-TCP's ports closed), so the page shows WebSocket video from the
// start and stays on it when WebRTC gives up; drags steer, input-to-photon is measured, a dropped
// WebSocket reconnects to WebSocket video, and a view-only link watches without steering.
// Chromium and Firefox ESR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pageUrl, withBrowser } from '../lib/scenarios.mjs';
import { waitStats } from '../lib/page.mjs';
import { assertWsPictureAndDrag, assertWsReconnects, assertWsViewOnly, keepSockets, W, H } from '../lib/ws_scenarios.mjs';

const SIZE = `size=${W}x${H}`;

function launchOpts(name) {
  const spki = process.env.VTKSTREAM_TLS_SPKI;
  assert.ok(spki, 'VTKSTREAM_TLS_SPKI is not set: run through net/run.sh one-port');
  // Each browser accepts this run's certificate only (Chromium: exactly its key).
  return name === 'chromium' ? { width: W, height: H, args: [`--ignore-certificate-errors-spki-list=${spki}`] }
                             : { width: W, height: H, acceptInsecureCerts: true };
}

function dropped() {
  const out = execFileSync('nft', ['list', 'table', 'inet', 'vtkstream_test'], { encoding: 'utf8' });
  const counts = [...out.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
  return { udp: counts[0], tcp: counts[1], out };
}

for (const name of ['chromium', 'firefox']) {
  test(`${name} behind one open HTTPS port: WebSocket video at once, steerable, reconnects; view-only link`,
    { timeout: 120000 }, (t) => withBrowser(t, name, async (b) => {
      const url = pageUrl(SIZE);
      assert.match(url, /^https:\/\/198\.51\.100\.1:8000\//, 'the server did not print an https LAN link');
      await keepSockets(b);
      const { first } = await assertWsPictureAndDrag(t, b, url);
      // WebRTC gives up (3 s): the page tells the server and stays on WebSocket video.
      const s = await waitStats(b, "s.transport === 'ws' && s.rtcState === null", 15000);
      const secure = await b.evaluate(() => [location.protocol, window.isSecureContext]);
      assert.deepEqual(secure, ['https:', true]);
      t.diagnostic(`first picture ${first} ms; WebRTC dropped, still on ws; ${s.wsFramesDrawn} frames drawn`);
      await assertWsReconnects(t, b);
      const d = dropped();
      t.diagnostic(`dropped so far: udp ${d.udp}, tcp ${d.tcp}`);
      assert.ok(d.udp > 0 || d.tcp > 0, `WebRTC never tried past the rule:\n${d.out}`);
      // The same browser opens the view-only link (the control-link page is left, so nobody steers).
      const link = process.env.VTKSTREAM_VIEW_URL;
      assert.ok(link, 'VTKSTREAM_VIEW_URL is not set (server without tokens)');
      await assertWsViewOnly(t, b, pageUrl(SIZE, link));
    }, launchOpts(name)));
}
