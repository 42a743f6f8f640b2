// bench/browser/wheel-pairs.mjs: a WebSocket-video viewer scrolls the wheel every 40 ms for 3 s
// (a step each, alternating direction every 10); prints the frames it got, how many arrived
// within 12 ms of the previous one (a copy of the picture published just before a step:
// apps/render/render_policy.cpp), the bitrate and the gaps. Run inside the server's namespace:
//   tests/browser/netns.sh tests/browser/with-server.sh node bench/browser/wheel-pairs.mjs
// On a loaded machine the encoder's leaky queue drops such copies: compare on an idle one.
import { connect } from '../../tests/browser/lib/ws_video_client.mjs';
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
await wait(2500);  // a probe, not a test: the server's first picture and its still
const c = await connect(process.env.VTKSTREAM_URL);
await wait(1500);
const n0 = c.frames.length;
let s = 0;
const t0 = performance.now();
for (let i = 0; i < 75; ++i) {
  c.send({ type: 'input', t: 'wh', x: 0.5, y: 0.5, dx: 0, dy: i % 20 < 10 ? 100 : -100, s: ++s });
  const due = t0 + 40 * (i + 1);
  await wait(Math.max(0, due - performance.now()));
}
const f = c.frames.slice(n0).filter((x) => x.at >= t0 && x.at <= t0 + 3000);
c.close();
const gaps = f.slice(1).map((x, i) => x.at - f[i].at);
const close = gaps.filter((g) => g < 12).length;
const bytes = f.reduce((a, x) => a + x.bytes, 0);
const seqs = f.filter((x) => x.seq > 0).length;
console.log(`frames ${f.length} in 3 s, ${close} within 12 ms of the previous, ${(bytes * 8 / 3000).toFixed(0)} kbit/s, with seq ${seqs}`);
console.log('gaps ' + gaps.map((g) => g.toFixed(0)).join(' '));
