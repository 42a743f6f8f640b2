// WebSocket video (docs/protocol.md "WebSocket video"): encoded frames arrive as binary messages
// on the signalling WebSocket, a WebCodecs VideoDecoder decodes them and each picture is drawn on
// a <canvas> that covers the <video> element exactly (same box, object-fit: contain), so switching
// between the two moves nothing on the page. Every frame is acknowledged when it arrives; the
// server keeps at most two in flight (ten behind a keyframe) and skips to a keyframe when this
// page falls behind.
//
// WebCodecs exists only in a secure context (https, or http on localhost): elsewhere
// `wsVideoSupported()` is false and the page uses WebRTC or MJPEG.

const HEADER_MIN = 28;
const VP8_COLOUR_SPACE = { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false };
const CODECS = { 1: 'vp8', 2: 'avc1.42E01F' };   // H.264: Annex B, so no `description`
// Frames waiting in the decoder beyond this: drop deltas until the next keyframe (a slow
// decoder must not build a queue the server's window cannot see).
const MAX_DECODE_QUEUE = 3;

export function wsVideoSupported() {
  return typeof globalThis.VideoDecoder === 'function' && typeof globalThis.EncodedVideoChunk === 'function';
}

/** Parses a frame message; null when it is not a version-1 frame. */
export function parseFrame(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < HEADER_MIN) return null;
  const v = new DataView(buf);
  const hl = v.getUint8(1);
  if (v.getUint8(0) !== 1 || hl < HEADER_MIN || hl > buf.byteLength) return null;
  return {
    codec: v.getUint8(2), key: (v.getUint8(3) & 1) === 1, id: v.getUint32(4),
    seq: Number(v.getBigUint64(8)), ptsUs: Number(v.getBigUint64(16)),
    width: v.getUint16(24), height: v.getUint16(26), data: new Uint8Array(buf, hl), bytes: buf.byteLength,
  };
}

/** The 8-byte ack of frame `id` (and every earlier one). */
export function ackRecord(id) {
  const b = new ArrayBuffer(8);
  const v = new DataView(b);
  v.setUint8(0, 1);
  v.setUint8(1, 1);
  v.setUint32(4, id);
  return b;
}

export class WsVideoTransport {
  /**
   * @param {object} o
   * @param {HTMLCanvasElement} o.canvas
   * @param {(buf: ArrayBuffer) => void} o.sendBinary
   * @param {(seq: number, arrived: number, drawn: number) => void} o.onDrawn  a picture is on the canvas
   */
  constructor(o) {
    this.o = o;
    this.canvas = o.canvas;
    this.ctx = o.canvas.getContext('2d');
    this.decoder = null;
    this.codec = null;
    this.waitKey = true;
    this.closed = false;
    this.bytesReceived = 0;
    this.framesDecoded = 0;
    this.framesDropped = 0;
    this.pending = new Map();   // timestamp -> {seq, arrived}
    // When this transport started, and its first message, keyframe and picture (performance.now()),
    // for the page API: where a slow first picture spends its time.
    this.times = { start: performance.now(), firstMessage: null, firstKey: null, firstDraw: null,
                   firstKeyBytes: null, firstKeyWidth: null };
    this.canvas.hidden = false;
  }

  /** A binary message from the signalling socket. */
  push(buf) {
    if (this.closed) return;
    const arrived = performance.now();
    const f = parseFrame(buf);
    if (!f) return;
    this.o.sendBinary(ackRecord(f.id));
    this.times.firstMessage ??= arrived;
    if (f.key && this.times.firstKey === null) {
      this.times.firstKey = arrived;
      this.times.firstKeyBytes = f.bytes;
      this.times.firstKeyWidth = f.width;
    }
    this.bytesReceived += f.bytes;
    if (!this.decoder || this.decoder.state === 'closed' || this.codec !== f.codec) {
      if (!f.key) return this.drop();
      this.configure(f.codec);
    }
    if (this.waitKey && !f.key) return this.drop();
    if (!f.key && this.decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
      this.waitKey = true;
      return this.drop();
    }
    this.waitKey = false;
    this.pending.set(f.ptsUs, { seq: f.seq, arrived });
    if (this.pending.size > 64) this.pending.delete(this.pending.keys().next().value);
    try {
      this.decoder.decode(new EncodedVideoChunk({ type: f.key ? 'key' : 'delta', timestamp: f.ptsUs, data: f.data }));
    } catch (e) {
      console.warn('vtkstream: WebSocket video decode failed', e);
      this.waitKey = true;
    }
  }

  drop() {
    this.framesDropped++;
  }

  configure(codecId) {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.codec = codecId;
    this.waitKey = true;
    this.decoder = new VideoDecoder({
      output: (frame) => this.draw(frame),
      error: (e) => {
        // The decoder is closed now; the next keyframe configures a new one.
        console.warn('vtkstream: WebSocket video decoder error', e);
        this.waitKey = true;
      },
    });
    const config = { codec: CODECS[codecId] || 'vp8', optimizeForLatency: true };
    // VP8 carries no colour description; the server encodes BT.601 limited range, what every
    // browser assumes for VP8 over WebRTC. Chromium's WebCodecs decoder otherwise tags the frames
    // so that the canvas draws them as BT.709 (the bars of tests/browser/gst/colour.test.mjs came
    // out up to 39 levels off). H.264 says it in its own bitstream, which would win anyway.
    if (config.codec === 'vp8') config.colorSpace = VP8_COLOUR_SPACE;
    this.decoder.configure(config);
  }

  draw(frame) {
    if (this.closed) {
      frame.close();
      return;
    }
    const w = frame.displayWidth;
    const h = frame.displayHeight;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.ctx.drawImage(frame, 0, 0, w, h);
    const p = this.pending.get(frame.timestamp);
    this.pending.delete(frame.timestamp);
    frame.close();
    this.framesDecoded++;
    this.times.firstDraw ??= performance.now();
    this.o.onDrawn(p ? p.seq : 0, p ? p.arrived : performance.now(), performance.now());
  }

  /** The numbers stats.js samples (same names as RtcTransport.stats()). */
  async stats() {
    return { bytesReceived: this.bytesReceived, codec: this.codec === 2 ? 'H264' : this.codec ? 'VP8' : null,
             rttMs: null, framesDecoded: this.framesDecoded, framesDropped: this.framesDropped };
  }

  close() {
    this.closed = true;
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.pending.clear();
    this.canvas.hidden = true;
  }
}
