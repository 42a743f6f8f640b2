// A viewer joining a still scene: the server asks the encoder for a keyframe when the viewer's
// connection comes up, so the picture appears with the next frame (the renderer repeats an idle
// picture every --repeat-ms, 1 s by default) instead of after the browser's own keyframe request.
import assert from 'node:assert/strict';
import { withBrowser, pageUrl } from './scenarios.mjs';
import { waitStats } from './page.mjs';

export async function joinIdleScenario(t, name) {
  // Nobody else is connected and nothing moves: the scene is idle when we join.
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl('size=640x360'));
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected'", 20000);
    const connectedAt = await b.evaluate(() => performance.now());
    const s = await waitStats(b, 's.framesPresented >= 1 && s.videoWidth > 0', 10000);
    const firstAt = await b.evaluate(() => performance.now());
    t.diagnostic(`first picture ${(firstAt - connectedAt).toFixed(0)} ms after the connection came up ` +
                 `(${s.videoWidth}x${s.videoHeight})`);
    assert.ok(firstAt - connectedAt <= 2500, `the first picture took ${(firstAt - connectedAt).toFixed(0)} ms`);
  });
}
