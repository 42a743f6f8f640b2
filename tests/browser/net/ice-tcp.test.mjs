// With every UDP datagram dropped (nftables, see inside.sh), WebRTC still connects in Chromium,
// over ICE-TCP, within the page's default deadline: the MJPEG fallback is not needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pageUrl } from '../lib/scenarios.mjs';
import { withChromium, assertWebRtcPictureAndDrag, SIZE } from './common.mjs';

/** Packets the drop rule has counted so far. */
function droppedUdp() {
  const out = execFileSync('nft', ['list', 'table', 'inet', 'vtkstream_test'], { encoding: 'utf8' });
  const m = /meta l4proto udp counter packets (\d+)/.exec(out);
  assert.ok(m, `no drop rule in the namespace:\n${out}`);
  return Number(m[1]);
}

test('chromium gets WebRTC over ICE-TCP when UDP is dropped', { timeout: 90000 }, async (t) => {
  await withChromium(t, [], async (b) => {
    await b.goto(pageUrl(SIZE));
    const rtc = await assertWebRtcPictureAndDrag(t, b);
    assert.ok(rtc.route, 'no selected candidate pair in getStats');
    assert.equal(rtc.route.protocol, 'tcp', `the media does not go over TCP: ${JSON.stringify(rtc.route)}`);
  });
  // The rule was in the way: ICE tried UDP and every datagram was dropped.
  const dropped = droppedUdp();
  t.diagnostic(`${dropped} UDP packets dropped`);
  assert.ok(dropped > 0, 'no UDP packet was dropped: the test did not block UDP');
});
