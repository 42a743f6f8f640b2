// The signalling WebSocket (docs/protocol.md): JSON messages in and out, a ping every few
// seconds (round-trip time without WebRTC, and a keepalive through tunnels that drop idle
// connections), and automatic reconnection with exponential backoff so a server or network hiccup
// heals without a reload.

const PING_INTERVAL_MS = 2000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 8000;

export class Signalling {
  /**
   * @param {object} handlers
   * @param {() => void} handlers.onOpen          socket open: send `hello` now
   * @param {(msg: object) => void} handlers.onMessage
   * @param {(buf: ArrayBuffer) => void} [handlers.onBinary]  a binary message (WebSocket video)
   * @param {(retryMs: number) => void} handlers.onClose  socket gone; reconnecting in retryMs
   * @param {string} [url] defaults to `ws` beside the page (works behind a path-prefixing proxy)
   */
  constructor(handlers, url) {
    this.handlers = handlers;
    const u = new URL(url || 'ws', document.baseURI);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = u.href;
    this.ws = null;
    this.backoff = BACKOFF_MIN_MS;
    this.rttMs = null;
    this.pingTimer = 0;
    this.retryTimer = 0;
    this.stopped = false;
  }

  connect() {
    this.stopped = false;
    // Marks for the first-picture probe (bench/browser/first-picture.mjs): when the socket was
    // asked for and when it opened, on the page's performance timeline.
    performance.mark('vtkstream-ws-connect');
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      performance.mark('vtkstream-ws-open');
      const ping = () => this.send({ type: 'ping', t: performance.now() });
      this.pingTimer = setInterval(ping, PING_INTERVAL_MS);
      this.handlers.onOpen();   // `hello` must be the first message
      ping();                   // an RTT right away, not after the first interval
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') {
        if (this.handlers.onBinary) this.handlers.onBinary(ev.data);
        return;
      }
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        console.warn('vtkstream: ignoring non-JSON signalling message');
        return;
      }
      if (!msg || typeof msg.type !== 'string') return;
      if (msg.type === 'pong' && typeof msg.t === 'number') {
        this.rttMs = performance.now() - msg.t;
        return;
      }
      // A session got as far as a welcome: the server is healthy, so the next drop starts the
      // backoff from the bottom again.
      if (msg.type === 'welcome') this.backoff = BACKOFF_MIN_MS;
      this.handlers.onMessage(msg);
    };
    ws.onclose = () => this.closed(ws);
    // onerror is always followed by onclose; nothing to do twice.
  }

  closed(ws) {
    if (ws !== this.ws) return;
    clearInterval(this.pingTimer);
    this.ws = null;
    if (this.stopped) return;
    // Jitter spreads many tabs reconnecting to a restarted server.
    const retry = Math.round(this.backoff * (0.75 + Math.random() * 0.5));
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
    this.handlers.onClose(retry);
    this.retryTimer = setTimeout(() => this.connect(), retry);
  }

  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** @returns {boolean} whether the message was handed to the socket */
  send(msg) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** A binary record (WebSocket video acks). */
  sendBinary(buf) {
    if (!this.open) return false;
    this.ws.send(buf);
    return true;
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close();
    this.ws = null;
  }
}
