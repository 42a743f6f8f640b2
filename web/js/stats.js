// Numbers for the overlay, the tests and the benchmark: presented fps (requestVideoFrameCallback),
// bitrate / RTT / codec (WebRTC getStats, sampled every 300 ms and each sample reported to the
// server for congestion control: link_report.js), and input-to-photon latency (latency.js). Everything is read through `snapshot()`, which main.js exposes as
// window.vtkstream.stats().

import { LatencyTracker } from './latency.js';
import { LinkReport } from './link_report.js';

// The protocol asks for a report every 250-500 ms: often enough for the server to see a queue
// build within a few hundred milliseconds, rare enough to cost little upstream (~4 kbit/s).
const SAMPLE_MS = 300;

export class Stats {
  /** @param {HTMLVideoElement} video */
  constructor(video, send = () => {}) {
    this.video = video;
    this.link = new LinkReport(send);
    this.estimate = null;       // the server's last `estimate` for this viewer
    this.rung = null;           // the server's last `rung` for this viewer
    this.latency = new LatencyTracker();
    this.framesPresented = 0;   // frames this page saw presented (rVFC callbacks), all sessions
    this.frameTimes = [];       // presentation times over the last second, for fps
    this.lastFrameAt = null;
    this.bitrateKbps = null;
    this.bytesReceived = null;
    this.rtc = {};
    this.prevBytes = null;
    this.transport = null;      // object with async stats(), or null (MJPEG)
    this.waiters = [];
    this.canvasShown = false;   // WebSocket video is what the page shows
    this.canvasFrames = 0;      // pictures WebSocket video drew, all sessions
    this.hasRvfc = 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
    if (this.hasRvfc) video.requestVideoFrameCallback((now, md) => this.onVideoFrame(now, md));
    setInterval(() => this.sample(), SAMPLE_MS);
  }

  onVideoFrame(now, md) {
    // Re-arm first: the callback is one-shot.
    this.video.requestVideoFrameCallback((n, m) => this.onVideoFrame(n, m));
    const t = md.presentationTime ?? now;
    // While WebSocket video shows the picture, WebRTC frames under the canvas are not counted.
    if (this.canvasShown) return;
    this.countFrame(t);
    this.latency.presentedFrame(md.rtpTimestamp, t);
    if (this.transport) this.link.frame(md);
  }

  countFrame(t) {
    this.framesPresented++;
    this.lastFrameAt = t;
    this.frameTimes.push(t);
    while (this.frameTimes.length && this.frameTimes[0] < t - 1000) this.frameTimes.shift();
    this.waiters = this.waiters.filter((w) => !w.check());
  }

  /** WebSocket video drew a picture reflecting input `seq` (0: none) on the canvas at `t`. */
  canvasFrame(seq, arrived, t) {
    this.canvasFrames++;
    this.countFrame(t);
    if (seq > 0) this.latency.drawn(seq, arrived, t);
  }

  /** Resolves once `n` more frames have been presented; rejects after `timeoutMs`. */
  waitFrames(n, timeoutMs = 10000) {
    const target = this.framesPresented + n;
    return new Promise((resolve, reject) => {
      const w = {
        check: () => {
          if (this.framesPresented < target) return false;
          clearTimeout(w.timer);
          resolve(this.framesPresented);
          return true;
        },
      };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`only ${this.framesPresented - target + n} of ${n} frames in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** The transport changed (new WebRTC session, MJPEG, none): bitrate restarts from zero. */
  setTransport(transport) {
    this.transport = transport;
    this.prevBytes = null;
    this.bitrateKbps = null;
    this.bytesReceived = null;
    this.rtc = {};
    this.estimate = null;
    this.rung = null;
    this.link.reset();
  }

  async sample() {
    const tr = this.transport;
    if (!tr || !tr.stats) return;
    let s;
    try {
      s = await tr.stats();
    } catch {
      return;   // the connection closed between the check and getStats
    }
    if (tr !== this.transport) return;
    this.rtc = s;
    if (tr.connected) this.link.report(s);
    const now = performance.now();
    if (s.bytesReceived != null) {
      if (this.prevBytes) {
        const dt = (now - this.prevBytes.t) / 1000;
        if (dt > 0) this.bitrateKbps = (8 * (s.bytesReceived - this.prevBytes.b)) / 1000 / dt;
      }
      this.prevBytes = { t: now, b: s.bytesReceived };
      this.bytesReceived = s.bytesReceived;
    }
  }

  fps() {
    // A still scene presents no frames: the window empties and fps drops to 0, as it should.
    const now = performance.now();
    return this.frameTimes.filter((t) => t >= now - 1000).length;
  }

  snapshot() {
    return {
      fps: this.hasRvfc || this.canvasShown ? this.fps() : null,
      framesPresented: this.framesPresented,
      wsFramesDrawn: this.canvasFrames,
      bitrateKbps: this.bitrateKbps,
      bytesReceived: this.bytesReceived,
      rttMs: this.rtc.rttMs ?? null,
      codec: this.rtc.codec ?? null,
      framesDecoded: this.rtc.framesDecoded ?? null,
      framesDropped: this.rtc.framesDropped ?? null,
      packetsLost: this.rtc.packetsLost ?? null,
      jitterBufferMs: this.rtc.jitterBufferMs ?? null,
      estimateKbps: this.estimate?.kbps ?? null,
      encoderKbps: this.estimate?.encoder_kbps ?? null,
      estimateSteers: this.estimate?.steers ?? null,
      rung: this.rung?.rung ?? null,
      rungs: this.rung?.rungs ?? null,
      rungWidth: this.rung?.width ?? null,
      rungHeight: this.rung?.height ?? null,
      rungKbps: this.rung?.kbps ?? null,
      rungPinned: this.rung?.pinned ?? null,
      renderWidth: this.rung?.render_width ?? null,
      renderHeight: this.rung?.render_height ?? null,
      latency: this.latency.summary(),
    };
  }
}
