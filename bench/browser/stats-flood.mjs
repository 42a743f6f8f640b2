// What a flood of WebSocket messages from one WebRTC peer costs the real server, by kind: `ping`,
// `stats` without and with 16 hostile `frames` pairs (timestamps never sent, the 32-bit edge,
// arrivals at 0 and far in the future). For each: messages a second, the server's CPU time per
// message, its RSS, and another peer's ping round trip during the flood; the descriptors after all
// left against the baseline. Run inside a namespace with the real server:
//   tests/browser/netns.sh tests/browser/with-server.sh node bench/browser/stats-flood.mjs
// FLOOD (messages per kind, default 20000), KINDS (default "ping stats statsframes").
import { connect } from '../../tests/browser/lib/ws_video_client.mjs';
import fs from 'node:fs';
import { execSync } from 'node:child_process';
const url = process.env.VTKSTREAM_URL;
const port = new URL(url).port;
// The server's pid: the process listening on the link's port (in this namespace, only it).
const pid = Number(/pid=(\d+)/.exec(execSync(`ss -Htlnp 'sport = :${port}'`).toString())[1]);
const proc = () => {
  const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(st)[1]), cpu: (Number(s[11]) + Number(s[12])) / 100,
    fds: fs.readdirSync(`/proc/${pid}/fd`).length, threads: Number(/Threads:\s+(\d+)/.exec(st)[1]) };
};
// Measuring windows (the server's teardown has no event a client can wait for), not waits.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// warm-up: one viewer in and out, so that the baseline has the encoders running
{ const w = await connect(url, { transport: 'webrtc' }); await w.until((x) => x.texts.some((m) => m.type === 'offer'), 10000, 'offer'); w.close(); await sleep(3000); }
const base = proc(); console.log('baseline after warm-up', base);
const b = await connect(url, { transport: 'webrtc' });
const rtt = async () => { const t0 = performance.now(); const n = b.texts.length; b.send({ type: 'ping', t: t0 });
  await b.until((x) => x.texts.slice(n).some((m) => m.type === 'pong'), 60000, 'pong'); return performance.now() - t0; };
const frames = () => Array.from({ length: 16 }, (_, i) => [i % 4 === 0 ? 4294967295 : Math.floor(Math.random() * 2 ** 32), i % 3 ? 1e12 : 0]);
const kinds = {
  ping: (i) => ({ type: 'ping', t: i }),
  stats: (i) => ({ type: 'stats', t: i + 200, bytes: i, packets: i }),
  statsframes: (i) => ({ type: 'stats', t: i + 200, bytes: i, packets: i, frames: frames() }),
  // a ping as long as a stats report with frames, its pairs in a field the server ignores: the parse alone
  pingpad: (i) => ({ type: 'ping', t: i, pad: frames() }),
};
const n = Number(process.env.FLOOD ?? 20000);
for (const kind of (process.env.KINDS ?? 'ping stats statsframes').split(' ')) {
  const a = await connect(url, { transport: 'webrtc' });
  await a.until((x) => x.texts.some((m) => m.type === 'offer'), 10000, 'offer');
  const c0 = proc(); const t0 = performance.now(); const pings = [];
  for (let sent = 0; sent < n;) {
    for (let i = 0; i < 500 && sent < n; i++, sent++) a.send(kinds[kind](sent));
    await new Promise((r) => setImmediate(r));
    while (a.ws.bufferedAmount > 4e6) await sleep(2);
    if (sent % 5000 === 0) pings.push(await rtt());
  }
  const mid = proc();
  const an = a.texts.length; a.send({ type: 'ping', t: -1 });
  await a.until((x) => x.texts.slice(an).some((m) => m.type === 'pong' && m.t === -1), 120000, 'attacker pong');
  const c1 = proc(); const secs = (performance.now() - t0) / 1000;
  console.log(`${kind}: ${n} in ${secs.toFixed(1)} s (${(n / secs).toFixed(0)}/s) server cpu ${(c1.cpu - c0.cpu).toFixed(2)} s = ${((c1.cpu - c0.cpu) / n * 1e6).toFixed(0)} us/msg; rss ${c0.rss}->${mid.rss}->${c1.rss} kB; other viewer ping ms ${pings.map((p) => p.toFixed(0)).join(' ')}; closed ${JSON.stringify(a.closed)}`);
  a.close(); await sleep(2500);
}
const after = proc(); console.log('after all', after, 'ping', (await rtt()).toFixed(1));
b.close(); await sleep(3000); console.log('after b left', proc(), 'baseline fds', base.fds);
process.exit(0);
