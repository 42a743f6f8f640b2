// vtkstreamsink as a GStreamer user runs it (gst-launch-1.0, no vtkstream-serve), against headless
// Chromium and Firefox ESR: behind vtksrc a drag turns the model; behind videotestsrc the page
// streams and the drag's input is simply ignored by the source. Started by with-gst-launch.sh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webrtcScenario, withBrowser } from '../lib/scenarios.mjs';
import { waitStats, startFrameCount, waitFrameCount, drag } from '../lib/page.mjs';

const T = { timeout: 60000 };

async function testsrcScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(process.env.VTKSTREAM_TESTSRC_URL);
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected'", 15000);
    await waitStats(b, 's.framesPresented >= 5 && s.videoWidth > 0', 15000);
    await startFrameCount(b);
    await drag(b, { x: 100, y: 100 }, { x: 300, y: 200 });
    // videotestsrc ignores navigation: the stream goes on, nothing fails.
    const frames = await waitFrameCount(b, 20, 10000);
    t.diagnostic(`${frames} frames after the drag`);
    const s = await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected'", 1000);
    assert.equal(s.renderer, 'running');
  });
}

for (const name of ['chromium', 'firefox']) {
  test(`${name}: gst-launch vtksrc ! vtkstreamsink serves the page and a drag turns the model`, T,
       (t) => webrtcScenario(t, name));
  test(`${name}: gst-launch videotestsrc ! vtkstreamsink streams, input is ignored`, T,
       (t) => testsrcScenario(t, name));
}
