// The page's half of congestion control (docs/protocol.md "Link statistics"): every sample of
// the WebRTC statistics (every 300 ms, stats.js) goes to the server as a `stats` message, plus
// the queueing delay of the frames presented since the last one. The server's controller turns
// these into this viewer's bandwidth estimate and answers with `estimate`.
//
// Queueing delay: requestVideoFrameCallback gives, for a WebRTC frame, the time its last packet
// arrived (receiveTime) and its RTP timestamp (the sender's clock, 90 kHz). Their difference is
// the one-way delay plus a constant offset between the clocks; its minimum over the last
// BASE_WINDOW_MS is the delay of an empty path, and what lies above it is time spent waiting in a
// queue on the way, the earliest sign that the link is full. The RTP timestamp is the capture
// time, so a frame's delay also holds its encoding time, which varies a lot on a loaded machine;
// such noise only ever adds, so the report carries the smallest queueing delay of the frames of
// the last RECENT_MS: a queue raises every frame's delay, a slow encode only some. Browsers without
// these fields (older Firefox releases) send no delay; the server then relies on what arrives against what was
// sent, and loss.
//
// Each report also carries `frames`: the RTP timestamp and arrival time of the least and the most
// delayed frames presented since the last report. The server knows when each frame's last packet
// left, so it can tell how long that frame spent on the network alone, without the encoding time
// (plugins/vtkstreamsink/adapt/frame_delay.h): a full-size still that waited 200 ms in a link's
// queue, where the byte counters of two reports 300 ms apart see nothing.

const BASE_WINDOW_MS = 10000;
const RECENT_MS = 1000;
const RTP_WRAP = 2 ** 32;

export class LinkReport {
  /** @param {(msg: object) => void} send */
  constructor(send) {
    this.send = send;
    this.reset();
  }

  /** A new peer connection: its counters and clocks start over. */
  reset() {
    this.base = [];         // {t, d}: per-frame delays of the last BASE_WINDOW_MS, for the minimum
    this.recent = [];       // {t, q}: queueing delays of the frames of the last RECENT_MS
    this.sinceReport = [];  // {rtp, recv, d}: frames presented since the last report
    this.lastRtp = null;
    this.rtpHigh = 0;       // unwrapping of the 32-bit RTP timestamp
  }

  /** A presented frame's metadata (requestVideoFrameCallback). */
  frame(md) {
    if (typeof md.receiveTime !== 'number' || typeof md.rtpTimestamp !== 'number') return;
    if (this.lastRtp != null && md.rtpTimestamp < this.lastRtp && this.lastRtp - md.rtpTimestamp > RTP_WRAP / 2) {
      this.rtpHigh += RTP_WRAP;
    }
    this.lastRtp = md.rtpTimestamp;
    const d = md.receiveTime - (this.rtpHigh + md.rtpTimestamp) / 90;
    const t = md.receiveTime;
    this.base.push({ t, d });
    while (this.base.length && this.base[0].t < t - BASE_WINDOW_MS) this.base.shift();
    let min = Infinity;
    for (const b of this.base) min = Math.min(min, b.d);
    this.recent.push({ t, q: d - min });
    if (this.sinceReport.length < 64) this.sinceReport.push({ rtp: md.rtpTimestamp, recv: md.receiveTime, d });
    while (this.recent.length && this.recent[0].t < t - RECENT_MS) this.recent.shift();
  }

  /** One sample of RtcTransport.stats(); sent unless the connection has no video numbers yet. */
  report(s) {
    if (!s || s.bytesReceived == null) return;
    const now = performance.now();
    while (this.recent.length && this.recent[0].t < now - RECENT_MS) this.recent.shift();
    const delay = this.recent.length ? Math.min(...this.recent.map((r) => r.q)) : null;
    const msg = { type: 'stats', t: Math.max(0, now), bytes: s.bytesReceived };
    const put = (k, v, scale = 1) => { if (typeof v === 'number' && v >= 0 && Number.isFinite(v)) msg[k] = v * scale; };
    put('packets', s.packetsReceived);
    put('lost', s.packetsLost);
    put('decoded', s.framesDecoded);
    put('dropped', s.framesDropped);
    put('freezes', s.freezeCount);
    put('freeze_ms', s.totalFreezesDurationS, 1000);
    put('jb_delay_ms', s.jitterBufferDelayS, 1000);
    put('jb_emitted', s.jitterBufferEmitted);
    put('delay_ms', delay);
    const frames = this.extremes();
    if (frames.length) msg.frames = frames;
    this.send(msg);
  }

  /** The least and the most delayed frames since the last report, as [rtpTimestamp, receiveTime]. */
  extremes() {
    const f = this.sinceReport;
    this.sinceReport = [];
    if (!f.length) return [];
    let lo = f[0];
    let hi = f[0];
    for (const x of f) {
      if (x.d < lo.d) lo = x;
      if (x.d > hi.d) hi = x;
    }
    const pair = (x) => [x.rtp, Math.round(x.recv * 10) / 10];
    return lo === hi ? [pair(hi)] : [pair(lo), pair(hi)];
  }
}
