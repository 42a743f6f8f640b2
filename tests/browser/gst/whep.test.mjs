// A third-party WHEP player in headless Chromium: the npm package whip-whep (WHEPClient) watches
// the 5 fps videotestsrc sink of with-gst-launch.sh (VTKSTREAM_SLOW_URL). Its page comes from a
// small HTTP server of this test on another port (so the request is cross-origin, as a player
// elsewhere makes it, and needs the CORS answers of /whep); its module from node_modules, never
// from a CDN. First the sink's own page watches over WebRTC and leaves, in the same browser: a
// WHEP viewer after it once got 0 frames (the warm server answered before the stream reached the
// new branch, and the answer named no SSRC; media/webrtc_answer.cpp), at 5 fps every time.
// Checked: frames presented, the server counting one WHEP viewer in /metrics, and stop()
// (DELETE) ending the session.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { launchChromium, unavailable } from '../lib/browsers.mjs';
import { startFrameCount, waitFrameCount, waitStats } from '../lib/page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FILES = {
  '/': [join(here, '../whep-player/index.html'), 'text/html'],
  '/player.js': [join(here, '../whep-player/player.js'), 'text/javascript'],
  '/whep.js': [join(here, '../node_modules/whip-whep/whep.js'), 'text/javascript'],
};

function servePlayer() {
  const server = createServer(async (req, res) => {
    const f = FILES[new URL(req.url, 'http://x').pathname];
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': f[1] });
    res.end(await readFile(f[0]));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function whepViewers(base, token) {
  const r = await fetch(new URL('metrics', base), { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  const m = (await r.text()).match(/^vtkstream_peers\{transport="whep",role="viewer"\} (\d+)$/m);
  assert.ok(m, 'no WHEP peers line in /metrics');
  return Number(m[1]);
}

test('chromium: after a page viewer left, the whip-whep WHEP player watches, and stop() ends its session', { timeout: 60000 }, async (t) => {
  const why = unavailable('chromium');
  if (why) { t.skip(why); return; }
  assert.ok(process.env.VTKSTREAM_SLOW_URL, 'VTKSTREAM_SLOW_URL is not set: run through tests/browser/run.sh');
  const sink = new URL(process.env.VTKSTREAM_SLOW_URL);
  const token = sink.searchParams.get('token');
  const base = `${sink.origin}/`;
  const server = await servePlayer();
  const b = await launchChromium();
  try {
    await b.goto(sink.href);
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 5", 15000);
    const player = `http://127.0.0.1:${server.address().port}/?endpoint=${encodeURIComponent(base + 'whep')}` +
                   `&token=${encodeURIComponent(token)}`;
    await b.goto(player);
    await b.page.waitForFunction(() => window.player && (window.player.started || window.player.error),
                                 null, { timeout: 15000 });
    assert.equal(await b.evaluate(() => window.player.error), null);
    assert.match(await b.evaluate(() => window.player.resource()), /\/whep\/[A-Za-z0-9_-]{32}$/);
    await b.page.waitForFunction(() => window.player.state() === 'connected', null, { timeout: 15000 });
    await startFrameCount(b);
    // 10 frames: 2 s of the 5 fps source (the 30 fps sink's 20 frames were under 1 s).
    const frames = await waitFrameCount(b, 10, 15000);
    t.diagnostic(`${frames} frames presented through WHEP`);
    assert.ok(await b.evaluate(() => document.getElementById('video').videoWidth) > 0);
    assert.equal(await whepViewers(base, token), 1);
    await b.evaluate(() => window.player.stop());
    assert.equal(await whepViewers(base, token), 0);
  } catch (e) {
    for (const l of b.log) t.diagnostic(l);
    throw e;
  } finally {
    await b.close();
    server.close();
  }
});
