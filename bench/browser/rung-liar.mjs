// A hostile viewer beside the weak-link benchmark's strong one (bench/browser/rung-liar.sh runs
// both): on the view-only link it says hello (WebRTC), never answers the offer, pins rung 0 with
// `quality` (LIAR containing "pin") and reports heavy loss every 300 ms (LIAR containing "loss";
// default "pin-loss"). Every 5 s it prints /healthz's top encoder rate and each viewer's
// [peer, role, rung, rung_kbps, estimate_kbps] on stderr, lines starting "LIAR". It shows what a
// rung's encoder following the lowest estimate among its viewers (adapt/rung_policy.h) lets one
// viewer do to another on the same rung.
import { connect } from '../../tests/browser/lib/ws_video_client.mjs';
const url = process.env.VTKSTREAM_URL, view = process.env.VTKSTREAM_VIEW_URL;
const mode = process.env.LIAR ?? 'pin-loss';
const c = await connect(view, { transport: 'webrtc' });
await c.until((x) => x.texts.some((m) => m.type === 'offer'), 10000, 'offer');
if (mode.includes('pin')) c.send({ type: 'quality', rung: 0 });
let i = 0;
const tick = setInterval(() => { i++; if (mode.includes('loss')) c.send({ type: 'stats', t: i * 300, bytes: i * 10000, packets: i * 10, lost: i * 10 }); }, 300);
const hz = new URL('/healthz', url); hz.search = new URL(url).search;
const log = setInterval(async () => {
  try {
    const h = await (await fetch(hz)).json();
    const r = h.rate ?? h;
    console.error(`LIAR t=${(i * 0.3).toFixed(0)}s encoder_kbps ${r.encoder_kbps} applied ${r.encoder_applied_kbps} viewers ${JSON.stringify((r.viewers ?? []).map((v) => [v.peer, v.role, v.rung, v.rung_kbps, v.estimate_kbps]))}`);
  } catch (e) { console.error('LIAR healthz', e.message); }
}, 5000);
process.on('SIGTERM', () => process.exit(0));
