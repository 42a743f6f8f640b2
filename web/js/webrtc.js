// The WebRTC receive side: one RTCPeerConnection answering the server's offer (send-only video
// plus the server-created "input" data channel), tuned for latency rather than smoothness, with a
// deadline: if it is not connected within `timeoutMs` the caller falls back (tunnels such as ngrok
// forward one HTTP port and no UDP, so ICE never succeeds there). A connection lost later counts
// as failed too: `failed`, or `disconnected` for LOST_MS without coming back (browsers take long
// to say `failed`, if ever, when the path just goes silent; Chromium said `disconnected` a few
// seconds after its packets stopped getting through).

/** Codecs this browser can receive, as protocol names, `preferred` first (VP8 by default). */
export function receivableCodecs(preferred) {
  const caps = globalThis.RTCRtpReceiver?.getCapabilities?.('video');
  const have = new Set((caps?.codecs || []).map((c) => c.mimeType.toLowerCase()));
  // Without getCapabilities (old browsers) assume VP8, which every WebRTC browser decodes.
  const names = have.size ? ['VP8', 'H264'].filter((n) => have.has('video/' + n.toLowerCase()))
                          : ['VP8'];
  const p = (preferred || '').toUpperCase();
  if (names.includes(p)) names.sort((a, b) => (b === p) - (a === p));
  return names;
}

// The playout-delay RTP header extension the server offers (min = max = 0 on every packet): the
// browser (Chromium and Firefox alike) then shows each frame as soon as it is decoded instead of
// holding it in a jitter buffer sized to smooth the playout (docs/performance.md).
export const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

/** Whether an SDP negotiates the header extension `uri`. */
export function hasExtension(sdp, uri) {
  return String(sdp).split(/\r?\n/).some((l) => /^a=extmap:\d+(\/\w+)? /.test(l) && l.endsWith(' ' + uri));
}

/** The SDP without the header extension `uri` (its a=extmap lines removed). */
export function withoutExtension(sdp, uri) {
  return String(sdp).split(/(?<=\n)/).filter((l) => !(/^a=extmap:/.test(l) && l.trimEnd().endsWith(' ' + uri))).join('');
}

// How long `disconnected` may last before the page gives up on this connection.
export const LOST_MS = 5000;

export class RtcTransport {
  /**
   * @param {object} o
   * @param {HTMLVideoElement} o.video
   * @param {object} o.welcome         the server's welcome (ice_servers, codec)
   * @param {(msg: object) => void} o.signal   send a signalling message
   * @param {(msg: object) => void} o.onMessage  a message from the data channel (`frame`)
   * @param {() => void} o.onConnected
   * @param {(reason: string) => void} o.onFail  never connected in time, or failed later
   * @param {number} o.timeoutMs
   * @param {boolean} [o.relayOnly]  use TURN relays only (`?relay=1`: checks a TURN set-up)
   * @param {boolean} [o.noPlayoutDelay]  decline the playout-delay extension (`?playout_delay=0`:
   *   the benchmark's switch, to measure what it changes)
   */
  constructor(o) {
    this.o = o;
    this.channel = null;
    this.connected = false;
    this.closed = false;
    this.playoutDelay = null;   // whether the answer took the playout-delay extension
    // Signalling operations run strictly in arrival order (an ICE candidate must not overtake
    // the offer whose setRemoteDescription is still pending).
    this.chain = Promise.resolve();
    this.pc = new RTCPeerConnection({
      iceServers: Array.isArray(o.welcome.ice_servers) ? o.welcome.ice_servers : [],
      bundlePolicy: 'max-bundle',
      // Only when asked: otherwise the configuration stays exactly the browser's default.
      ...(o.relayOnly ? { iceTransportPolicy: 'relay' } : {}),
    });
    this.timer = setTimeout(() => this.fail('timeout'), o.timeoutMs);
    this.lostTimer = null;   // while `disconnected` after having been connected
    this.pc.onicecandidate = (ev) => {
      const c = ev.candidate;
      // A null candidate means gathering finished: the protocol's empty string.
      o.signal({ type: 'ice', candidate: c ? c.candidate : '',
                 sdpMLineIndex: c && c.sdpMLineIndex != null ? c.sdpMLineIndex : 0 });
    };
    this.pc.ontrack = (ev) => this.track(ev);
    this.pc.ondatachannel = (ev) => this.dataChannel(ev.channel);
    this.pc.onconnectionstatechange = () => this.stateChanged();
  }

  track(ev) {
    const r = ev.receiver;
    // Low latency over smoothness: play each frame as soon as it is decoded. A remote-control
    // picture that is late is worse than one that occasionally stutters.
    try { if ('jitterBufferTarget' in r) r.jitterBufferTarget = 0; } catch { /* unsupported */ }
    try { if ('playoutDelayHint' in r) r.playoutDelayHint = 0; } catch { /* unsupported */ }
    const v = this.o.video;
    v.srcObject = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
    // Autoplay of a muted video is allowed everywhere; a rejection here only means "later".
    v.play().catch(() => {});
  }

  dataChannel(ch) {
    if (ch.label !== 'input') return;
    this.channel = ch;
    ch.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      try {
        const msg = JSON.parse(ev.data);
        if (msg && typeof msg.type === 'string') this.o.onMessage(msg);
      } catch { /* not ours */ }
    };
  }

  stateChanged() {
    const s = this.pc.connectionState;
    if (s !== 'disconnected') {
      clearTimeout(this.lostTimer);
      this.lostTimer = null;
    }
    if (s === 'connected' && !this.connected) {
      this.connected = true;
      clearTimeout(this.timer);
      this.o.onConnected();
    } else if (s === 'failed') {
      this.fail('ice-failed');
    } else if (s === 'disconnected' && this.connected && !this.lostTimer) {
      this.lostTimer = setTimeout(() => this.fail('disconnected'), LOST_MS);
    }
  }

  fail(reason) {
    if (this.closed) return;
    this.o.onFail(reason);
  }

  /** Server offer → our answer. */
  offer(sdp) {
    this.chain = this.chain.then(async () => {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      this.preferCodec(this.o.welcome.codec);
      if (this.o.noPlayoutDelay) this.declineExtension(PLAYOUT_DELAY_URI);
      const answer = await this.pc.createAnswer();
      // Firefox has no setHeaderExtensionsToNegotiate: the line leaves its answer instead.
      if (this.o.noPlayoutDelay) answer.sdp = withoutExtension(answer.sdp, PLAYOUT_DELAY_URI);
      await this.pc.setLocalDescription(answer);
      this.playoutDelay = hasExtension(this.pc.localDescription.sdp, PLAYOUT_DELAY_URI);
      this.o.signal({ type: 'answer', sdp: this.pc.localDescription.sdp });
    }).catch((e) => {
      console.error('vtkstream: answering the offer failed', e);
      this.fail('bad-offer');
    });
  }

  /** If the server offered several codecs, answer with the chosen one first. */
  preferCodec(name) {
    const t = this.pc.getTransceivers().find((x) => x.receiver.track?.kind === 'video');
    const caps = RTCRtpReceiver.getCapabilities?.('video');
    if (!t || !t.setCodecPreferences || !caps || !name) return;
    const want = 'video/' + String(name).toLowerCase();
    const codecs = caps.codecs.slice().sort(
      (a, b) => (b.mimeType.toLowerCase() === want) - (a.mimeType.toLowerCase() === want));
    try { t.setCodecPreferences(codecs); } catch { /* keep the browser's order */ }
  }

  /** Leaves the header extension `uri` out of the answer where the browser has the API for it. */
  declineExtension(uri) {
    const t = this.pc.getTransceivers().find((x) => x.receiver.track?.kind === 'video');
    if (!t || !t.getHeaderExtensionsToNegotiate || !t.setHeaderExtensionsToNegotiate) return;
    try {
      t.setHeaderExtensionsToNegotiate(t.getHeaderExtensionsToNegotiate().map(
        (e) => (e.uri === uri ? { ...e, direction: 'stopped' } : e)));
    } catch (e) {
      console.warn('vtkstream: could not decline', uri, e);
    }
  }

  ice(msg) {
    this.chain = this.chain.then(async () => {
      const candidate = typeof msg.candidate === 'string' ? msg.candidate : '';
      const sdpMLineIndex = Number.isInteger(msg.sdpMLineIndex) ? msg.sdpMLineIndex : 0;
      try {
        // An empty candidate is end-of-candidates.
        await this.pc.addIceCandidate({ candidate, sdpMLineIndex });
      } catch (e) {
        console.warn('vtkstream: remote ICE candidate rejected', e);
      }
    });
  }

  /** @returns {boolean} sent over the data channel (false: caller uses the WebSocket) */
  send(record) {
    if (!this.channel || this.channel.readyState !== 'open') return false;
    this.channel.send(JSON.stringify(record));
    return true;
  }

  /** Inbound video numbers for the overlay: cumulative bytes, codec, RTT of the active pair. */
  async stats() {
    const out = { bytesReceived: null, codec: null, rttMs: null, framesDecoded: null,
                  framesDropped: null, packetsLost: null, jitterBufferMs: null,
                  jitterBufferDelayS: null, jitterBufferEmitted: null, totalDecodeTimeS: null,
                  route: null, packetsReceived: null, freezeCount: null, totalFreezesDurationS: null,
                  totalProcessingDelayS: null, totalAssemblyTimeS: null, framesReceived: null,
                  playoutDelay: this.playoutDelay };
    if (this.closed) return out;
    const report = await this.pc.getStats();
    let inbound = null;
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && (s.kind === 'video' || s.mediaType === 'video')) inbound = s;
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    report.forEach((s) => {
      // Chromium names the pair through the transport; Firefox flags it `selected`.
      const chosen = s.type === 'candidate-pair' &&
                     (pairId ? s.id === pairId : s.selected || s.nominated);
      if (chosen && typeof s.currentRoundTripTime === 'number') out.rttMs = s.currentRoundTripTime * 1000;
      // Which path the media takes: host/srflx/prflx/relay on each side, over udp or tcp.
      const local = chosen && report.get(s.localCandidateId);
      const remote = chosen && report.get(s.remoteCandidateId);
      if (local && remote) {
        out.route = { local: local.candidateType, remote: remote.candidateType, protocol: local.protocol,
                      relayProtocol: local.relayProtocol ?? null };
      }
    });
    if (inbound) {
      out.bytesReceived = inbound.bytesReceived ?? null;
      out.framesDecoded = inbound.framesDecoded ?? null;
      out.framesDropped = inbound.framesDropped ?? null;
      out.packetsLost = inbound.packetsLost ?? null;
      out.packetsReceived = inbound.packetsReceived ?? null;
      out.freezeCount = inbound.freezeCount ?? null;
      out.totalFreezesDurationS = inbound.totalFreezesDuration ?? null;
      // Cumulative sums too, so a benchmark can take averages over its own window.
      out.jitterBufferDelayS = inbound.jitterBufferDelay ?? null;
      out.jitterBufferEmitted = inbound.jitterBufferEmittedCount ?? null;
      out.totalDecodeTimeS = inbound.totalDecodeTime ?? null;
      // Where a frame's time goes in the browser (benchmarks take differences over a window):
      // first packet to decoded, first to last packet.
      out.totalProcessingDelayS = inbound.totalProcessingDelay ?? null;
      out.totalAssemblyTimeS = inbound.totalAssemblyTime ?? null;
      out.framesReceived = inbound.framesReceived ?? null;
      if (inbound.jitterBufferEmittedCount > 0) {
        out.jitterBufferMs = 1000 * inbound.jitterBufferDelay / inbound.jitterBufferEmittedCount;
      }
      const codec = inbound.codecId && report.get(inbound.codecId);
      if (codec && codec.mimeType) out.codec = codec.mimeType.replace(/^video\//i, '');
    }
    return out;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.lostTimer);
    try { this.pc.close(); } catch { /* already closed */ }
    this.o.video.srcObject = null;
  }
}
