// The crisp still (docs/protocol.md "The crisp still over HTTP"). After an interaction the server
// encodes the renderer's full-size still once as WebP and says `still`: sharper than the video's
// still on any rung (the top rung's is 4:2:0 VP8; a lower rung's is small). This fetches it with
// the message's key (which paces the download for this viewer), and once it is
// decoded lays it over the video in the same box (#still: the video's CSS, object-fit contain,
// so nothing moves; pointer-events none, so input still reaches the stage and keeps its
// coordinates). It goes again when the first video frame after the viewer's next input is shown
// (the picture moves on), on a newer still, and on a rung or transport change.

export class CrispStill {
  /**
   * @param {object} o
   * @param {HTMLElement} o.stage      the box the video sits in
   * @param {HTMLVideoElement} o.video WebRTC's video: its frames end the still after input
   * @param {(id:number, key:string, lossless:boolean) => string} o.url  the image's URL (token added)
   */
  constructor({ stage, video, url }) {
    this.video = video;
    this.url = url;
    this.img = document.createElement('img');
    this.img.id = 'still';
    this.img.alt = '';
    this.img.hidden = true;
    this.img.draggable = false;
    this.img.tabIndex = -1;
    this.img.setAttribute('aria-hidden', 'true');   // the same picture as the video, sharper
    stage.appendChild(this.img);
    this.want = 0;          // the newest id announced
    this.shown = null;      // { id, width, height, lossless, announcedAt, shownAt } while shown
    this.lastShown = null;  // the last still shown (kept for the overlay and benchmarks)
    this.armed = false;     // input came while shown: hide at the next video frame
    this.rungNow = null;
    this.inputAt = -Infinity;  // the viewer's last input (page clock)
    this.url_ = null;       // object URL of the image shown
    this.fetching = null;   // AbortController of the fetch under way
  }

  /** A `still` message. */
  async show(msg) {
    const id = Number(msg.id);
    if (!(id > this.want)) return;
    this.want = id;
    const announcedAt = performance.now();
    if (this.fetching) this.fetching.abort();
    const ctl = new AbortController();
    this.fetching = ctl;
    try {
      const r = await fetch(this.url(id, String(msg.key || ''), msg.lossless === true), { credentials: 'same-origin', signal: ctl.signal });
      if (!r.ok) throw new Error(`HTTP ${r.status}: ${(await r.text()).trim()}`);
      const blobUrl = URL.createObjectURL(await r.blob());
      const next = new Image();
      next.src = blobUrl;
      await next.decode();
      // A newer still was announced meanwhile, or the viewer moved the picture on since.
      if (id !== this.want || this.inputAt > announcedAt) {
        URL.revokeObjectURL(blobUrl);
        return;
      }
      this.img.src = blobUrl;
      await this.img.decode();   // decoded already (same URL): no blank frame when shown
      if (id !== this.want || this.inputAt > announcedAt) return;
      if (this.url_) URL.revokeObjectURL(this.url_);
      this.url_ = blobUrl;
      this.img.hidden = false;
      this.armed = false;
      this.shown = { id, width: next.naturalWidth, height: next.naturalHeight, lossless: msg.lossless === true, announcedAt,
                     shownAt: performance.now() };
      this.lastShown = this.shown;
    } catch (e) {
      if (e.name !== 'AbortError') console.warn('vtkstream: crisp still', id, 'not shown:', e.message || e);
    } finally {
      if (this.fetching === ctl) this.fetching = null;
    }
  }

  /**
   * The viewer sent input: the still goes with the next video frame presented.
   * @param {boolean} canvasShown WebSocket video is shown: its canvas calls frame() when it draws
   */
  input(canvasShown) {
    this.inputAt = performance.now();
    // The picture moves on: a still still downloading would only take the link from the video.
    if (this.fetching) this.fetching.abort();
    if (!this.shown || this.armed) return;
    this.armed = true;
    if (canvasShown) return;
    const v = this.video;
    if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(() => this.frame());
    else this.hide();   // no per-frame callback: the frames answering the input follow at once
  }

  /** A video frame was presented (WebRTC callback, or the WebSocket video's canvas drew one). */
  frame() {
    if (this.armed) this.hide();
  }

  /** A `rung` message: another rung (or the top one) ends the still. */
  rung(r) {
    if (this.rungNow !== null && r !== this.rungNow) this.hide();
    this.rungNow = r;
  }

  hide() {
    this.armed = false;
    this.shown = null;
    this.img.hidden = true;
  }

  /** For the overlay and window.vtkstream.stats(). */
  state() {
    const s = this.shown || this.lastShown;
    return s ? { ...s, visible: !!this.shown } : null;
  }
}

/** The overlay's line: "crisp 1280×720 (still 3)" while shown. */
export function stillLine(s) {
  if (!s) return '–';
  return s.visible ? `crisp ${s.width}×${s.height} shown (still ${s.id})` : `still ${s.id} hidden (the picture moved)`;
}
