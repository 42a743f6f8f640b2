// Shared by the network-path tests (tls, turn, ice-tcp): Chromium with extra flags, and the one
// check they all make: WebRTC connects, the first picture shows the scene, a drag turns it.
import assert from 'node:assert/strict';
import { launchChromium } from '../lib/browsers.mjs';
import { waitStats, snapshot, stddev, drag, waitPictureChange } from '../lib/page.mjs';

export const W = 640;
export const H = 360;
export const SIZE = `size=${W}x${H}`;
// A longer WebRTC deadline than the page's 3 s, for the tests about a path (TLS, TURN) rather
// than about the deadline: on a loaded 2-core machine the first session after the server starts
// sometimes needs more (seen with the plain WebRTC test too, one run in four at load 25). The
// ICE-TCP test keeps the default: that the page picks WebRTC by itself there is its point.
export const PATIENT = 'rtc_timeout=10000';

/** Runs `fn(b)` with a headless Chromium started with `args` more; prints its console on failure. */
export async function withChromium(t, args, fn) {
  const b = await launchChromium({ width: W, height: H, args });
  try {
    await fn(b);
  } catch (e) {
    for (const line of b.log.slice(-40)) t.diagnostic(line);
    throw e;
  } finally {
    await b.close();
  }
}

/**
 * WebRTC (not the MJPEG fallback) connects within the page's deadline, the first picture
 * shows the scene, and a drag changes it. Returns the page's WebRTC numbers, `route` included.
 */
export async function assertWebRtcPictureAndDrag(t, b) {
  await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected'", 20000);
  await waitStats(b, `s.framesPresented >= 1 && s.videoWidth === ${W} && s.videoHeight === ${H}`, 15000);
  const before = await snapshot(b, '#video');
  assert.ok(stddev(before) > 5, 'the first picture is blank (no scene visible)');
  await drag(b, { x: W * 0.3, y: H * 0.5 }, { x: W * 0.7, y: H * 0.6 });
  const changed = await waitPictureChange(b, '#video', before, 0.02, 10000);
  const s = await b.evaluate(() => window.vtkstream.stats());
  assert.equal(s.transport, 'webrtc', 'the page fell back to MJPEG');
  const rtc = await b.evaluate(() => window.vtkstream.rtcStats());
  t.diagnostic(`drag changed ${(100 * changed).toFixed(1)}% of the picture; codec ${rtc.codec}; ` +
               `route ${JSON.stringify(rtc.route)}; ${s.framesPresented} frames`);
  return rtc;
}
