// Ask the renderer to render at the size the picture is shown at (device pixels), so no pixel
// is rendered, encoded and sent only to be scaled away, and none is missing on a sharp screen.
// Debounced: a window drag-resize fires dozens of events, and every renderer resize costs a
// reallocation and a keyframe.

import { fitLimit, renderSize } from './geometry.js';

const DEBOUNCE_MS = 300;

export class ResizeReporter {
  /**
   * @param {HTMLElement} stage   the element whose size the picture fills
   * @param {(record: object) => void} send
   * @param {{fixed?: {w:number,h:number}|null, max?: {w:number,h:number}}} [opts]
   *   fixed: always ask for this size (URL ?size=WxH); max: cap (default 1920x1080, a cost
   *   choice: what a CPU renderer and encoder keep up with, below the server's resize limit)
   */
  constructor(stage, send, opts = {}) {
    this.stage = stage;
    this.send = send;
    this.fixed = opts.fixed || null;
    this.max = opts.max || { w: 1920, h: 1080 };
    this.limit = null;  // the server's resize limit per side, from `welcome` (setLimit)
    this.last = null;
    this.timer = 0;
    this.observer = new ResizeObserver(() => this.changed());
    this.observer.observe(stage);
    // devicePixelRatio changes (browser zoom, moving to another screen) do not resize the
    // element in CSS pixels; the window resize event covers them.
    addEventListener('resize', () => this.changed());
  }

  /** The largest side the server accepts in `rs` (welcome.max_render_size); others are refused. */
  setLimit(limit) {
    this.limit = Number.isInteger(limit) && limit > 0 ? limit : null;
  }

  wanted() {
    if (this.fixed) return fitLimit(this.fixed, this.limit);
    const r = this.stage.getBoundingClientRect();
    const cap = (v) => (this.limit ? Math.min(v, this.limit) : v);
    return renderSize(r.width, r.height, devicePixelRatio, cap(this.max.w), cap(this.max.h));
  }

  changed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.report(false), DEBOUNCE_MS);
  }

  /** force: send even if unchanged (a new session: the server has not heard it yet). */
  report(force) {
    clearTimeout(this.timer);
    const s = this.wanted();
    if (!s) return;
    if (!force && this.last && this.last.w === s.w && this.last.h === s.h) return;
    this.last = s;
    this.send({ t: 'rs', w: s.w, h: s.h });
  }
}
