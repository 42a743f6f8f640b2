// The fallback picture: a multipart/x-mixed-replace JPEG stream in an <img>, over the same HTTP
// port as the page (what a one-port tunnel forwards). Input then travels on the WebSocket.

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
    img.src = this.url;
    img.hidden = false;
  }

  close() {
    // Dropping the src closes the HTTP stream, so the server frees the peer's encoder branch.
    this.img.removeAttribute('src');
    this.img.hidden = true;
  }
}
