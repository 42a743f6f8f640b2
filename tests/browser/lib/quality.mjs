// The quality menu (issue 9, item 5): pinning a rung from the menu, by keyboard only, changes the
// size of the video the browser receives and the overlay says which rung it is; "automatic" gives
// the full size back on an unconstrained link. Against the server of with-server.sh (raw input
// from the renderer: a ladder of three rungs). `transport` 'ws' runs it on WebSocket video
// (?transport=ws; loopback is a secure context, so WebCodecs exists): the size is the canvas's.
// On the pinned lower rung a drag ends with the crisp full-size still (crisp_still.mjs), and on
// the top rung too, at 40 dB or more (issue 9's unconstrained still).
import assert from 'node:assert/strict';
import { pageUrl, withBrowser } from './scenarios.mjs';
import { waitStats } from './page.mjs';
import { expectCrispStill } from './crisp_still.mjs';

const W = 640;
const H = 360;

/** Opens the menu from its button with Enter and moves to the item `id` with the arrow keys. */
async function chooseByKeyboard(b, id) {
  await b.page.focus('#menu-button');
  await b.keyboard.press('Enter');
  const ids = await b.evaluate(() => [...document.querySelectorAll('#menu [role^="menuitem"]')].map((e) => e.id));
  const at = ids.indexOf(`menu-${id}`);
  assert.ok(at >= 0, `no menu item ${id} in ${ids.join(', ')}`);
  for (let i = 0; i < at; i++) await b.keyboard.press('ArrowDown');
  const focused = await b.evaluate(() => document.activeElement && document.activeElement.id);
  assert.equal(focused, `menu-${id}`, 'the arrows did not reach the item');
  await b.keyboard.press('Enter');
}

// The overlay redraws twice a second; showing it again redraws it now, from the latest stats.
/** /healthz with the page's token cookie. */
const health = (b) => b.evaluate(async () => (await fetch('healthz')).json());

const overlayText = (b) => b.evaluate(() => {
  window.vtkstream.toggleOverlay(true);
  return document.getElementById('overlay').textContent;
});

export async function qualityScenario(t, name, transport = 'webrtc') {
  await withBrowser(t, name, async (b) => {
    const ws = transport === 'ws';
    await b.goto(pageUrl(`size=${W}x${H}&rtc_timeout=20000${ws ? '&transport=ws' : ''}`));
    // Connected at the full size, and the server has said which rungs there are.
    const connected = ws ? "s.transport === 'ws'" : "s.rtcState === 'connected'";
    await waitStats(b, `${connected} && s.videoHeight === ${H} && s.rungs === 3 && s.rung === 0`, 20000);
    const roles = await b.evaluate(() => document.getElementById('menu-quality-2').getAttribute('role'));
    assert.equal(roles, 'menuitemradio');
    await b.evaluate(() => window.vtkstream.toggleOverlay(true));

    // Pin the lowest rung (at most 240 lines).
    const t0 = Date.now();
    await chooseByKeyboard(b, 'quality-2');
    const low = await waitStats(b, 's.videoHeight === 240 && s.rung === 2 && s.rungPinned === true', 15000);
    t.diagnostic(`pinned rung 2: ${low.videoWidth}x${low.videoHeight} after ${Date.now() - t0} ms`);
    assert.ok(Math.abs(low.videoWidth - Math.round((W * 240) / H)) <= 1, `aspect lost: ${low.videoWidth}x240`);
    await waitStats(b, 's.framesPresented > 0', 1000);
    const text = await overlayText(b);
    t.diagnostic(text.split('\n').filter((l) => /rung|render|estimate/.test(l)).join(' | '));
    assert.match(text, new RegExp(`rung\\s+2 of 3: ${low.videoWidth}×240 .*\\(pinned\\)`));
    assert.match(text, new RegExp(`render\\s+${W}×${H}`), 'the overlay does not show the render size');
    assert.match(text, /estimate\s+\d+ kbit\/s/, 'the overlay does not show the estimated bandwidth');
    // The server encodes the lower rung for this viewer, within the rung's range.
    const h = await health(b);
    t.diagnostic(`healthz: rung_encodes ${h.rung_encodes} viewers ${JSON.stringify(h.viewers)}`);
    assert.equal(h.rung_encodes, 1, 'the 240-line rung is not being encoded');
    assert.equal(h.viewers[0].rung, 2);
    assert.equal(h.viewers[0].transport, transport);
    assert.ok(h.viewers[0].rung_kbps > 0 && h.viewers[0].rung_kbps <= 400, `rung 2 at ${h.viewers[0].rung_kbps} kbit/s`);
    // On that rung a drag ends with the full-size still over the small video (crisp_still.mjs).
    await expectCrispStill(t, b, { width: W, height: H });

    // Back to automatic: an unconstrained link goes back to the full size.
    await chooseByKeyboard(b, 'quality-auto');
    const back = await waitStats(b, `s.videoHeight === ${H} && s.rung === 0 && s.rungPinned === false`, 15000);
    t.diagnostic(`automatic: ${back.videoWidth}x${back.videoHeight}`);
    assert.match(await overlayText(b), /rung\s+0 of 3: .*\(auto\)/);
    assert.equal(await b.evaluate(() => document.getElementById('still').hidden), true, 'a still outlived the rung');
    // Nobody needs the lower rung any more: it went when the move completed, which is before the
    // server could say rung 0.
    assert.equal((await health(b)).rung_encodes, 0, 'the 240-line rung is still encoded');
    // The top rung gets the image too. Which one depends on the viewer's pace: the lossless one
    // is the renderer's exact pixels (the PNG decoder's rounding aside); the lossy one is 41.1-41.5
    // dB on the benchmark's 1280x720 mesh (issue 9's 40 dB), but this small demo scene's
    // saturated edges give it 39.1-39.6 dB at 640x360 (docs/performance.md "The unconstrained
    // still at 40 dB"), so 38.5 here: a picture that is not this still would be far below.
    await expectCrispStill(t, b, { width: W, height: H, lowerRung: false, minDb: 38.5, minDbLossless: 50 });
  });
}
