// WebSocket video for a viewer who joins (docs/protocol.md "WebSocket video", joining): the server
// replays the current GOP it keeps (plugins/vtkstreamsink/media/ws_gop_cache.h) at once, instead
// of asking the encoder for a keyframe that its guard defers (up to 2 s) right after another
// viewer asked. With a node client (lib/ws_video_client.mjs) against the real sink under
// gst-launch (with-gst-launch.sh: vtksrc and the demo renderer, which draws only on change).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../lib/ws_video_client.mjs';

const URL_ = process.env.VTKSTREAM_URL;
const T = { timeout: 60000 };

test('ws video: a viewer joining a still scene right after another gets the cached keyframe, then live frames', T, async () => {
  const a = await connect(URL_);
  let b = null;
  try {
    // a's join asked the encoder for a keyframe; b joins right after it arrived: inside the guard.
    await a.until((x) => x.frames.length >= 1, 10000, 'first viewer: first frame');
    const keysBefore = a.frames.filter((f) => f.keyframe).map((f) => f.ptsUs);
    b = await connect(URL_);
    await b.until((x) => x.frames.length >= 1, 10000, 'second viewer: first frame');
    const f0 = b.frames[0];
    assert.equal(f0.keyframe, true);
    assert.equal(f0.id, 1);
    // The very keyframe a got before b said hello: replayed from the cache, not a new encode
    // (which would have a later timestamp and come only after the guard).
    assert.ok(keysBefore.includes(f0.ptsUs), `b's first frame (pts ${f0.ptsUs} us) is not one of a's keyframes ${keysBefore}`);
    assert.deepEqual([...f0.payload.subarray(3, 6)], [0x9d, 0x01, 0x2a], 'a VP8 keyframe');
    // Live frames follow the replay: drag (a steers) until b has had delta frames too.
    let s = 0;
    const n0 = b.frames.length;
    a.send({ type: 'input', t: 'pd', x: 0.3, y: 0.5, b: 1, s: ++s });
    for (let i = 0; i < 200 && !b.frames.slice(n0).some((f) => !f.keyframe); ++i) {
      a.send({ type: 'input', t: 'pm', x: 0.3 + 0.002 * i, y: 0.5, s: ++s });
      const n = b.frames.length;
      await b.until((x) => x.frames.length > n, 50, 'frame').catch(() => {});
    }
    a.send({ type: 'input', t: 'pu', x: 0.6, y: 0.5, b: 1, s: ++s });
    assert.ok(b.frames.slice(n0).some((f) => !f.keyframe), 'b gets live delta frames after the replay');
    const ids = b.frames.map((f) => f.id);
    assert.deepEqual(ids, ids.map((_, i) => i + 1), 'frame ids count up from 1 without gaps');
  } finally {
    a.close();
    if (b) b.close();
  }
});
