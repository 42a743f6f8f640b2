// WebSocket video in real browsers (docs/protocol.md "WebSocket video", web/js/ws_video.js and
// transport.js), written once and run per browser and network path: the picture really comes
// over the WebSocket (transport ws, drawn on the canvas), a drag turns it, input-to-photon is
// measured, a dropped WebSocket reconnects to WebSocket video again, a view-only link watches and
// cannot steer.
import assert from 'node:assert/strict';
import { waitStats, snapshot, stddev, drag, waitPictureChange, changedFraction } from './page.mjs';

export const W = 640;
export const H = 360;
const FROM = { x: W * 0.3, y: H * 0.5 };
const TO = { x: W * 0.7, y: H * 0.6 };

/** Counts the page's sockets, to break the signalling connection from outside. Before goto(). */
export async function keepSockets(b) {
  await b.addInitScript(() => {
    const Real = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends Real {
      constructor(...a) { super(...a); window.__sockets.push(this); }
    };
  });
}

/**
 * The page at `url` shows WebSocket video within `firstMs`, a drag turns the model, input-to-
 * photon samples come in. Returns the first-picture time (ms from goto) and the stats.
 */
export async function assertWsPictureAndDrag(t, b, url, { firstMs = 15000 } = {}) {
  const t0 = Date.now();
  await b.goto(url);
  await waitStats(b, `s.transport === 'ws' && s.framesPresented >= 1 && s.videoWidth > 0`, firstMs);
  const first = Date.now() - t0;
  const times = await b.evaluate(() => window.vtkstream.wsTimes());
  const rel = (v) => (v == null ? 'n/a' : `${Math.round(v)}`);
  t.diagnostic(`page clock (ms since navigation): ws video started ${rel(times?.start)}, first message ` +
               `${rel(times?.firstMessage)}, first keyframe ${rel(times?.firstKey)}, first picture ${rel(times?.firstDraw)}`);
  await waitStats(b, `s.transport === 'ws' && s.videoWidth === ${W} && s.videoHeight === ${H}`, 10000);
  const env = await b.evaluate(() => ({ secure: window.isSecureContext, decoder: typeof window.VideoDecoder,
                                        canvasShown: !document.getElementById('wsvideo').hidden }));
  assert.equal(env.decoder, 'function');
  assert.equal(env.canvasShown, true, 'the WebSocket video canvas is not shown');
  const before = await snapshot(b, '#wsvideo');
  assert.ok(stddev(before) > 5, 'the WebSocket video picture is blank');
  await b.evaluate(() => window.vtkstream.resetLatency());
  await drag(b, FROM, TO);
  const changed = await waitPictureChange(b, '#wsvideo', before, 0.02, 10000);
  const s = await waitStats(b, 's.latency.n >= 1', 5000);
  assert.equal(s.transport, 'ws', `the page left WebSocket video for ${s.transport}`);
  assert.equal(s.codec, 'VP8');
  t.diagnostic(`ws video: first picture ${first} ms; drag changed ${(100 * changed).toFixed(1)}%; ` +
               `input-to-photon p50 ${s.latency.p50?.toFixed(1)} ms p95 ${s.latency.p95?.toFixed(1)} ms ` +
               `n=${s.latency.n}${s.latency.approx ? ' approx' : ''}; ${s.framesPresented} frames; ` +
               `${s.bitrateKbps?.toFixed(0)} kbit/s`);
  return { first, stats: s };
}

/** The signalling socket drops: the page reconnects as a new peer, on WebSocket video again. */
export async function assertWsReconnects(t, b) {
  const s1 = await b.evaluate(() => window.vtkstream.stats());
  await b.evaluate(() => window.__sockets.at(-1).close());
  const s2 = await waitStats(b, `s.peerId !== null && s.peerId !== ${s1.peerId} && s.transport === 'ws'`, 20000);
  const n = s2.framesPresented;
  await drag(b, FROM, TO);
  await waitStats(b, `s.transport === 'ws' && s.framesPresented > ${n}`, 10000);
  t.diagnostic(`reconnected as peer ${s2.peerId} (was ${s1.peerId}), WebSocket video again`);
}

/** A view-only link on WebSocket video: it sees the picture, its drag changes nothing. */
export async function assertWsViewOnly(t, b, url) {
  await b.goto(url);
  await waitStats(b, `s.transport === 'ws' && s.videoWidth > 0 && s.control && s.control.role === 'viewer'`, 20000);
  // A joiner with nothing cached gets a small, coarse keyframe (plugins/vtkstreamsink/media/
  // join_keyframe.h) that the next two frames sharpen (one asked for at once, then the idle
  // renderer's keep-alive repeat): the picture to compare against is the sharpened one.
  await b.evaluate(() => window.vtkstream.waitFrames(2, 3000).catch(() => {}));
  const before = await snapshot(b, '#wsvideo');
  assert.ok(stddev(before) > 5, 'the view-only WebSocket video picture is blank');
  await drag(b, FROM, TO);
  await waitStats(b, "document.getElementById('status').textContent.includes('not in control')", 5000);
  const after = await snapshot(b, '#wsvideo');
  const changed = changedFraction(before, after);
  t.diagnostic(`view-only drag over WebSocket video changed ${(100 * changed).toFixed(1)}% of the picture`);
  assert.ok(changed < 0.02, `a view-only drag changed ${(100 * changed).toFixed(1)}% of the picture`);
}
