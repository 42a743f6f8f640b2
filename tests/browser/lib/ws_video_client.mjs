// A WebSocket-video client in node (the `ws` package), speaking docs/protocol.md "WebSocket
// video" the way the page does: hello with transport ws, binary frames with their header, acks.
// Used by tests that check the server's side without a browser.
import WebSocket from 'ws';

export const HEADER_BYTES = 28;

export function parseFrame(buf) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    version: v.getUint8(0), headerBytes: v.getUint8(1), codec: v.getUint8(2),
    keyframe: (v.getUint8(3) & 1) === 1, cached: (v.getUint8(3) & 2) === 2, id: v.getUint32(4),
    seq: Number(v.getBigUint64(8)), ptsUs: Number(v.getBigUint64(16)),
    width: v.getUint16(24), height: v.getUint16(26), bytes: buf.byteLength,
    payload: buf.subarray(v.getUint8(1)),
  };
}

export function ack(id) {
  const b = Buffer.alloc(8);
  b.writeUInt8(1, 0); b.writeUInt8(1, 1); b.writeUInt32BE(id, 4);
  return b;
}

// Opens /ws for `pageUrl` (its token), says hello; `opts.ack` (default true) acks every frame.
// Resolves once the welcome arrived. Frames, texts and the close are recorded and waitable.
export function connect(pageUrl, opts = {}) {
  const u = new URL(pageUrl);
  const wsUrl = `ws://${u.host}/ws?token=${u.searchParams.get('token')}`;
  const c = {
    frames: [], texts: [], closed: null, autoAck: opts.ack !== false, waiters: new Set(),
    ws: new WebSocket(wsUrl, { headers: { Origin: `http://${u.host}` } }),
    send(obj) { this.ws.send(JSON.stringify(obj)); },
    // Resolves when pred(c) holds, rejects after ms (checked on every event, no polling).
    until(pred, ms, what) {
      if (pred(this)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { pred, resolve, timer: setTimeout(() => { this.waiters.delete(w); reject(new Error(`timeout: ${what}`)); }, ms) };
        this.waiters.add(w);
      });
    },
    wake() {
      for (const w of [...this.waiters]) if (w.pred(this)) { clearTimeout(w.timer); this.waiters.delete(w); w.resolve(); }
    },
    close() { if (this.ws.readyState === WebSocket.OPEN) this.ws.close(); },
  };
  c.ws.on('message', (data, isBinary) => {
    if (isBinary) {
      const f = parseFrame(data);
      f.at = performance.now();
      c.frames.push(f);
      if (c.autoAck) c.ws.send(ack(f.id));
    } else {
      c.texts.push(JSON.parse(data.toString()));
    }
    c.wake();
  });
  c.ws.on('close', (code, reason) => { c.closed = { code, reason: reason.toString() }; c.wake(); });
  c.ws.on('error', () => {});
  const hello = { type: 'hello', version: 1, codecs: ['VP8', 'H264'], transport: opts.transport ?? 'ws' };
  if (opts.wsVideo) hello.ws_video = true;
  return new Promise((resolve, reject) => {
    c.ws.on('open', () => c.send(hello));
    c.ws.on('close', () => reject(new Error('closed before welcome')));
    c.until((x) => x.texts.some((m) => m.type === 'welcome'), 10000, 'welcome').then(() => resolve(c), reject);
  });
}

export async function metric(pageUrl, name) {
  const u = new URL(pageUrl);
  const r = await fetch(`http://${u.host}/metrics?token=${u.searchParams.get('token')}`);
  const text = await r.text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}
