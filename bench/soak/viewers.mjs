// The soak's viewers: headless Chromium pages (the browser tests' launcher, Debian's chromium)
// that join with real ICE and DTLS, check that a picture arrived, stay a moment and leave. Some
// leave as soon as the server's offer arrived, while it is still gathering candidates: the
// teardown that used to leak.
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, snapshot, stddev } from '../../tests/browser/lib/page.mjs';

const W = 320;
const H = 180;
// A browser is replaced after this many sessions, so that Chromium's own growth over half an
// hour does not slow the run down (it is not what is measured).
const SESSIONS_PER_BROWSER = 150;

/**
 * One viewer slot: runs sessions while `state.viewersOn()` and until `state.stop`, counting into
 * `counts` ({ sessions, pictures, early, failures, errors[] }).
 */
export async function viewerLoop(url, counts, state) {
  let b = null;
  let used = 0;
  try {
    while (!state.stop) {
      if (!state.viewersOn()) {
        await state.phaseChange();
        continue;
      }
      if (!b || used >= SESSIONS_PER_BROWSER) {
        if (b) await b.close();
        b = await launchChromium({ width: W, height: H });
        used = 0;
      }
      ++used;
      const early = counts.sessions % state.earlyEvery === state.earlyEvery - 1;
      ++counts.sessions;
      try {
        await session(b, url, early);
        if (early) ++counts.early;
        else ++counts.pictures;
      } catch (e) {
        ++counts.failures;
        if (counts.errors.length < 10) counts.errors.push(`${new Date().toISOString()} ${e.message.slice(0, 300)}`);
        await b.close().catch(() => {});
        b = null;  // a fresh browser after a failure: the next session must not inherit its state
      }
    }
  } finally {
    if (b) await b.close().catch(() => {});
  }
}

async function session(b, url, early) {
  await b.goto(url);
  if (early) {
    // Left right after the offer: the server is still gathering ICE candidates.
    await waitStats(b, "s.peerId !== null && s.transport === 'webrtc'", 20000);
  } else {
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth > 0", 20000);
    const pic = await snapshot(b, '#video');
    if (!(stddev(pic) > 5)) throw new Error('the picture is blank');
    // A viewer watches for a moment (0-2 s) before leaving: some leave mid-stream, some at once.
    await new Promise((r) => setTimeout(r, Math.random() * 2000));
  }
  // Leaving: the page unloads, its peer connection and WebSocket close.
  await b.goto('about:blank');
}
