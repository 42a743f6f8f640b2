// TURN, verified: a coturn of the test's own (coturn.sh) is given to the server with --turn; the
// page, forced to relay (?relay=1), must stream through it: the selected candidate pair is a relay
// one, and coturn's log shows the allocation and the permission for the server's address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pageUrl } from '../lib/scenarios.mjs';
import { withChromium, assertWebRtcPictureAndDrag, SIZE, PATIENT } from './common.mjs';

test('chromium with ?relay=1 streams through the TURN server given with --turn', { timeout: 90000 }, async (t) => {
  const log = process.env.VTKSTREAM_TURN_LOG;
  assert.ok(log && process.env.VTKSTREAM_TURN_URL, 'no TURN server: run through net/run.sh turn');
  await withChromium(t, [], async (b) => {
    await b.goto(pageUrl(`${SIZE}&relay=1&${PATIENT}`));
    const rtc = await assertWebRtcPictureAndDrag(t, b);
    const config = await b.evaluate(() => window.vtkstream.stats());
    assert.ok(rtc.route, `no selected candidate pair in getStats (${JSON.stringify(config)})`);
    assert.equal(rtc.route.local, 'relay', `the media does not go through the relay: ${JSON.stringify(rtc.route)}`);
  });
  const text = readFileSync(log, 'utf8');
  const user = new URL(process.env.VTKSTREAM_TURN_URL.replace(/^turn:\/\//, 'http://')).username;
  assert.match(text, new RegExp(`username=<${user}>`), 'coturn saw no session with the test user');
  assert.match(text, /ALLOCATE processed, success/, 'coturn made no allocation');
});
