// Only the server's HTTPS port open (nftables on the server's side, see inside.sh), as behind a
// one-port tunnel, with the browser in a namespace of its own across a link (netns2.sh) and the
// page from the server's address over TLS (a certificate made for this run): WebRTC cannot
// connect (no UDP, ICE-TCP's ports closed), so the page shows WebSocket video from the start and
// stays on it when WebRTC gives up; drags steer, input-to-photon is measured, a dropped WebSocket
// reconnects to WebSocket video, and a view-only link watches without steering. The page's code
// comes in one module where the build bundled it (one TLS handshake, not one per module), gzipped.
// Chromium and Firefox ESR (driven across the link through netns-firefox.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** Packets the server's side dropped so far, per protocol (both chains). */
function dropped() {
  const out = execFileSync('nft', ['list', 'table', 'inet', 'vtkstream_test'], { encoding: 'utf8' });
  const sum = (proto) => [...out.matchAll(new RegExp(`l4proto ${proto} counter packets (\\d+)`, 'g'))]
    .reduce((n, m) => n + Number(m[1]), 0);
  return { udp: sum('udp'), tcp: sum('tcp'), out };
}

// The build's bundle (scripts/bundle_web.py) is what the server hands out when it exists.
const BUNDLED = existsSync(`${process.env.VTKSTREAM_BUILD_DIR || ''}/web/js/main.js`);

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
      const js = await b.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.startsWith('/js/'))
        .map((e) => ({ sent: e.encodedBodySize, size: e.decodedBodySize })));
      t.diagnostic(`${js.length} JS module requests (${BUNDLED ? 'bundled build' : 'web/ as it is'}): ` +
                   js.map((e) => `${e.sent} bytes sent for ${e.size}`).join(', '));
      if (BUNDLED) {
        assert.equal(js.length, 1, 'the page fetched its modules one by one, not the bundle');
        // The build's gzip twin went out (Content-Encoding: gzip), not the 42 KB module itself.
        assert.ok(js[0].sent > 0 && js[0].sent < js[0].size / 2, `the module was not sent compressed: ${JSON.stringify(js[0])}`);
      }
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
