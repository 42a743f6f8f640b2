// The browser scenarios, written once and run per browser by e2e/*.test.mjs against the server
// that with-server.sh started (VTKSTREAM_URL).
import assert from 'node:assert/strict';
import { BROWSERS, unavailable } from './browsers.mjs';
import {
  waitStats, startFrameCount, waitFrameCount, snapshot, stddev, waitPictureChange, drag, changedFraction,
} from './page.mjs';

const W = 640;
const H = 360;
// The render size the page asks for: the viewport, so the first picture is already final.
const QUERY = `size=${W}x${H}`;
const FROM = { x: W * 0.3, y: H * 0.5 };
const TO = { x: W * 0.7, y: H * 0.6 };

/** The control link (VTKSTREAM_URL, with its ?token=) plus `query` ("a=1&b=2"). */
export function pageUrl(query = '', link = process.env.VTKSTREAM_URL) {
  if (!link) throw new Error('VTKSTREAM_URL is not set: run these through tests/browser/run.sh');
  const u = new URL(link);
  for (const [k, v] of new URLSearchParams(query)) u.searchParams.set(k, v);
  return u.href;
}

/** Opens a browser for one test; skips (outside CI) or fails (in CI) when it is missing. */
export async function withBrowser(t, name, fn, opts = { width: W, height: H }) {
  const why = unavailable(name);
  if (why) {
    t.skip(why);
    return;
  }
  const b = await BROWSERS[name].launch(opts);
  try {
    await fn(b);
  } catch (e) {
    // The page's console explains most failures (ICE, codec, server errors).
    for (const line of b.log.slice(-40)) t.diagnostic(line);
    throw e;
  } finally {
    await b.close();
  }
}

/**
 * The page took its token out of the address bar after reading it (issue 12), and kept the
 * other parameters.
 */
async function assertTokenLeftTheAddressBar(b, t) {
  const search = await b.evaluate(() => location.search);
  t.diagnostic(`location.search after load: ${search}`);
  assert.ok(!/token=/.test(search), `the token is still in the address bar: ${search}`);
  assert.match(search, /size=/, 'the other URL parameters were dropped too');
}

function report(t, s) {
  const l = s.latency;
  t.diagnostic(`transport=${s.transport} codec=${s.codec} picture=${s.videoWidth}x${s.videoHeight} ` +
               `frames=${s.framesPresented} fps=${s.fps} bitrate=${s.bitrateKbps?.toFixed(0)} kbit/s ` +
               `rtt=${s.rttMs?.toFixed(1) ?? s.wsRttMs?.toFixed(1)} ms input-to-photon ` +
               `p50=${l.p50?.toFixed(1)} p95=${l.p95?.toFixed(1)} ms n=${l.n}${l.approx ? ' approx' : ''}`);
}

/** WebRTC: frames are presented, a drag changes the picture, input-to-photon is measured. */
export async function webrtcScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY));
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected'", 15000);
    await assertTokenLeftTheAddressBar(b, t);
    // The server offers the playout-delay header extension (frames shown as soon as decoded,
    // docs/performance.md) and both browsers take it in their answer.
    assert.equal((await b.evaluate(() => window.vtkstream.rtcStats())).playoutDelay, true,
                 'the answer did not negotiate the playout-delay extension');
    // A still scene sends few frames; the first (the keyframe sent on join) must arrive.
    await waitStats(b, 's.framesPresented >= 1 && s.videoWidth > 0', 15000);
    // The renderer follows the requested size; compare pictures only once it has.
    await waitStats(b, `s.videoWidth === ${W} && s.videoHeight === ${H}`, 10000);
    const before = await snapshot(b, '#video');
    assert.ok(stddev(before) > 5, 'the first picture is blank (no scene visible)');

    await startFrameCount(b);
    await drag(b, FROM, TO);
    const changed = await waitPictureChange(b, '#video', before, 0.02, 10000);
    t.diagnostic(`drag changed ${(100 * changed).toFixed(1)}% of the picture`);
    // The drag lasted ~30 animation frames: the renderer should have streamed through it.
    const frames = await waitFrameCount(b, 10, 10000);
    t.diagnostic(`${frames} frames presented during and after the drag`);

    // Every timed input (the drag's moves) answered by a `frame` echo matched to a presented
    // frame: the whole input-to-photon path works.
    const s = await waitStats(b, 's.latency.n > 0 && s.bitrateKbps !== null', 10000);
    report(t, s);
    assert.equal(s.rtcState, 'connected');
    assert.ok(['VP8', 'H264'].includes(s.codec), `codec ${s.codec}`);
  });
}

/** The wheel reaches VTK (zoom), through the same real-input path. */
export async function wheelScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY));
    await waitStats(b, `s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth === ${W}`, 20000);
    const before = await snapshot(b, '#video');
    await b.mouse.move(W / 2, H / 2);
    for (let i = 0; i < 5; i++) await b.wheel(0, -120);
    const changed = await waitPictureChange(b, '#video', before, 0.02, 10000);
    t.diagnostic(`wheel changed ${(100 * changed).toFixed(1)}% of the picture`);
  });
}

/**
 * Keys reach VTK while the picture has focus: after zooming in, `r` (reset camera) changes the
 * picture back. (`w`, wireframe, is no good here: a dense mesh drawn as wireframe at 640x360
 * looks almost like its surface.)
 */
export async function keysScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY));
    await waitStats(b, `s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth === ${W}`, 20000);
    await b.mouse.move(W / 2, H / 2);
    const start = await snapshot(b, '#video');
    for (let i = 0; i < 8; i++) await b.wheel(0, -120);
    await waitPictureChange(b, '#video', start, 0.02, 10000);
    // Let the zoom finish (the last wheel record may still be on its way), then press r.
    await waitStats(b, 's.latency.pending === 0', 5000);
    await b.evaluate(() => window.vtkstream.waitFrames(1, 2000).catch(() => {}));
    const zoomed = await snapshot(b, '#video');
    await b.page.focus('#stage');
    await b.keyboard.press('r');
    const changed = await waitPictureChange(b, '#video', zoomed, 0.02, 10000);
    t.diagnostic(`'r' changed ${(100 * changed).toFixed(1)}% of the zoomed picture`);
  });
}

/** The renderer follows the view's size (debounced `rs`), so no pixel is scaled away. */
export async function resizeScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    // The picture area is the window below the page's bar (the bar never covers the scene).
    const area = () => b.evaluate(() => {
      const r = document.getElementById('stage').getBoundingClientRect();
      return { w: r.width, h: r.height };
    });
    // The size the page must ask for: the area in device pixels (1 here), rounded down to even.
    const even = (v) => Math.floor(v / 2) * 2;
    await b.goto(pageUrl());   // no ?size: follow the window
    let a = await area();
    assert.equal(a.w, W, 'the picture area is not the full window width');
    await waitStats(b, `s.transport === 'webrtc' && s.rtcState === 'connected' && s.videoWidth === ${even(a.w)} && s.videoHeight === ${even(a.h)}`, 20000);
    await b.page.setViewportSize({ width: 480, height: 320 });
    await b.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    a = await area();
    const s = await waitStats(b, `s.videoWidth === ${even(a.w)} && s.videoHeight === ${even(a.h)}`, 15000);
    assert.equal(s.videoWidth, 480);
    t.diagnostic(`picture followed the window to ${s.videoWidth}x${s.videoHeight} (area ${a.w}x${a.h})`);
  });
}

/** Polls /healthz until `cond(health)` holds (the server has no push channel for this). */
export async function waitHealth(cond, timeoutMs, what) {
  const t0 = Date.now();
  let last = null;
  while (Date.now() - t0 < timeoutMs) {
    const h = new URL('healthz', pageUrl());   // with the token: the full status
    h.search = new URL(pageUrl()).search;
    last = await (await fetch(h)).json();
    if (cond(last)) return last;
    await new Promise((r) => setTimeout(r, 100));   // poll interval, bounded by timeoutMs
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; healthz: ${JSON.stringify(last)}`);
}

/**
 * The signalling socket drops (as on a network change): the page reconnects by itself, gets a
 * new peer and a picture again; closing the tab then frees every peer on the server.
 */
export async function reconnectScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    // Keep a handle on the page's sockets, to break the connection from the outside.
    await b.addInitScript(() => {
      const Real = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Real {
        constructor(...a) { super(...a); window.__sockets.push(this); }
      };
    });
    await b.goto(pageUrl(QUERY));
    const s1 = await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 20000);
    await b.evaluate(() => window.__sockets.at(-1).close());
    const s2 = await waitStats(b, `s.peerId !== null && s.peerId !== ${s1.peerId} && ` +
                                  `s.transport === 'webrtc' && s.rtcState === 'connected'`, 20000);
    t.diagnostic(`reconnected as peer ${s2.peerId} (was ${s1.peerId})`);
    await waitHealth((h) => h.peers === 1, 10000, 'the old peer to be freed');
    await b.evaluate(() => window.vtkstream.waitFrames(1, 15000));
    // The reconnect above used the token the page kept in memory; a reload has none in its
    // address and gets in with the cookie, as the same role.
    await assertTokenLeftTheAddressBar(b, t);
    await b.page.reload();
    const s3 = await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1 && s.control", 20000);
    assert.equal(s3.control.role, 'owner', 'the reloaded page lost its role');
    await waitHealth((h) => h.peers === 1, 10000, 'the peer before the reload to be freed');
  });
  await waitHealth((h) => h.peers === 0, 10000, 'every peer to be freed after the tab closed');
}

/** MJPEG fallback with no WebRTC at all: the <img> shows the scene and a drag changes it. */
export async function mjpegScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    // As a browser without WebRTC (or a proxy that strips it) would be.
    await b.addInitScript(() => {
      delete window.RTCPeerConnection;
      window.RTCPeerConnection = undefined;
    });
    await b.goto(pageUrl('transport=mjpeg&' + QUERY));
    const s0 = await waitStats(b, "s.transport === 'mjpeg' && s.videoWidth > 0", 15000);
    assert.equal(s0.rtcState, null);
    await assertTokenLeftTheAddressBar(b, t);  // /mjpeg got the token the page kept
    await mjpegDragChanges(t, b);
  });
}

/** WebRTC that cannot connect (all ICE candidates dropped): the page falls back by itself. */
export async function fallbackScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.addInitScript(() => {
      // Keep RTCPeerConnection but make ICE impossible: no candidate in or out, and none in
      // either description, so neither side ever sends a connectivity check.
      const Real = window.RTCPeerConnection;
      const strip = (d) => d && { type: d.type, sdp: d.sdp.replace(/^a=candidate:.*\r?\n/gm, '') };
      window.RTCPeerConnection = class NoIce extends Real {
        addIceCandidate() { return Promise.resolve(); }
        setRemoteDescription(d) { return super.setRemoteDescription(strip(d)); }
        get localDescription() { return strip(super.localDescription); }
        get onicecandidate() { return super.onicecandidate; }
        set onicecandidate(fn) { super.onicecandidate = (e) => { if (!e.candidate) fn(e); }; }
      };
    });
    const t0 = Date.now();
    // Pinned to WebRTC: MJPEG is its fallback. (Unpinned, a browser with WebCodecs stays on the
    // WebSocket video it started with instead: e2e/ws_video.test.mjs and net/one-port.)
    await b.goto(pageUrl('transport=webrtc&' + QUERY));
    await waitStats(b, "s.transport === 'mjpeg' && s.videoWidth > 0", 20000);
    t.diagnostic(`fell back to MJPEG ${Date.now() - t0} ms after loading the page`);
    // The server's rung messages came while WebRTC was trying; its rungs are gone with it, so
    // is the quality menu (a pin would only get bad-state now).
    const items = await b.evaluate(() => document.querySelectorAll('[id^="menu-quality"]').length);
    assert.equal(items, 0, 'the quality menu outlived WebRTC');
    await mjpegDragChanges(t, b);
  });
}

async function mjpegDragChanges(t, b) {
  await waitStats(b, `s.videoWidth === ${W} && s.videoHeight === ${H}`, 10000);
  const before = await snapshot(b, '#mjpeg');
  assert.ok(stddev(before) > 5, 'the MJPEG picture is blank');
  await drag(b, FROM, TO);
  const changed = await waitPictureChange(b, '#mjpeg', before, 0.02, 10000);
  t.diagnostic(`drag changed ${(100 * changed).toFixed(1)}% of the MJPEG picture`);
  report(t, await b.evaluate(() => window.vtkstream.stats()));
}

/**
 * The view-only link: the page says "view only", shows the picture, and its drag does not turn
 * the model (the server drops a viewer's input; with no owner connected nobody steers).
 */
export async function viewOnlyScenario(t, name) {
  const link = process.env.VTKSTREAM_VIEW_URL;
  if (!link) {
    t.skip('VTKSTREAM_VIEW_URL is not set (server without tokens)');
    return;
  }
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY, link));
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth > 0 && s.control", 20000);
    const s = await waitStats(b, "s.control.role === 'viewer' && !s.control.you", 5000);
    await assertTokenLeftTheAddressBar(b, t);
    const label = await b.evaluate(() => document.getElementById('control').textContent);
    assert.match(label, /view only/);
    assert.match(label, /request control/);
    t.diagnostic(`control: ${JSON.stringify(s.control)}; indicator: ${label}`);
    // Let the first pictures settle (the keyframe on join), then drag and look again.
    await b.evaluate(() => window.vtkstream.waitFrames(2, 3000).catch(() => {}));
    const before = await snapshot(b, '#video');
    await drag(b, FROM, TO);
    // The page is told its input was ignored...
    await b.evaluate(() => new Promise((resolve, reject) => {
      // The server's `forbidden` reply shows up as a notice: proof the drag reached it and was refused.
      const el = document.getElementById('status');
      const shown = () => /not in control/.test(el.textContent);
      if (shown()) return resolve();
      const mo = new MutationObserver(() => { if (shown()) { mo.disconnect(); resolve(); } });
      mo.observe(el, { childList: true, characterData: true, subtree: true });
      setTimeout(() => { mo.disconnect(); reject(new Error('no "not in control" notice within 5 s')); }, 5000);
    }));
    // Frames presented after the refusal (keep-alive repeats at least): a drag that got through
    // would show in them. Strict: without new frames the comparison below would prove nothing.
    await b.evaluate(() => window.vtkstream.waitFrames(2, 5000));
    // ...and the picture did not turn.
    const after = await snapshot(b, '#video');
    const changed = changedFraction(before, after);
    t.diagnostic(`view-only drag changed ${(100 * changed).toFixed(1)}% of the picture`);
    assert.ok(changed < 0.02, `a view-only drag changed ${(100 * changed).toFixed(1)}% of the picture`);
  });
}
