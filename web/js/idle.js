// The warning before the server ends a quiet session (`idle-warning`, docs/protocol.md): a
// countdown and a "Stay" button that sends `stay`. Any input this page sends also keeps the
// session (the server counts it), so the warning goes away with it. Focus goes to the button so
// Enter or Space answers it, and comes back to where it was.

export class IdleWarning {
  /**
   * @param {{el: HTMLElement, text: HTMLElement, button: HTMLButtonElement}} parts
   * @param {() => void} stay  sends `stay`
   * @param {(msg: string) => void} say  announcements
   */
  constructor({ el, text, button }, stay, say) {
    this.el = el;
    this.text = text;
    this.button = button;
    this.say = say;
    this.deadline = 0;
    this.timer = 0;
    this.returnFocus = null;
    button.addEventListener('click', () => {
      stay();
      this.hide(true);
    });
  }

  get visible() { return !this.el.hidden; }

  /** Seconds left on the countdown, or null when no warning is shown. */
  secondsLeft() {
    return this.visible ? Math.max(0, Math.ceil((this.deadline - performance.now()) / 1000)) : null;
  }

  show(seconds) {
    this.deadline = performance.now() + seconds * 1000;
    if (!this.visible) {
      this.returnFocus = document.activeElement;
      this.el.hidden = false;
      this.button.focus({ preventScroll: true });
    }
    this.render();
    this.say(`No input for a while: this session ends in ${seconds} seconds. Press Stay to keep it.`);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.render(), 1000);
  }

  render() {
    const s = this.secondsLeft();
    this.text.textContent = `No input for a while: this session ends in ${s} s.`;
  }

  hide(restoreFocus) {
    if (!this.visible) return;
    clearInterval(this.timer);
    this.el.hidden = true;
    const back = this.returnFocus;
    this.returnFocus = null;
    if (restoreFocus && back && back !== document.body && document.contains(back)) back.focus({ preventScroll: true });
  }
}
