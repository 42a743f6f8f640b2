// WebSocket video, the server's side (docs/protocol.md "WebSocket video"), with a node client
// (lib/ws_video_client.mjs) against the real sink under gst-launch (with-gst-launch.sh: vtksrc
// and the demo renderer on VTKSTREAM_URL): header and keyframe first, input echoed in the header,
// flow control by acks, a client that stops acking, garbage binary, switching the video off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { connect, metric, ack } from '../lib/ws_video_client.mjs';

const URL_ = process.env.VTKSTREAM_URL;
const T = { timeout: 60000 };

// Drags on the demo scene (the renderer draws only on change) until a frame reflects the input
// and `frames` more frames arrived at `c` (or at `watch`), or `moves` moves were sent.
async function dragUntilEcho(c, from, frames = 12, watch = c, moves = 200) {
  let s = from;
  const target = watch.frames.length + frames;
  const done = () => c.frames.some((f) => f.seq > from) && watch.frames.length >= target;
  c.send({ type: 'input', t: 'pd', x: 0.3, y: 0.5, b: 1, s: ++s });
  for (let i = 0; i < moves && !done(); ++i) {
    c.send({ type: 'input', t: 'pm', x: 0.3 + 0.002 * i, y: 0.5, s: ++s });
    const n = watch.frames.length;
    await watch.until((x) => x.frames.length > n, 50, 'frame').catch(() => {});
  }
  c.send({ type: 'input', t: 'pu', x: 0.6, y: 0.5, b: 1, s: ++s });
  return s;
}

test('ws video: keyframe first, header fields, input echoed in the header', T, async () => {
  const c = await connect(URL_);
  try {
    const welcome = c.texts.find((m) => m.type === 'welcome');
    assert.equal(welcome.ws_video, true);
    assert.equal(welcome.codec, 'VP8');
    await c.until((x) => x.frames.length >= 1, 10000, 'first frame');
    const f0 = c.frames[0];
    assert.equal(f0.version, 1);
    assert.equal(f0.headerBytes, 28);
    assert.equal(f0.codec, 1);  // VP8
    assert.equal(f0.keyframe, true);
    assert.equal(f0.id, 1);
    assert.ok(f0.width > 0 && f0.height > 0, `size ${f0.width}x${f0.height}`);
    // A VP8 keyframe: bit 0 of the first byte is 0 and the start code 9d 01 2a follows at 3.
    assert.equal(f0.payload[0] & 1, 0);
    assert.deepEqual([...f0.payload.subarray(3, 6)], [0x9d, 0x01, 0x2a]);
    const last = await dragUntilEcho(c, 0);
    const echoed = c.frames.filter((f) => f.seq > 0);
    assert.ok(echoed.length >= 1, 'some frame reflects our input');
    assert.ok(echoed.every((f) => f.seq <= last), 'echoes are our own sequence numbers');
    const ids = c.frames.map((f) => f.id);
    assert.deepEqual(ids, ids.map((_, i) => i + 1), 'frame ids count up from 1 without gaps');
    assert.ok(c.frames.length >= 5, `${c.frames.length} frames while dragging`);
    // A peer on WebSocket video is counted as such.
    assert.ok(await metric(URL_, 'vtkstream_peers{transport="ws"') >= 1);
    // Its acks reached its congestion controller (every 300 ms): /healthz lists it with a receive
    // rate once a second of frames has been acked.
    await dragUntilEcho(c, last, 40);
    const u = new URL(URL_);
    const health = await (await fetch(`${u.origin}/healthz?token=${u.searchParams.get('token')}`)).json();
    const me = health.viewers.find((v) => v.peer === welcome.peer_id);
    assert.ok(me, `no congestion controller for peer ${welcome.peer_id}: ${JSON.stringify(health.viewers)}`);
    assert.ok(me.recv_kbps > 0 && me.send_kbps > 0, `controller saw ${JSON.stringify(me)}`);
  } finally {
    c.close();
  }
});

test('ws video: a client that stops acking gets the in-flight limit, another keeps streaming, memory bounded', T, async () => {
  const quiet = await connect(URL_, { ack: false });
  const busy = await connect(URL_);
  try {
    // Two frames in flight, and eight more behind a keyframe (ws_video_flow.h kBehindKeyframe);
    // a GOP replayed on joining (flag `cached`) counts as one keyframe.
    const cap = 2 + 8;
    const cached = (x) => x.frames.filter((f) => f.cached).length;
    const limit = (x) => (cached(x) ? cached(x) + cap - 1 : cap);
    const skippedBefore = await metric(URL_, 'vtkstream_ws_video_skipped_frames_total');
    const busyBefore = busy.frames.length;
    await dragUntilEcho(busy, 1000, 30);
    assert.ok(busy.frames.length - busyBefore >= 10, `the acking client got ${busy.frames.length - busyBefore} frames`);
    await quiet.until((x) => x.frames.length >= limit(x), 10000, 'the in-flight limit for the non-acking client');
    await dragUntilEcho(busy, 2000, 10);
    const held = quiet.frames.length;
    assert.equal(held, limit(quiet), 'no frame beyond the in-flight limit');
    assert.ok(await metric(URL_, 'vtkstream_ws_video_skipped_frames_total') > skippedBefore, 'frames were skipped');
    // What the server holds for viewers: at most the limit each.
    const inFlight = await metric(URL_, 'vtkstream_ws_video_in_flight_bytes');
    const quietBytes = quiet.frames.reduce((n, f) => n + f.payload.length, 0);
    const busyMax = Math.max(...busy.frames.map((f) => f.payload.length));
    assert.ok(inFlight <= quietBytes + cap * busyMax, `in flight ${inFlight} B, bound ${quietBytes + cap * busyMax} B`);
    assert.ok(inFlight >= quietBytes, 'the non-acking client\'s frames are counted as in flight');
    // Acking again resumes it, at a keyframe.
    quiet.ws.send(ack(quiet.frames[held - 1].id));
    quiet.autoAck = true;
    await dragUntilEcho(busy, 3000, 10, quiet);
    await quiet.until((x) => x.frames.length > held, 10000, 'frames after the ack');
    assert.equal(quiet.frames[held].keyframe, true, 'after skipping, the next frame is a keyframe');
  } finally {
    quiet.close();
    busy.close();
  }
});

test('ws video: garbage binary closes that socket with a reason, another viewer keeps streaming', T, async () => {
  const bad = await connect(URL_);
  const good = await connect(URL_);
  try {
    await bad.until((x) => x.frames.length >= 1, 10000, 'first frame');
    bad.ws.send(Buffer.from([7, 1, 2, 3]));
    await bad.until((x) => x.closed, 5000, 'close');
    assert.equal(bad.closed.code, 1003);
    assert.match(bad.closed.reason, /bad binary message: unknown binary record kind 7/);
    const before = good.frames.length;
    await dragUntilEcho(good, 5000);
    assert.ok(good.frames.length > before + 3, 'the other viewer still streams');
    assert.equal(good.closed, null);
  } finally {
    bad.close();
    good.close();
  }
});

test('ws video: ws-video off stops the frames; webrtc hello with ws_video gets both', T, async () => {
  const c = await connect(URL_, { transport: 'webrtc', wsVideo: true });
  try {
    assert.equal(c.texts.find((m) => m.type === 'welcome').ws_video, true);
    await c.until((x) => x.frames.length >= 1 && x.texts.some((m) => m.type === 'offer'), 10000, 'frame and offer');
    c.send({ type: 'ws-video', on: false });
    c.send({ type: 'ping', t: 1 });
    await c.until((x) => x.texts.some((m) => m.type === 'pong'), 5000, 'pong');
    const n = c.frames.length;  // everything sent before the switch has arrived (one TCP stream)
    await dragUntilEcho(c, 7000, 1000, c, 40);  // 40 moves, each waiting 50 ms for a frame
    assert.equal(c.frames.length, n, 'no frames after ws-video off');
  } finally {
    c.close();
  }
});

test('ws video: 3000 switches on and off in a burst stall no one, and it streams after', T, async () => {
  const c = await connect(URL_, { transport: 'webrtc' });
  const other = await connect(URL_);
  try {
    await other.until((x) => x.frames.length >= 1, 10000, 'first frame of the other viewer');
    for (let i = 0; i < 3000; ++i) {
      c.send({ type: 'ws-video', on: true });
      c.send({ type: 'ws-video', on: false });
    }
    c.send({ type: 'ping', t: 1 });
    const t0 = performance.now();
    await c.until((x) => x.texts.some((m) => m.type === 'pong'), 60000, 'pong after the burst');
    const took = performance.now() - t0;
    // Each switch built a branch (a thread) before any went away: the server's context was
    // blocked for seconds and every viewer with it.
    assert.ok(took < 1500, `the pong took ${took.toFixed(0)} ms`);
    const n = other.frames.length;
    await dragUntilEcho(other, 9000, 10);
    assert.ok(other.frames.length >= n + 10, 'the other viewer streams');
    c.send({ type: 'ws-video', on: true });
    await dragUntilEcho(other, 9500, 10, c);
    assert.ok(c.frames.length >= 5, `${c.frames.length} frames once switched on for good`);
    assert.equal(c.frames[0].keyframe, true);
  } finally {
    c.close();
    other.close();
  }
});

// A sink of its own, fed pre-encoded H.264 (x264enc ! vtkstreamsink: no encoder in the sink, so
// no keyframe can be forced beyond the upstream's) at a high bitrate, so that a stalled socket
// fills in seconds. Resolves with its pid and page URL once it listens.
async function startH264Sink(t) {
  const token = 'wsvideo-h264-' + process.pid + '-abcdef';
  const p = spawn('gst-launch-1.0', ['-m', 'videotestsrc', 'is-live=true', 'pattern=snow', '!',
    'video/x-raw,width=640,height=360,framerate=30/1', '!', 'x264enc', 'tune=zerolatency',
    'speed-preset=ultrafast', 'bitrate=8000', 'key-int-max=30', '!', 'vtkstreamsink', 'port=0', `token=${token}`],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => new Promise((resolve) => { p.once('exit', resolve); p.kill('SIGINT'); }));
  const rl = readline.createInterface({ input: p.stdout });
  for await (const line of rl) {
    const m = line.match(/vtkstreamsink-links, url=\(string\)(http:\/\/[^,]+\/),/);
    if (m) return { pid: p.pid, url: `${m[1]}?token=${token}` };
  }
  throw new Error('the H.264 sink exited before it listened');
}

const rssKb = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

test('ws video, pre-encoded H.264: a page there before the first caps gets H.264, the pipeline lives', T, async (t) => {
  // The hello goes out as soon as the sink listens, before a live source's first buffer: the
  // codec is not known yet (the sink's default says VP8).
  const sink = await startH264Sink(t);
  const c = await connect(sink.url);
  try {
    await c.until((x) => x.frames.length >= 10, 10000, 'H.264 frames');
    assert.equal(c.frames[0].codec, 2, 'H.264 on the wire');
    assert.equal(c.frames[0].keyframe, true);
    // An access unit in Annex B: a start code first.
    const head = [...c.frames[0].payload.subarray(0, 4)].join();
    assert.ok(head === '0,0,0,1' || head.startsWith('0,0,1,'), `starts with ${head}`);
    assert.equal(c.closed, null);
  } finally {
    c.close();
  }
});

test('ws video, pre-encoded H.264: a page that stops reading but acks blindly cannot grow the server', { timeout: 120000 }, async (t) => {
  const sink = await startH264Sink(t);
  const good = await connect(sink.url);
  const stalled = await connect(sink.url, { ack: false });
  try {
    await good.until((x) => x.frames.length >= 10, 10000, 'H.264 frames');
    // Stops reading (TCP's window closes) and acks every frame it could ever be sent.
    stalled.ws._socket.pause();
    const forge = setInterval(() => stalled.ws.send(ack(0xffffffff)), 5);
    const before = rssKb(sink.pid);
    // The reading viewer keeps streaming meanwhile: 600 frames (about 20-40 s under load),
    // none more than 2 s after the previous one.
    const n0 = good.frames.length;
    try {
      await good.until((x) => x.frames.length >= n0 + 600, 80000, 'frames for the reading viewer');
    } finally {
      clearInterval(forge);
    }
    const gaps = good.frames.slice(n0).map((f, i) => f.at - good.frames[n0 + i - 1].at);
    assert.ok(Math.max(...gaps) < 2000, `the reading viewer waited ${Math.max(...gaps).toFixed(0)} ms for a frame`);
    const grown = rssKb(sink.pid) - before;
    t.diagnostic(`server RSS +${grown} kB over ${good.frames.length - n0} frames; longest wait ${Math.max(...gaps).toFixed(0)} ms`);
    // The kernel's socket buffers hold what the stalled page did not read; the server itself
    // holds at most a frame or two more (each well under 1 MB here).
    assert.ok(grown < 4 * 1024, `server RSS grew by ${grown} kB while a page acked what it never read`);
  } finally {
    stalled.ws.terminate();
    good.close();
  }
});
