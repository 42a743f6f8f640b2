// Unit tests of the page's path choice (web/js/transport.js) and the WebSocket video wire format
// as the page reads and writes it (web/js/ws_video.js), against docs/protocol.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helloFor, pinnedTransport } from '../../../web/js/transport.js';
import { parseFrame, ackRecord } from '../../../web/js/ws_video.js';
import { LatencyTracker } from '../../../web/js/latency.js';
import { PLAYOUT_DELAY_URI, hasExtension, withoutExtension } from '../../../web/js/webrtc.js';

const codecs = ['VP8'];
const p = (q) => new URLSearchParams(q);

test('unpinned: WebRTC with WebSocket video at once where WebCodecs exists', () => {
  assert.deepEqual(helloFor({ pinned: null, noWebRtc: false, hasRtc: true, hasWsVideo: true, codecs }),
                   { type: 'hello', version: 1, codecs, transport: 'webrtc', ws_video: true });
  // Not a secure context (no VideoDecoder): WebRTC alone, as before (MJPEG is its fallback).
  assert.deepEqual(helloFor({ pinned: null, noWebRtc: false, hasRtc: true, hasWsVideo: false, codecs }).transport, 'webrtc');
  assert.equal(helloFor({ pinned: null, noWebRtc: false, hasRtc: true, hasWsVideo: false, codecs }).ws_video, undefined);
  // No RTCPeerConnection: WebSocket video alone, else MJPEG.
  assert.equal(helloFor({ pinned: null, noWebRtc: false, hasRtc: false, hasWsVideo: true, codecs }).transport, 'ws');
  assert.equal(helloFor({ pinned: null, noWebRtc: false, hasRtc: false, hasWsVideo: false, codecs }).transport, 'mjpeg');
  // The server streams a codec we cannot take: MJPEG.
  assert.equal(helloFor({ pinned: null, noWebRtc: true, hasRtc: true, hasWsVideo: true, codecs }).transport, 'mjpeg');
});

test('?transport= pins one path', () => {
  assert.equal(pinnedTransport(p('transport=ws')), 'ws');
  assert.equal(pinnedTransport(p('transport=carrier-pigeon')), null);
  assert.equal(pinnedTransport(p('')), null);
  const h = (pinned, hasWsVideo = true) => helloFor({ pinned, noWebRtc: false, hasRtc: true, hasWsVideo, codecs });
  assert.deepEqual([h('ws').transport, h('ws').ws_video], ['ws', undefined]);
  assert.deepEqual([h('webrtc').transport, h('webrtc').ws_video], ['webrtc', undefined]);
  assert.equal(h('mjpeg').transport, 'mjpeg');
  assert.equal(h('ws', false).transport, 'mjpeg');  // no WebCodecs: the last resort
});

test('a frame header is read as documented, an ack is 8 bytes', () => {
  const b = new ArrayBuffer(28 + 3);
  const v = new DataView(b);
  v.setUint8(0, 1); v.setUint8(1, 28); v.setUint8(2, 1); v.setUint8(3, 1);
  v.setUint32(4, 42); v.setBigUint64(8, 7n); v.setBigUint64(16, 33000n); v.setUint16(24, 640); v.setUint16(26, 360);
  new Uint8Array(b, 28).set([9, 8, 7]);
  const f = parseFrame(b);
  assert.deepEqual({ ...f, data: [...f.data] }, { codec: 1, key: true, id: 42, seq: 7, ptsUs: 33000, width: 640,
                                                  height: 360, data: [9, 8, 7], bytes: 31 });
  v.setUint8(0, 2);
  assert.equal(parseFrame(b), null, 'another version is not read');
  assert.equal(parseFrame(new ArrayBuffer(10)), null);
  assert.deepEqual([...new Uint8Array(ackRecord(0x01020304))], [1, 1, 0, 0, 1, 2, 3, 4]);
});

test('input-to-photon over WebSocket video resolves when the frame is drawn', () => {
  const l = new LatencyTracker();
  l.sent(1, 0);
  l.sent(2, 10);
  l.drawn(2, 40, 55);   // the frame reflecting input 2 arrived at 40, drawn at 55
  const s = l.summary();
  assert.deepEqual([s.n, s.p50, s.p95, s.echoP50, s.approx], [2, 45, 55, 30, false]);
});

test('?playout_delay=0 takes the playout-delay extension out of the answer, and only it', () => {
  const sdp = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' +
              `a=extmap:6 ${PLAYOUT_DELAY_URI}\r\na=extmap:3/recvonly ${PLAYOUT_DELAY_URI}\r\n` +
              'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=rtpmap:96 VP8/90000\r\n';
  assert.ok(hasExtension(sdp, PLAYOUT_DELAY_URI));
  const out = withoutExtension(sdp, PLAYOUT_DELAY_URI);
  assert.ok(!hasExtension(out, PLAYOUT_DELAY_URI));
  assert.equal(out, 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' +
                    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=rtpmap:96 VP8/90000\r\n');
  assert.ok(!hasExtension('a=extmap:6 urn:other', PLAYOUT_DELAY_URI));
});
