// Which path the video takes (docs/protocol.md "What the web client does with it", Transport).
//
// Unpinned, in a browser with WebCodecs, the page asks for WebSocket video and WebRTC at once:
// the WebSocket video shows the first picture within a round trip or two (it needs no ICE), and
// the page switches to WebRTC the moment WebRTC has presented its first frame (then stops the
// WebSocket video, so only one stream flows). If WebRTC never connects (a one-port tunnel, UDP
// dropped and no ICE-TCP), the page stays on WebSocket video. Without WebCodecs (plain http on an
// address that is not localhost: not a secure context) it is WebRTC, then MJPEG as before.
// `?transport=webrtc|ws|mjpeg` pins one path (no switching, except MJPEG as WebRTC's fallback).

import { wsVideoSupported } from './ws_video.js';

const PINS = new Set(['webrtc', 'ws', 'mjpeg']);

/** The pinned transport of the page URL, or null. */
export function pinnedTransport(params) {
  const t = params.get('transport');
  return PINS.has(t) ? t : null;
}

/**
 * The `hello` for this page.
 * @param {object} o
 * @param {string|null} o.pinned     pinnedTransport()
 * @param {boolean} o.noWebRtc       the server refused our codecs for WebRTC (no-codec)
 * @param {boolean} o.hasRtc         RTCPeerConnection exists
 * @param {boolean} [o.hasWsVideo]   WebCodecs exists (defaults to this browser's)
 * @param {string[]} o.codecs
 */
export function helloFor(o) {
  const ws = (o.hasWsVideo ?? wsVideoSupported()) && !o.noWebRtc;
  const rtc = o.hasRtc && !o.noWebRtc;
  const base = { type: 'hello', version: 1, codecs: o.codecs };
  if (o.pinned === 'mjpeg') return { ...base, transport: 'mjpeg' };
  if (o.pinned === 'ws' && ws) return { ...base, transport: 'ws' };
  if (o.pinned === 'webrtc' && rtc) return { ...base, transport: 'webrtc' };
  if (!o.pinned && rtc) return ws ? { ...base, transport: 'webrtc', ws_video: true } : { ...base, transport: 'webrtc' };
  if (!o.pinned && ws) return { ...base, transport: 'ws' };
  return { ...base, transport: 'mjpeg' };
}

/**
 * Calls `cb` once, when `video` has presented its first frame (requestVideoFrameCallback, or
 * `playing` where there is none). Returns a function that cancels it.
 */
export function onFirstVideoFrame(video, cb) {
  let done = false;
  const fire = () => {
    if (done) return;
    done = true;
    video.removeEventListener('playing', fire);
    cb();
  };
  if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(fire);
  else video.addEventListener('playing', fire);
  return () => {
    done = true;
    video.removeEventListener('playing', fire);
  };
}
