// bench/browser/ws-join-psnr.mjs: how good the picture of a WebSocket-video viewer that joins an
// idle scene gets, and how fast (the sink's small join keyframe, then what vtksrc's keep-alive
// repeats refine: plugins/vtkstreamsink/media/repeat_threshold.h). Records the viewer's frames
// for DUR s (lib/ws_video_client.mjs), decodes them (gst-launch-1.0 vp8dec to I420, BT.601
// limited range as docs/protocol.md says) and prints each frame's arrival, size, flags and RGB
// PSNR against /snapshot.png. ACTION=drag: a 1 s drag first, then the frames from the still's
// keyframe on. Run inside the server's namespace:
//   tests/browser/netns.sh tests/browser/with-server.sh node bench/browser/ws-join-psnr.mjs
// (VTKSTREAM_BUILD_DIR=other/build compares another build). env: DUR (default 10), IDLE (s before
// joining, default 3), OUT (a folder for the IVF and raw frames; default a temporary one).
import { connect } from '../../tests/browser/lib/ws_video_client.mjs';
import { decodePng } from '../../tests/browser/lib/png.mjs';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const URL_ = process.env.VTKSTREAM_URL;
const DUR = Number(process.env.DUR || 10);
const IDLE = Number(process.env.IDLE || 3);
const OUT = process.env.OUT || mkdtempSync(join(tmpdir(), 'ws-join-psnr-'));
mkdirSync(OUT, { recursive: true });
const u = new URL(URL_);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

await wait(IDLE * 1000);  // a probe, not a test: long enough for the scene to go idle
const snap = await (await fetch(`${u.origin}/snapshot.png?token=${u.searchParams.get('token')}`)).arrayBuffer();
const ref = decodePng(Buffer.from(snap));
const t0 = performance.now();
const c = await connect(URL_);
if (process.env.ACTION === 'drag') {
  // a drag then idle: the still, its copies, then repeats
  await wait(1000);
  let s = 0;
  c.send({ type: 'input', t: 'pd', x: 0.3, y: 0.5, b: 1, s: ++s });
  for (let i = 0; i < 30; ++i) { c.send({ type: 'input', t: 'pm', x: 0.3 + 0.01 * i, y: 0.5, s: ++s }); await wait(30); }
  c.send({ type: 'input', t: 'pu', x: 0.6, y: 0.5, b: 1, s: ++s });
}
await wait(DUR * 1000);
c.close();
// The reference again, after the action (the picture the scene settled on).
const snap2 = await (await fetch(`${u.origin}/snapshot.png?token=${u.searchParams.get('token')}`)).arrayBuffer();
const ref2 = decodePng(Buffer.from(snap2));

let all = c.frames.filter((f) => f.codec === 1);
let k0 = 0;
for (let i = 0; i < all.length; i++) if (all[i].keyframe && all[i].width === ref2.width && all[i].height === ref2.height) k0 = i;
const frames = all.slice(process.env.ACTION ? k0 : 0);
console.log(`from frame #${frames[0].id}`);
const w = frames[0].width, h = frames[0].height;
// IVF
const hdr = Buffer.alloc(32);
hdr.write('DKIF', 0); hdr.writeUInt16LE(0, 4); hdr.writeUInt16LE(32, 6); hdr.write('VP80', 8);
hdr.writeUInt16LE(w, 12); hdr.writeUInt16LE(h, 14); hdr.writeUInt32LE(1000, 16); hdr.writeUInt32LE(1, 20);
hdr.writeUInt32LE(frames.length, 24);
const parts = [hdr];
frames.forEach((f, i) => {
  const fh = Buffer.alloc(12);
  fh.writeUInt32LE(f.payload.length, 0); fh.writeBigUInt64LE(BigInt(i), 4);
  parts.push(fh, Buffer.from(f.payload));
});
writeFileSync(`${OUT}/ws.ivf`, Buffer.concat(parts));
execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${OUT}/ws.ivf`, '!', 'ivfparse', '!', 'vp8dec', '!',
  'video/x-raw,format=I420', '!', 'filesink', `location=${OUT}/ws.i420`]);
const raw = readFileSync(`${OUT}/ws.i420`);
const fsz = w * h * 3 / 2;
const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
function psnr(off, r) {
  if (r.width !== w || r.height !== h) return NaN;
  let se = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const Y = raw[off + y * w + x] - 16;
    const U = raw[off + w * h + (y >> 1) * (w >> 1) + (x >> 1)] - 128;
    const V = raw[off + w * h * 5 / 4 + (y >> 1) * (w >> 1) + (x >> 1)] - 128;
    const R = clamp(Math.round(1.164 * Y + 1.596 * V));
    const G = clamp(Math.round(1.164 * Y - 0.392 * U - 0.813 * V));
    const B = clamp(Math.round(1.164 * Y + 2.017 * U));
    const i = 4 * (y * w + x);
    se += (R - r.rgba[i]) ** 2 + (G - r.rgba[i + 1]) ** 2 + (B - r.rgba[i + 2]) ** 2;
  }
  return 10 * Math.log10(255 * 255 / (se / (3 * w * h)));
}
const n = Math.floor(raw.length / fsz);
console.log(`frames ${frames.length} decoded ${n} ${w}x${h} ref ${ref.width}x${ref.height}`);
for (let i = 0; i < n; i++) {
  const f = frames[i];
  const db = psnr(i * fsz, ref), db2 = psnr(i * fsz, ref2);
  console.log(`${(f.at - t0).toFixed(0).padStart(6)} ms #${f.id} ${f.keyframe ? 'K' : ' '}${f.cached ? 'C' : ' '} ` +
              `${String(f.bytes).padStart(6)} B  ${db.toFixed(2)} dB (after: ${db2.toFixed(2)})`);
}
