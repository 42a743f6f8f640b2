// Pointer, wheel, key and touch capture on the stage, turned into protocol input records
// (docs/protocol.md). Positions are normalised to the drawn picture (geometry.js). Pointer moves
// and wheel deltas are coalesced to one record per animation frame: the renderer cannot draw
// faster than the display anyway, and fewer records mean a shorter queue in front of each frame.
//
// Touch is mapped here, not on the server: one finger drags with the left button (rotate), two
// fingers pinch into wheel records (zoom). The renderer then needs no touch support at all.

import { containRect, normalize } from './geometry.js';
import { keysym, modifiers } from './keys.js';
import { OVERLAY_KEY_CODE } from './overlay.js';

// DOM MouseEvent.buttons bit → protocol button (1 left, 2 middle, 3 right).
const BUTTON_BITS = [[1, 1], [4, 2], [2, 3]];
// Wheel pixels per unit of pinch: ln(spread ratio) × this. About 500 px (five notches of
// ~100 px) per e-fold makes a two-finger spread zoom about as fast as the fingers move apart.
const PINCH_PIXELS = 500;
const LINE_PIXELS = 16;

export class InputCapture {
  /**
   * @param {HTMLElement} stage   element receiving events (focusable)
   * @param {() => HTMLElement} picture  the visible <video> or <img>
   * @param {(record: object) => void} send
   * @param {{hover?: boolean}} [opts] hover: also send moves with no button held
   */
  constructor(stage, picture, send, opts = {}) {
    this.stage = stage;
    this.picture = picture;
    this.send = send;
    this.hover = !!opts.hover;
    this.buttons = 0;           // DOM bitmask of mouse buttons we reported pressed
    this.keys = new Set();      // keysyms we reported pressed
    this.move = null;           // pending coalesced move
    this.wheel = null;          // pending coalesced wheel
    this.raf = 0;
    this.touches = new Map();   // pointerId -> {x, y} client coordinates
    this.touchMode = 'none';    // 'rotate' | 'pinch' | 'done' (until every finger is lifted)
    this.pinchDist = 0;

    const on = (type, fn, o) => stage.addEventListener(type, fn.bind(this), o);
    on('pointerdown', this.onPointerDown);
    on('pointermove', this.onPointerMove);
    on('pointerup', this.onPointerUp);
    on('pointercancel', this.onPointerUp);
    // passive: false, or preventDefault cannot stop the page from scrolling/zooming.
    on('wheel', this.onWheel, { passive: false });
    on('keydown', this.onKeyDown);
    on('keyup', this.onKeyUp);
    on('blur', this.releaseAll);
    on('contextmenu', (e) => e.preventDefault());
  }

  /** Normalised position of a client point in the drawn picture. */
  pos(e) {
    const el = this.picture();
    const w = el.videoWidth ?? el.naturalWidth ?? 0;
    const h = el.videoHeight ?? el.naturalHeight ?? 0;
    return normalize(e.clientX, e.clientY, containRect(el.getBoundingClientRect(), w, h));
  }

  schedule() {
    if (!this.raf) this.raf = requestAnimationFrame(() => { this.raf = 0; this.flush(); });
  }

  /** Send the coalesced move/wheel now (also before any press/release, to keep order). */
  flush() {
    if (this.move) {
      this.send(this.move);
      this.move = null;
    }
    if (this.wheel) {
      this.send(this.wheel);
      this.wheel = null;
    }
  }

  // ---- mouse and pen --------------------------------------------------------------------

  onPointerDown(e) {
    this.stage.focus({ preventScroll: true });
    this.stage.setPointerCapture(e.pointerId);
    if (e.pointerType === 'touch') return this.touchDown(e);
    e.preventDefault();
    this.syncButtons(e);
  }

  onPointerMove(e) {
    if (e.pointerType === 'touch') return this.touchMove(e);
    // A second button pressed during a drag arrives as a move ("chorded" buttons).
    if ((e.buttons & 7) !== this.buttons) return this.syncButtons(e);
    if (!this.buttons && !this.hover) return;
    this.move = { t: 'pm', ...this.pos(e), m: modifiers(e) };
    this.schedule();
  }

  onPointerUp(e) {
    if (e.pointerType === 'touch') return this.touchUp(e);
    this.syncButtons(e, e.type === 'pointercancel' ? 0 : e.buttons);
  }

  /** Report every button whose state differs from what the server last heard. */
  syncButtons(e, now = e.buttons) {
    const p = this.pos(e);
    const m = modifiers(e);
    if (this.buttons) this.move = { t: 'pm', ...p, m };  // the release happens where the pointer is
    this.flush();
    for (const [bit, b] of BUTTON_BITS) {
      if ((now & bit) && !(this.buttons & bit)) this.send({ t: 'pd', ...p, b, m });
      if (!(now & bit) && (this.buttons & bit)) this.send({ t: 'pu', ...p, b, m });
    }
    this.buttons = now & 7;
  }

  onWheel(e) {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? LINE_PIXELS
               : e.deltaMode === 2 ? this.stage.clientHeight : 1;
    const w = this.wheel || { t: 'wh', dx: 0, dy: 0 };
    this.wheel = { ...w, ...this.pos(e), dx: w.dx + e.deltaX * unit, dy: w.dy + e.deltaY * unit,
                   m: modifiers(e) };
    this.schedule();
  }

  // ---- keys -----------------------------------------------------------------------------

  onKeyDown(e) {
    if (e.code === OVERLAY_KEY_CODE) return;   // the overlay's key stays local
    const k = keysym(e);
    if (!k) return;
    // Browser shortcuts (reload, close tab, copy) keep working; everything else is VTK's.
    if (!e.ctrlKey && !e.metaKey) e.preventDefault();
    this.flush();
    this.keys.add(k);
    this.send({ t: 'kd', k, m: modifiers(e) });
  }

  onKeyUp(e) {
    if (e.code === OVERLAY_KEY_CODE) return;
    const k = keysym(e);
    if (!k) return;
    this.keys.delete(k);
    this.send({ t: 'ku', k, m: modifiers(e) });
  }

  /** Focus lost (tab switch, click elsewhere): release what is held so nothing sticks remotely. */
  releaseAll() {
    this.flush();
    for (const k of this.keys) this.send({ t: 'ku', k, m: 0 });
    this.keys.clear();
    for (const [bit, b] of BUTTON_BITS) {
      if (this.buttons & bit) this.send({ t: 'pu', x: 0.5, y: 0.5, b, m: 0 });
    }
    this.buttons = 0;
  }

  // ---- touch ----------------------------------------------------------------------------

  touchDown(e) {
    e.preventDefault();
    this.touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (this.touches.size === 1 && this.touchMode === 'none') {
      this.touchMode = 'rotate';
      this.send({ t: 'pd', ...this.pos(e), b: 1, m: 0 });
    } else if (this.touches.size === 2) {
      // A second finger turns the rotation into a pinch: end the drag where it is.
      if (this.touchMode === 'rotate') {
        this.flush();
        this.send({ t: 'pu', ...this.pos(e), b: 1, m: 0 });
      }
      this.touchMode = 'pinch';
      this.pinchDist = this.spread();
    }
  }

  touchMove(e) {
    if (!this.touches.has(e.pointerId)) return;
    this.touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (this.touchMode === 'rotate') {
      this.move = { t: 'pm', ...this.pos(e), m: 0 };
      this.schedule();
    } else if (this.touchMode === 'pinch' && this.touches.size === 2) {
      const d = this.spread();
      if (d > 0 && this.pinchDist > 0) {
        // Fingers apart = zoom in = wheel up (negative dy), like a trackpad pinch.
        const dy = -Math.log(d / this.pinchDist) * PINCH_PIXELS;
        const w = this.wheel || { t: 'wh', dx: 0, dy: 0 };
        const [a, b] = [...this.touches.values()];
        this.wheel = { ...w, ...this.pos({ clientX: (a.x + b.x) / 2, clientY: (a.y + b.y) / 2 }),
                       dy: w.dy + dy, m: 0 };
        this.schedule();
      }
      this.pinchDist = d;
    }
  }

  touchUp(e) {
    if (!this.touches.delete(e.pointerId)) return;
    if (this.touchMode === 'rotate') {
      this.move = { t: 'pm', ...this.pos(e), m: 0 };
      this.flush();
      this.send({ t: 'pu', ...this.pos(e), b: 1, m: 0 });
      this.touchMode = 'done';
    } else if (this.touchMode === 'pinch') {
      this.flush();
      // Lifting one finger of a pinch must not start a rotation with the other one.
      this.touchMode = 'done';
    }
    if (this.touches.size === 0) this.touchMode = 'none';
  }

  spread() {
    const [a, b] = [...this.touches.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }
}
