// The full-screen button (Fullscreen API on the whole page, so the bar stays reachable) and its
// shortcut Alt+Enter (shortcuts.js). Hidden where the browser offers no element full screen
// (e.g. iPhone Safari): no dead control.

import { isFullscreenKey } from './shortcuts.js';

export class FullscreenToggle {
  /** @param {HTMLButtonElement} button @param {(msg: string) => void} say  announcements */
  constructor(button, say) {
    this.button = button;
    this.say = say;
    this.target = document.documentElement;
    button.hidden = !document.fullscreenEnabled;
    button.addEventListener('click', () => this.toggle());
    document.addEventListener('fullscreenchange', () => this.sync());
    // Capture phase: the picture's own key handler must not see (and send) the shortcut.
    addEventListener('keydown', (e) => {
      if (!isFullscreenKey(e) || e.repeat) return;
      e.preventDefault();
      e.stopPropagation();
      this.toggle();
    }, true);
  }

  get active() { return !!document.fullscreenElement; }

  async toggle() {
    try {
      if (this.active) await document.exitFullscreen();
      else await this.target.requestFullscreen({ navigationUI: 'hide' });
    } catch (e) {
      this.say(`full screen refused: ${e.message || e}`);
    }
  }

  sync() {
    this.button.setAttribute('aria-pressed', String(this.active));
    this.button.title = this.active ? 'Leave full screen (Alt+Enter or Escape)' : 'Full screen (Alt+Enter)';
    this.say(this.active ? 'full screen' : 'full screen left');
  }
}
