// One aria-live region for what a screen-reader user must hear without looking: connecting,
// connected, renderer lost or back, control taken or given, the idle warning, a saved picture.
// Only changes are spoken: the same sentence twice in a row is said once.

export class Announcer {
  /** @param {HTMLElement} el  an aria-live region (visually hidden) */
  constructor(el) {
    this.el = el;
    this.last = '';
    this.lastState = '';
  }

  /** An event (idle warning, picture saved): said now. */
  say(text) {
    if (!text || text === this.last) return;
    this.last = text;
    this.el.textContent = text;
  }

  /**
   * The connection's state, re-computed on every status redraw: said only when it changes, so
   * a redraw does not talk over an event said meanwhile.
   */
  sayState(text) {
    if (text === this.lastState) return;
    this.lastState = text;
    this.say(text);
  }
}
