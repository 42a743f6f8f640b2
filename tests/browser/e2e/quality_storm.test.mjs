// Quality pins against the real server (with-server.sh), without a browser: a page sending pins
// in a loop must not make the server build a rung encoder per message (each has its threads and
// is built on the sink's context, which serves everyone), an MJPEG session is told that it has
// no rungs, and a WebSocket-video session's pin moves its frames. docs/protocol.md "Quality".
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

test('quality from an mjpeg session gets bad-state', { timeout: 20000 }, async () => {
  const c = await connect(url, { transport: 'mjpeg' });
  c.send({ type: 'quality', rung: 2 });
  await c.until((x) => x.texts.some((m) => m.type === 'error'), 5000, 'an answer to quality');
  const e = c.texts.find((m) => m.type === 'error');
  assert.equal(e.code, 'bad-state', JSON.stringify(e));
  c.close();
});

// WebSocket video carries the rungs too: a pin moves its frames to the pinned rung's smaller
// encode, starting at that rung's keyframe, and `auto` brings it back (an unconstrained loopback
// estimate allows the top rung).
test('quality from a ws session moves its frames to the pinned rung at a keyframe, and back', { timeout: 40000 }, async () => {
  const c = await connect(url, { transport: 'ws' });
  try {
    await c.until((x) => x.frames.length >= 1, 10000, 'the first frame');
    const top = c.frames[0].height;
    assert.ok(top > 240, `the top rung is ${top} lines`);
    c.send({ type: 'quality', rung: 2 });
    await c.until((x) => x.frames.some((f) => f.height > 0 && f.height <= 240), 15000, 'a frame of rung 2');
    const i = c.frames.findIndex((f) => f.height > 0 && f.height <= 240);
    assert.equal(c.frames[i].keyframe, true, 'the new rung starts at a keyframe');
    assert.ok(c.frames.slice(i).every((f) => f.height <= 240), 'no frame of the old rung after the switch');
    await c.until((x) => x.texts.some((m) => m.type === 'rung' && m.pinned && m.rung === 2), 5000, 'rung 2 announced');
    const u = new URL(url);
    const health = await (await fetch(`${u.origin}/healthz?token=${u.searchParams.get('token')}`)).json();
    const me = health.viewers.find((v) => v.peer === c.texts.find((m) => m.type === 'welcome').peer_id);
    assert.equal(me?.transport, 'ws', JSON.stringify(health.viewers));
    assert.equal(me.rung, 2, JSON.stringify(me));
    const n = c.frames.length;
    c.send({ type: 'quality', rung: 'auto' });
    await c.until((x) => x.frames.slice(n).some((f) => f.height === top), 15000, 'back on the top rung');
    const j = n + c.frames.slice(n).findIndex((f) => f.height === top);
    assert.equal(c.frames[j].keyframe, true, 'back at a keyframe');
    assert.ok(!c.texts.some((m) => m.type === 'error'), JSON.stringify(c.texts.filter((m) => m.type === 'error')));
  } finally {
    c.close();
  }
});
