// Pointer, wheel, key and touch capture on the stage, turned into protocol input records
// (docs/protocol.md). Positions are normalised to the drawn picture (geometry.js).
//
// Pointer moves, wheel deltas and touch moves are coalesced to one record per animation frame:
// the renderer cannot show more than one picture per displayed frame anyway, and fewer records
// mean a shorter queue in front of each frame. Browsers dispatch pointer events just before the
// frame's animation callbacks, so this adds next to no delay. The renderer takes one zoom step
// per `wh` whatever its size (browsers disagree wildly on wheel units), so summing also caps
// zooming at one step per displayed frame.

import { containRect, normalize } from './geometry.js';
import { keysym, modifiers } from './keys.js';
import { staysLocal } from './shortcuts.js';

// DOM MouseEvent.buttons bit → protocol button (1 left, 2 middle, 3 right).
const BUTTON_BITS = [[1, 1], [4, 2], [2, 3]];
const LINE_PIXELS = 16;

export class InputCapture {
  /**
   * @param {HTMLElement} stage   element receiving events (focusable)
   * @param {() => HTMLElement} picture  the visible <video>, <img> or <canvas>
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
    this.touchIds = new Map();    // pointerId -> protocol touch id
    this.touchMoves = new Map();  // touch id -> pending coalesced `tm`

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
    // <video>, <img>, or the WebSocket video's <canvas> (its width/height are the picture's).
    const w = el.videoWidth ?? el.naturalWidth ?? el.width ?? 0;
    const h = el.videoHeight ?? el.naturalHeight ?? el.height ?? 0;
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
    for (const r of this.touchMoves.values()) this.send(r);
    this.touchMoves.clear();
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
    // Tab, Escape and the page's shortcuts stay in the page (shortcuts.js): focus can leave.
    if (staysLocal(e)) return;
    const k = keysym(e);
    if (!k) return;
    // Browser shortcuts (reload, close tab, copy) keep working; everything else is VTK's.
    if (!e.ctrlKey && !e.metaKey) e.preventDefault();
    this.flush();
    this.keys.add(k);
    this.send({ t: 'kd', k, m: modifiers(e) });
  }

  onKeyUp(e) {
    if (staysLocal(e)) return;
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
  // Touch points go to the renderer as they are (td/tm/tu); the renderer maps one finger to a
  // left-button drag and a two-finger pinch to zoom steps (lib/publisher/input_applier.cpp),
  // so every client gets the same gestures.

  touchDown(e) {
    e.preventDefault();
    // Protocol ids are small (0..65535) while pointerIds grow over a session: use the lowest
    // free slot, like a touch screen's own contact ids.
    let id = 0;
    while ([...this.touchIds.values()].includes(id)) id++;
    this.touchIds.set(e.pointerId, id);
    this.flush();
    this.send({ t: 'td', id, ...this.pos(e) });
  }

  touchMove(e) {
    const id = this.touchIds.get(e.pointerId);
    if (id === undefined) return;
    this.touchMoves.set(id, { t: 'tm', id, ...this.pos(e) });
    this.schedule();
  }

  touchUp(e) {
    const id = this.touchIds.get(e.pointerId);
    if (id === undefined) return;
    this.touchIds.delete(e.pointerId);
    this.flush();
    this.send({ t: 'tu', id, ...this.pos(e) });
  }
}
