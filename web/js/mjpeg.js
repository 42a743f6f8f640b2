// The fallback picture: a multipart/x-mixed-replace JPEG stream in an <img>, over the same HTTP
// port as the page (what a one-port tunnel forwards). Input then travels on the WebSocket.

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

export class MjpegTransport {
  /**
   * @param {HTMLImageElement} img
   * @param {string} path  the welcome's `mjpeg` path, e.g. "/mjpeg?peer=3"
   */
  constructor(img, path) {
    this.img = img;
    // Resolve beside the page rather than at the host root, so a proxy that serves the app
    // under a path prefix still works ("/mjpeg?peer=3" -> "<prefix>/mjpeg?peer=3").
    this.url = new URL(String(path).replace(/^\/+/, ''), document.baseURI).href;
    this.retryMs = RETRY_MIN_MS;
    this.timer = 0;
    this.closed = false;
    // The stream can fail to open (our `transport` switch and this request travel on different
    // connections, so the request may reach the server first: 404) or end (server restarting
    // the stream): reopen it with a short backoff for as long as this transport lives.
    img.onerror = () => {
      if (this.closed) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    };
    // When this transport started and its first picture loaded (performance.now()), for the page API.
    this.times = { start: performance.now(), firstLoad: null };
    img.onload = () => {
      this.retryMs = RETRY_MIN_MS;
      this.times.firstLoad ??= performance.now();
    };
    img.hidden = false;
    this.open();
  }

  open() {
    // A fresh URL each time: an <img> given the same src again may not refetch it.
    this.attempt = (this.attempt || 0) + 1;
    this.img.src = this.url + (this.url.includes('?') ? '&' : '?') + 'n=' + this.attempt;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.img.onerror = null;
    this.img.onload = null;
    // Dropping the src closes the HTTP stream, so the server frees the peer's encoder branch.
    this.img.removeAttribute('src');
    this.img.hidden = true;
  }
}
