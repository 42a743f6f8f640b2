// Wires the page together: one signalling session at a time; WebRTC first, MJPEG when WebRTC
// is unavailable or does not connect in time (WebSocket video instead where WebCodecs exists,
// also when WebRTC is lost later); input and resize records go over the data channel
// when it is open, else over the WebSocket. Exposes window.vtkstream for the overlay, the
// browser tests and the benchmark.
//
// Which path the video takes, and when it switches: transport.js.
//
// URL parameters (all optional):
//   transport=webrtc|ws|mjpeg  pin one path       codec=h264     prefer H.264 (default VP8)
//   rtc_timeout=MS    WebRTC deadline (3000) size=WxH       fixed render size (no follow)
//   hover=1           send pointer moves with no button held
//   relay=1           WebRTC through the server's TURN relays only (checks a TURN set-up)
//   stats=1           open the overlay at load
//   stills=0          no crisp full-size still over HTTP (still.js; for A/B benchmarks)
//   token=T           the access token of the link (README "Server"): sent on /ws and /mjpeg;
//                     taken out of the address bar once read (below)

import { Signalling } from './signalling.js';
import { RtcTransport, receivableCodecs } from './webrtc.js';
import { MjpegTransport } from './mjpeg.js';
import { WsVideoTransport, wsVideoSupported } from './ws_video.js';
import { pinnedTransport, helloFor, onFirstVideoFrame } from './transport.js';
import { InputCapture } from './input.js';
import { ResizeReporter } from './resize.js';
import { Stats } from './stats.js';
import { Overlay, OVERLAY_KEY_CODE } from './overlay.js';
import { QualityMenu } from './quality.js';
import { ControlPanel } from './control.js';
import { PageChrome } from './chrome.js';
import { CrispStill } from './still.js';

const params = new URLSearchParams(location.search);
const RTC_TIMEOUT_MS = Number(params.get('rtc_timeout')) || 3000;
const PINNED = pinnedTransport(params);
const fixedSize = /^(\d+)x(\d+)$/.exec(params.get('size') || '');
// The server also keeps the token in a cookie for this page's requests; sending it explicitly
// says which link (control or view-only) this tab was opened with.
const TOKEN = params.get('token') || '';
const withToken = (path) =>
  (TOKEN ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(TOKEN)}` : path);
// The token now lives in TOKEN (and in the server's cookie, which a reload uses): take it out of
// the address bar, so it is not shown, copied with the address, bookmarked or screenshotted.
// replaceState keeps the other parameters and adds no history entry.
if (params.has('token')) {
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}
// Inputs timed for input-to-photon: those that normally change the picture (see latency.js).
const TIMED = new Set(['pm', 'wh', 'kd', 'tm']);

const $ = (id) => document.getElementById(id);
const video = $('video');
const img = $('mjpeg');
const canvas = $('wsvideo');
const stage = $('stage');
const statusEl = $('status');
const noticeEl = $('notice');

const state = {
  phase: 'connecting',      // connecting | session | disconnected
  peerId: null,
  transport: null,          // 'webrtc' | 'ws' | 'mjpeg': what the page shows now
  rtcState: null,           // connecting | connected
  renderer: 'unknown',
  rendererDetail: '',
  note: '',                 // last error / bye, shown until the next session
  welcome: null,
  seq: 0,
  noWebRtc: false,          // the server streams no codec we can receive: MJPEG from now on
  control: null,            // the last `control` message
};
let rtc = null;
let mjpeg = null;
let wsv = null;      // WebSocket video, while it is shown
let chrome = null;   // PageChrome, once everything it acts on exists (end of this file)
let quality = null;  // QualityMenu (quality.js), with the chrome

const stats = new Stats(video, (m) => signalling.send(m));
// The full-size crisp still, shown over the video after an interaction (still.js).
const still = new CrispStill({ stage, video, url: (id, key, lossless) =>
  withToken(`still.webp?id=${id}&key=${encodeURIComponent(key)}${lossless ? '&lossless=1' : ''}`) });

function wantWebRtc() {
  return !state.noWebRtc && (PINNED === null || PINNED === 'webrtc') &&
         typeof globalThis.RTCPeerConnection === 'function';
}

function sendHello() {
  const codecs = receivableCodecs(params.get('codec') || 'VP8');
  signalling.send({ ...helloFor({ pinned: PINNED, noWebRtc: state.noWebRtc, codecs,
                                  hasRtc: typeof globalThis.RTCPeerConnection === 'function' }),
                    stills: params.get('stills') !== '0' });
}

// ---- status line ------------------------------------------------------------------------

function renderStatus() {
  const parts = [];
  if (state.phase === 'connecting') parts.push('connecting…');
  else if (state.phase === 'disconnected') parts.push(state.note || 'disconnected');
  else if (state.transport === 'mjpeg') parts.push('MJPEG fallback');
  else if (state.transport === 'ws') parts.push('WebSocket video' + (stats.rtc.codec ? ' ' + stats.rtc.codec : ''));
  else if (state.rtcState === 'connected') parts.push('WebRTC' + (stats.rtc.codec ? ' ' + stats.rtc.codec : ''));
  else parts.push('WebRTC connecting…');
  if (state.phase === 'session' && state.renderer !== 'unknown') {
    parts.push('renderer ' + state.renderer + (state.renderer !== 'running' && state.rendererDetail
      ? ' (' + state.rendererDetail + ')' : ''));
  }
  if (state.phase === 'session' && state.note) parts.push(state.note);
  const text = parts.join(' · ');
  if (statusEl.textContent !== text) statusEl.textContent = text;   // role=status: speak changes only
  if (chrome) chrome.sayState(announcement());
  statusEl.classList.toggle('warn', state.phase !== 'session' ||
    (state.renderer !== 'running' && state.renderer !== 'unknown'));
  statusEl.dataset.transport = state.transport || '';
  statusEl.dataset.renderer = state.renderer;
  const notice = state.ended ? 'session ended (idle): reload to watch again'
               : state.phase === 'disconnected' ? 'connection lost, reconnecting…'
               : state.phase === 'session' && state.renderer === 'restarting' ? 'renderer restarting…'
               : state.phase === 'session' && state.renderer === 'waiting' ? 'waiting for the renderer…'
               : '';
  noticeEl.textContent = notice;
  noticeEl.hidden = !notice;
}

/** The one sentence a screen reader hears for the current state (said when it changes). */
function announcement() {
  if (state.ended) return 'session ended after a long idle time; reload the page to watch again';
  if (state.phase === 'connecting') return 'connecting';
  if (state.phase === 'disconnected') return 'connection lost, reconnecting';
  if (state.renderer === 'restarting') return 'renderer lost, restarting it';
  if (state.renderer === 'waiting') return 'waiting for the renderer';
  const c = state.control;
  const who = !c ? '' : c.you ? 'you are in control' : c.controller == null ? 'nobody is in control'
                                                     : `peer ${c.controller} is in control`;
  return ['connected', who].filter(Boolean).join(', ');
}
setInterval(renderStatus, 1000);   // picks up the codec once getStats knows it

// ---- input --------------------------------------------------------------------------------

/** Number, time and send one input record: data channel if open, else the WebSocket. */
function sendInput(record) {
  if (state.phase !== 'session') return;
  const r = { ...record, s: ++state.seq };
  if (r.m === undefined) r.m = 0;
  if (TIMED.has(r.t)) stats.latency.sent(r.s, performance.now());
  if (!(rtc && rtc.send(r))) signalling.send({ type: 'input', ...r });
  if (chrome) chrome.idle.hide(false);   // the server counts input as activity too
  still.input(state.transport === 'ws');
}

new InputCapture(stage, () => (state.transport === 'mjpeg' ? img : state.transport === 'ws' ? canvas : video), sendInput,
                 { hover: params.get('hover') === '1' });
const resize = new ResizeReporter(stage, sendInput, {
  fixed: fixedSize ? { w: Number(fixedSize[1]), h: Number(fixedSize[2]) } : null,
});

// ---- transports ---------------------------------------------------------------------------

function teardown() {
  if (rtc) rtc.close();
  if (mjpeg) mjpeg.close();
  stopWsVideo();
  still.hide();
  rtc = null;
  mjpeg = null;
  stats.setTransport(null);
  video.hidden = false;
}

function startMjpeg() {
  teardown();
  state.transport = 'mjpeg';
  video.hidden = true;
  mjpeg = new MjpegTransport(img, withToken(state.welcome.mjpeg || `/mjpeg?peer=${state.peerId}`));
  renderStatus();
}

function startWsVideo() {
  wsv = new WsVideoTransport({
    canvas,
    sendBinary: (b) => signalling.sendBinary(b),
    onDrawn: (seq, arrived, t) => {
      stats.canvasFrame(seq, arrived, t);
      still.frame();
    },
  });
  stats.canvasShown = true;
  state.transport = 'ws';
  stats.setTransport(wsv);
}

function stopWsVideo() {
  if (wsv) wsv.close();
  wsv = null;
  stats.canvasShown = false;
}

/** WebRTC presented its first frame under the canvas: show it, stop the WebSocket video. */
function switchToWebRtc() {
  if (!wsv || !rtc) return;
  signalling.send({ type: 'ws-video', on: false });
  stopWsVideo();
  still.hide();
  state.transport = 'webrtc';
  stats.setTransport(rtc);
  renderStatus();
}

function fallback(reason) {
  if (wsv && rtc) {   // WebRTC never made it: stay on WebSocket video, drop the server's webrtcbin
    console.warn(`vtkstream: WebRTC ${reason}; staying on WebSocket video`);
    signalling.send({ type: 'transport', transport: 'ws' });
    rtc.close();
    rtc = null;
    state.rtcState = null;
    renderStatus();
    return;
  }
  if (state.transport !== 'webrtc') return;
  if (wsFallback()) {   // WebRTC was shown and went: WebSocket video, where WebCodecs exists
    console.warn(`vtkstream: WebRTC ${reason}; falling back to WebSocket video`);
    signalling.send({ type: 'transport', transport: 'ws' });
    if (rtc) rtc.close();
    rtc = null;
    state.rtcState = null;
    startWsVideo();
    renderStatus();
    return;
  }
  // Rungs are encodes WebRTC and WebSocket video carry, MJPEG none: the quality menu goes (no
  // dead controls).
  if (quality) quality.update({ heights: [] });
  console.warn(`vtkstream: WebRTC ${reason}; falling back to MJPEG`);
  signalling.send({ type: 'transport', transport: 'mjpeg' });
  startMjpeg();
}

/** Whether a WebRTC session that fails goes on over WebSocket video (else MJPEG, the last resort). */
function wsFallback() {
  return PINNED === null && !state.noWebRtc && wsVideoSupported();
}

function startWebRtc() {
  state.transport = wsv ? 'ws' : 'webrtc';
  state.rtcState = 'connecting';
  rtc = new RtcTransport({
    video,
    welcome: state.welcome,
    timeoutMs: RTC_TIMEOUT_MS,
    relayOnly: params.get('relay') === '1',
    noPlayoutDelay: params.get('playout_delay') === '0',
    signal: (m) => signalling.send(m),
    onMessage: onMessage,
    onConnected: () => { state.rtcState = 'connected'; renderStatus(); },
    onFail: fallback,
  });
  if (wsv) onFirstVideoFrame(video, switchToWebRtc);
  else stats.setTransport(rtc);
  renderStatus();
}

// ---- signalling ---------------------------------------------------------------------------

function onMessage(msg) {
  switch (msg.type) {
    case 'welcome':
      state.phase = 'session';
      state.note = '';
      state.peerId = msg.peer_id;
      state.welcome = msg;
      if (msg.ws_video) startWsVideo();
      if (wantWebRtc() && msg.codec !== 'MJPEG' && PINNED !== 'ws') startWebRtc();
      else if (!msg.ws_video) startMjpeg();
      resize.setLimit(msg.max_render_size);
      resize.report(true);
      break;
    case 'offer':
      if (rtc && typeof msg.sdp === 'string') rtc.offer(msg.sdp);
      break;
    case 'ice':
      if (rtc) rtc.ice(msg);
      break;
    case 'renderer':
      state.renderer = String(msg.state || 'unknown');
      state.rendererDetail = String(msg.detail || '');
      break;
    case 'control':
      state.control = msg;
      controlPanel.update(msg, state.peerId);
      break;
    case 'idle-warning':
      chrome.idle.show(Math.max(1, Number(msg.seconds) || 1));
      break;
    case 'estimate':
      stats.estimate = msg;
      return;
    case 'rung':
      stats.rung = msg;
      still.rung(msg.rung);
      if (quality) quality.update(msg);
      return;
    case 'still':
      still.show(msg);
      return;
    case 'frame':
      stats.latency.frame(msg.seq, msg.rtp, performance.now(), state.transport === 'mjpeg');
      return;   // hot path: no status redraw
    case 'transport':
      // The server saw this WebRTC session fail first and moved it to WebSocket video itself;
      // its frames follow this message.
      if (msg.transport === 'ws' && !wsv && rtc && state.transport === 'webrtc') fallback('failed on the server');
      break;
    case 'error':
      console.warn('vtkstream: server error', msg.code, msg.message);
      state.note = msg.code === 'forbidden' ? 'input ignored: not in control' : `error: ${msg.code}`;
      // Refused before any welcome: the server streams a codec this browser cannot decode
      // (e.g. H.264 on Debian's Firefox). Say hello again, asking for MJPEG.
      if (msg.code === 'no-codec' && state.phase !== 'session') {
        state.noWebRtc = true;
        sendHello();
      }
      break;
    case 'bye':
      state.note = 'server ended the session' + (msg.reason ? ': ' + msg.reason : '');
      // Closed for idling (--idle-timeout): reconnecting would defeat it; a reload starts over.
      if (msg.code === 'idle') {
        chrome.idle.hide(false);
        signalling.close();
        teardown();
        Object.assign(state, { phase: 'disconnected', transport: null, rtcState: null, control: null,
                               ended: true });
        controlPanel.update(null, null);
        state.note = 'session ended after a long idle time; reload the page to watch again';
      }
      break;
    default:
      break;
  }
  renderStatus();
}

const signalling = new Signalling({
  onOpen: sendHello,
  onMessage,
  onBinary: (buf) => { if (wsv) wsv.push(buf); },
  onClose(retryMs) {
    teardown();
    const note = state.note && state.note.startsWith('server ended') ? state.note + '; ' : '';
    Object.assign(state, { phase: 'disconnected', transport: null, rtcState: null, peerId: null,
                           renderer: 'unknown', control: null });
    controlPanel.update(null, null);
    state.note = `${note}disconnected, reconnecting in ${(retryMs / 1000).toFixed(1)} s`;
    renderStatus();
  },
}, withToken('ws'));
const controlPanel = new ControlPanel($('control'), (m) => signalling.send(m));
signalling.connect();

// ---- overlay and the page API -------------------------------------------------------------

function snapshot() {
  const v = state.transport === 'mjpeg' ? { w: img.naturalWidth, h: img.naturalHeight }
          : state.transport === 'ws' ? { w: canvas.width, h: canvas.height }
          : { w: video.videoWidth, h: video.videoHeight };
  return {
    transport: state.transport,
    rtcState: state.rtcState,
    peerId: state.peerId,
    renderer: state.renderer,
    phase: state.phase,
    videoWidth: v.w,
    videoHeight: v.h,
    wsRttMs: signalling.rttMs,
    lastSeq: state.seq,
    control: state.control,
    idleWarning: chrome ? chrome.idle.secondsLeft() : null,
    ended: !!state.ended,
    lastSave: chrome ? chrome.lastSave : null,
    still: still.state(),
    ...stats.snapshot(),
  };
}

const overlay = new Overlay($('overlay'), snapshot);
addEventListener('keydown', (e) => {
  if (e.code === OVERLAY_KEY_CODE && !e.repeat) {
    e.preventDefault();
    overlay.toggle();
  }
});
if (params.get('stats') === '1') overlay.toggle(true);

/** A key press and release for the scene, from the menu (touch screens have no keyboard). */
function sendKey(k) {
  sendInput({ t: 'kd', k, m: 0 });
  sendInput({ t: 'ku', k, m: 0 });
}
chrome = new PageChrome({
  sendKey,
  stay: () => signalling.send({ type: 'stay' }),
  overlay,
  snapshotUrl: () => withToken('snapshot.png'),
});
renderStatus();
quality = new QualityMenu(chrome.menu, (m) => signalling.send(m), (t) => chrome.say(t));

/** For tests and benchmarks (read-only use expected). */
window.vtkstream = {
  stats: snapshot,
  waitFrames: (n, timeoutMs) => stats.waitFrames(n, timeoutMs),
  latencySamples: () => stats.latency.samples.slice(),
  resetLatency: () => stats.latency.reset(),
  recordLatency: () => stats.latency.record(),
  // Fresh WebRTC numbers (cumulative bytesReceived etc.), for exact measurement windows.
  rtcStats: () => (rtc ? rtc.stats() : Promise.resolve(null)),
  // WebSocket video's start, first message, first keyframe and first picture (ms, page clock).
  wsTimes: () => (wsv ? { ...wsv.times } : null),
  mjpegTimes: () => (mjpeg ? { ...mjpeg.times } : null),
  toggleOverlay: (show) => overlay.toggle(show),
  savePicture: () => chrome.save(withToken('snapshot.png')),
};
