// The idle warning (docs/protocol.md `idle-warning` / `stay`) against a sink with a 6 s idle
// timeout (with-gst-launch.sh, VTKSTREAM_IDLE_URL): the page shows the warning with a Stay button
// that has focus, Stay keeps the session for a whole new quiet spell, and without it the session
// ends. Chromium and Firefox ESR.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBrowser } from '../lib/scenarios.mjs';
import { waitStats } from '../lib/page.mjs';

const T = { timeout: 60000 };

async function idleScenario(t, name) {
  const url = process.env.VTKSTREAM_IDLE_URL;
  assert.ok(url, 'VTKSTREAM_IDLE_URL is not set: run through tests/browser/run.sh');
  await withBrowser(t, name, async (b) => {
    // MJPEG: the warning does not depend on the transport, and no WebRTC set-up delays the start.
    const u = new URL(url);
    u.searchParams.set('transport', 'mjpeg');
    await b.goto(u.href);
    await waitStats(b, "s.phase === 'session' && s.transport === 'mjpeg'", 15000);
    const first = await waitStats(b, 's.idleWarning !== null', 10000);
    t.diagnostic(`warning: ${first.idleWarning} s left`);
    assert.ok(first.idleWarning >= 1 && first.idleWarning <= 3, `seconds left ${first.idleWarning}`);
    const ui = await b.evaluate(() => ({
      visible: !document.getElementById('idle').hidden,
      text: document.getElementById('idle-text').textContent,
      focus: document.activeElement && document.activeElement.id,
      said: document.getElementById('announce').textContent,
    }));
    t.diagnostic(JSON.stringify(ui));
    assert.ok(ui.visible);
    assert.match(ui.text, /ends in \d+ s/);
    assert.equal(ui.focus, 'idle-stay', 'the Stay button should have focus (Enter answers)');
    assert.match(ui.said, /session ends/);
    // Stay, by keyboard: the warning goes and the server starts a new quiet spell.
    const t0 = Date.now();
    await b.keyboard.press('Enter');
    await waitStats(b, 's.idleWarning === null', 2000);
    const second = await waitStats(b, 's.idleWarning !== null', 10000);
    const spell = Date.now() - t0;
    t.diagnostic(`next warning ${spell} ms after Stay`);
    assert.equal(second.ended, false);
    assert.equal(second.phase, 'session');
    assert.ok(spell >= 2500, `the warning came back after ${spell} ms: Stay did not reset the idle timer`);
    // No answer this time: the server ends the session and the page says so.
    const end = await waitStats(b, 's.ended', 10000);
    assert.equal(end.idleWarning, null);
  });
}

for (const name of ['chromium', 'firefox']) {
  test(`${name}: the idle warning shows a Stay button that keeps the session`, T, (t) => idleScenario(t, name));
}
