// Quality pins against the real server (with-server.sh), without a browser: a page sending pins
// in a loop must not make the server build a rung encoder per message (each has its threads and
// is built on the sink's context, which serves everyone), and a session without WebRTC video is
// told that it has no rungs. docs/protocol.md "Quality".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { connect } from '../lib/ws_video_client.mjs';

const url = process.env.VTKSTREAM_URL;
const pid = process.env.VTKSTREAM_SERVER_PID;
const threads = () => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/Threads:\s+(\d+)/)[1]);

async function healthMs() {
  const u = new URL(url);
  const t0 = performance.now();
  const r = await fetch(`${u.origin}/healthz?token=${u.searchParams.get('token')}`, { signal: AbortSignal.timeout(10000) });
  await r.json();
  return performance.now() - t0;
}

test('1000 quality pins a second: threads bounded, /healthz answers, the last pin wins', { timeout: 60000 }, async (t) => {
  const peer = await connect(url, { transport: 'webrtc' });
  const base = threads();
  let sent = 0;
  let worst = 0;
  let most = base;
  // 3 s of pins alternating between the two lower rungs, 10 every 10 ms; /healthz every 250 ms.
  await new Promise((resolve, reject) => {
    const pins = setInterval(() => {
      for (let k = 0; k < 10; k++) peer.send({ type: 'quality', rung: 1 + (sent++ % 2) });
    }, 10);
    const probe = setInterval(() => {
      most = Math.max(most, threads());
      healthMs().then((ms) => { worst = Math.max(worst, ms); }, reject);
    }, 250);
    setTimeout(() => { clearInterval(pins); clearInterval(probe); resolve(); }, 3000);
  });
  worst = Math.max(worst, await healthMs());
  t.diagnostic(`${sent} pins; threads ${base} -> at most ${most}; slowest /healthz ${worst.toFixed(0)} ms`);
  // Unpaced, a storm like this built one encoder per pin: 2000 threads within a second and a
  // /healthz that timed out.
  assert.ok(most - base <= 60, `threads grew from ${base} to ${most}`);
  assert.ok(worst < 3000, `/healthz took ${worst.toFixed(0)} ms`);
  const last = 1 + ((sent - 1) % 2);
  await peer.until((c) => c.texts.some((m) => m.type === 'rung' && m.pinned && m.rung === last), 15000,
    `rung ${last}, the last pin`);
  assert.ok(!peer.texts.some((m) => m.type === 'error'), JSON.stringify(peer.texts.filter((m) => m.type === 'error')));
  peer.close();
});

for (const transport of ['mjpeg', 'ws']) {
  test(`quality from a ${transport} session gets bad-state`, { timeout: 20000 }, async () => {
    const c = await connect(url, { transport });
    c.send({ type: 'quality', rung: 2 });
    await c.until((x) => x.texts.some((m) => m.type === 'error'), 5000, 'an answer to quality');
    const e = c.texts.find((m) => m.type === 'error');
    assert.equal(e.code, 'bad-state', JSON.stringify(e));
    c.close();
  });
}
