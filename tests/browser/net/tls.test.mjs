// The server with --tls-cert/--tls-key (a certificate made for this run, see inside.sh), opened
// by Chromium from the namespace's non-loopback address: the page is a secure context, so
// WebCodecs exists there, signalling runs over wss, and WebRTC still brings the picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageUrl } from '../lib/scenarios.mjs';
import { withChromium, assertWebRtcPictureAndDrag, SIZE, PATIENT } from './common.mjs';

test('chromium over https: secure context with VideoDecoder, wss signalling, WebRTC picture', { timeout: 90000 },
  async (t) => {
    const spki = process.env.VTKSTREAM_TLS_SPKI;
    assert.ok(spki, 'VTKSTREAM_TLS_SPKI is not set: run through net/run.sh tls');
    const url = pageUrl(`${SIZE}&${PATIENT}`);
    assert.match(url, /^https:\/\/198\.51\.100\.1:/, 'the server did not print an https link');
    // Chromium accepts exactly this test key (no blanket --ignore-certificate-errors).
    await withChromium(t, [`--ignore-certificate-errors-spki-list=${spki}`], async (b) => {
      await b.addInitScript(() => {
        const Native = window.WebSocket;
        window.__socketUrls = [];
        window.WebSocket = class extends Native {
          constructor(u, p) { super(u, p); window.__socketUrls.push(String(u)); }
        };
      });
      await b.goto(url);
      await assertWebRtcPictureAndDrag(t, b);
      const page = await b.evaluate(() => ({
        protocol: location.protocol, host: location.hostname, secure: window.isSecureContext,
        videoDecoder: typeof window.VideoDecoder, sockets: window.__socketUrls,
      }));
      t.diagnostic(JSON.stringify(page));
      assert.equal(page.protocol, 'https:');
      assert.equal(page.host, '198.51.100.1');
      assert.equal(page.secure, true, 'an https page from a LAN address is a secure context');
      assert.equal(page.videoDecoder, 'function', 'WebCodecs (VideoDecoder) is defined');
      assert.ok(page.sockets.length >= 1 && page.sockets.every((u) => u.startsWith('wss://198.51.100.1:')),
        `signalling went over ${page.sockets.join(', ')}`);
    });
  });
