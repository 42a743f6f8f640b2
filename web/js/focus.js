// Keyboard focus between the picture and the controls. Tab / Shift+Tab leave the picture like any
// page (input.js no longer sends them to VTK); Escape anywhere in the controls brings focus back
// to the picture, and a hint in the bar says so while a control has focus (and, on the picture,
// how to leave it). The menu handles its own Escape first (it closes and focuses its button).

const HINT_CONTROLS = 'Esc: back to the picture';
const HINT_STAGE = 'Tab: to the controls';

export class FocusKeys {
  /**
   * @param {{stage: HTMLElement, chrome: HTMLElement[], hint: HTMLElement}} parts
   *   chrome: containers of controls (the bar, the menu, the idle warning)
   */
  constructor({ stage, chrome, hint }) {
    this.stage = stage;
    this.chrome = chrome;
    this.hint = hint;
    for (const el of chrome) {
      el.addEventListener('keydown', (e) => {
        if (e.key !== 'Escape' || e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
        e.preventDefault();
        this.toStage();
      });
    }
    document.addEventListener('focusin', () => this.update());
    document.addEventListener('focusout', () => queueMicrotask(() => this.update()));
    // Focus events are not always delivered (Firefox holds them back while its window lacks
    // system focus); the Tab key's release lands on the new element either way.
    document.addEventListener('keyup', (e) => { if (e.key === 'Tab') this.update(); });
  }

  toStage() {
    this.stage.focus({ preventScroll: true });
  }

  update() {
    const a = document.activeElement;
    let text = '';
    if (a === this.stage) {
      // Only for keyboard users: a click on the picture needs no lesson in Tab.
      if (this.stage.matches(':focus-visible')) text = HINT_STAGE;
    } else if (a && this.chrome.some((c) => c.contains(a))) {
      text = HINT_CONTROLS;
    }
    // Shown and hidden without moving anything: its place in the bar is kept (a control that
    // moved under the pointer between press and release would lose the click).
    if (text) this.hint.textContent = text;
    this.hint.classList.toggle('off', !text);
    this.hint.setAttribute('aria-hidden', String(!text));
  }
}
