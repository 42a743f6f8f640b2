// Input-to-photon bookkeeping, per input event (docs/protocol.md, `frame`).
//
// The client numbers every input record (`s`) and remembers when it sent it. When the first
// frame reflecting that input leaves the server's encoder, the server sends
// {type:"frame", seq, rtp}: seq = the newest of our inputs the frame reflects, rtp = the frame's
// RTP timestamp. requestVideoFrameCallback reports, for each presented frame, its
// `rtpTimestamp` and `presentationTime`; matching the two gives when the picture of that input
// reached the screen. Every still-unanswered input up to `seq` is answered by that frame (the
// renderer coalesces moves), so each event counts its own full wait.
//
// Only inputs that normally change the picture are timed (the caller decides: moves while a
// button is held, wheel, key presses). A button release or an unbound key may never produce a
// frame; timing it would turn the pause until the next drag into a fake multi-second sample.
// Anything still unanswered after EXPIRE_MS is counted as `expired`, not as a latency.
//
// Fallbacks, both flagged `approx` in the summary:
//  * no rtpTimestamp in the rVFC metadata: the first frame presented after the `frame` message
//    arrived is taken to be that frame;
//  * MJPEG (no rVFC on <img>): the arrival of the `frame` message (a lower bound: decode and
//    paint of the JPEG are not counted).
// Pure logic with injected times, so node's test runner can exercise it without a browser.

const RTP_MOD = 2 ** 32;
const KEEP_SAMPLES = 200;   // percentiles over recent events, not the whole session
const EXPIRE_MS = 2000;     // an input with no visible effect stops waiting (counted apart)
const KEEP_PRESENTED = 240;

/** true when RTP timestamp a is not later than b (modulo 2^32, within half the range). */
function rtpNotAfter(a, b) {
  const d = (((b - a) % RTP_MOD) + RTP_MOD) % RTP_MOD;
  return d < RTP_MOD / 2;
}

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export class LatencyTracker {
  constructor() {
    this.reset();
  }

  reset() {
    this.sentAt = new Map();         // seq -> send time, ascending seq
    this.pendingRtp = new Map();     // rtp -> seq, announced but not yet presented
    this.pendingNoRtp = [];          // {seq, arrived} waiting for the next presented frame
    this.presented = new Map();      // rtp -> presentation time, recent frames
    this.samples = [];
    this.echoSamples = [];           // send -> echo arrival: render + encode + network, no decode
    this.newestSamples = [];         // send -> photon of the newest input in each frame only
    this.recorders = this.recorders || [];   // unbounded sample logs (benchmarks), kept on reset
    this.expired = 0;
    this.hasRtp = null;              // learned from the first rVFC metadata
    this.approx = false;
  }

  /** An input record with sequence `seq` was sent at `t`. */
  sent(seq, t) {
    this.sentAt.set(seq, t);
    for (const [s, t0] of this.sentAt) {
      if (t - t0 <= EXPIRE_MS) break;
      this.sentAt.delete(s);
      this.expired++;
    }
  }

  /** Inputs up to `seq` became visible at time `t`. */
  resolve(seq, t) {
    for (const [s, t0] of this.sentAt) {
      if (s > seq) break;
      this.sentAt.delete(s);
      if (t - t0 > EXPIRE_MS) this.expired++;
      else {
        const v = Math.max(0, t - t0);
        this.samples.push(v);
        for (const r of this.recorders) r.push(v);
        // The input a frame was echoed for: the pipeline's own latency, without the wait of
        // older inputs for the next frame (compare with echoSamples for the browser's share).
        if (s === seq) {
          this.newestSamples.push(v);
          if (this.newestSamples.length > KEEP_SAMPLES) this.newestSamples.shift();
        }
      }
    }
    if (this.samples.length > KEEP_SAMPLES) this.samples.splice(0, this.samples.length - KEEP_SAMPLES);
  }

  /** The server's `frame` message arrived at `t`; `mjpeg`: no presentation feedback exists. */
  frame(seq, rtp, t, mjpeg = false) {
    if (!Number.isInteger(seq)) return;
    const t0 = this.sentAt.get(seq);
    if (t0 !== undefined) {
      this.echoSamples.push(t - t0);
      if (this.echoSamples.length > KEEP_SAMPLES) this.echoSamples.shift();
    }
    if (mjpeg) {
      this.approx = true;
      this.resolve(seq, t);
      return;
    }
    if (this.hasRtp !== false && Number.isFinite(rtp)) {
      const key = ((rtp % RTP_MOD) + RTP_MOD) % RTP_MOD;
      // The frame may already be on screen: its message and its packets race each other.
      if (this.presented.has(key)) this.resolve(seq, this.presented.get(key));
      else this.pendingRtp.set(key, seq);
      return;
    }
    this.pendingNoRtp.push({ seq, arrived: t });
  }

  /**
   * WebSocket video: the frame reflecting inputs up to `seq` arrived at `arrived` and was drawn
   * on the canvas at `t` (exact: the page itself paints it; the header carries the echo).
   */
  drawn(seq, arrived, t) {
    const t0 = this.sentAt.get(seq);
    if (t0 !== undefined) {
      this.echoSamples.push(arrived - t0);
      if (this.echoSamples.length > KEEP_SAMPLES) this.echoSamples.shift();
    }
    this.resolve(seq, t);
  }

  /** requestVideoFrameCallback saw a frame (`rtp` undefined when the browser gives none). */
  presentedFrame(rtp, t) {
    if (Number.isFinite(rtp)) {
      this.hasRtp = true;
      const key = rtp >>> 0;
      this.presented.set(key, t);
      if (this.presented.size > KEEP_PRESENTED) this.presented.delete(this.presented.keys().next().value);
      // Announced frames at or before this one are visible now: this one, or (if the compositor
      // skipped them) a later frame that also contains their effect.
      for (const [r, seq] of this.pendingRtp) {
        if (rtpNotAfter(r, key)) {
          this.resolve(seq, t);
          this.pendingRtp.delete(r);
        }
      }
    } else if (this.hasRtp !== false) {
      this.hasRtp = false;
      for (const [, seq] of this.pendingRtp) this.pendingNoRtp.push({ seq, arrived: t });
      this.pendingRtp.clear();
    }
    // Echoes that came without an RTP timestamp (or that we cannot match): this frame, the first
    // presented after their arrival, stands in for theirs.
    if (this.pendingNoRtp.length) {
      this.approx = true;
      for (const p of this.pendingNoRtp) this.resolve(p.seq, Math.max(t, p.arrived));
      this.pendingNoRtp = [];
    }
  }

  /** An array that receives every future sample (the summary keeps only recent ones). */
  record() {
    const log = [];
    this.recorders.push(log);
    return log;
  }

  summary() {
    const sorted = this.samples.slice().sort((a, b) => a - b);
    const echo = this.echoSamples.slice().sort((a, b) => a - b);
    const newest = this.newestSamples.slice().sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      echoP50: percentile(echo, 50),
      newestP50: percentile(newest, 50),
      n: sorted.length,
      pending: this.sentAt.size,
      expired: this.expired,
      approx: this.approx,
    };
  }
}
