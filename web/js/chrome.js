// The page's controls around the picture, wired together: the menu (stats, keys for the scene,
// save picture), the full-screen button, keyboard focus between picture and controls, the idle
// warning and the announcements for screen readers. main.js hands in what they act on.

import { Announcer } from './announce.js';
import { FocusKeys } from './focus.js';
import { FullscreenToggle } from './fullscreen.js';
import { IdleWarning } from './idle.js';
import { Menu } from './menu.js';
import { savePicture } from './save.js';

// Keys a touch screen cannot type, from the renderer's default allow-list (docs/protocol.md).
export const MENU_KEYS = [
  { k: 'r', label: 'r — reset the camera' },
  { k: 'w', label: 'w — wireframe' },
  { k: 's', label: 's — surfaces' },
];

export class PageChrome {
  /**
   * @param {{
   *   sendKey: (k: string) => void,     a key press and release for the scene
   *   stay: () => void,                 sends `stay`
   *   overlay: {toggle: (show?: boolean) => void, el: HTMLElement},
   *   snapshotUrl: () => string,        /snapshot.png with the page's token
   * }} deps
   */
  constructor({ sendKey, stay, overlay, snapshotUrl }) {
    const $ = (id) => document.getElementById(id);
    this.announcer = new Announcer($('announce'));
    const say = (m) => this.announcer.say(m);
    this.lastSave = null;
    this.menu = new Menu($('menu-button'), $('menu'), [
      { items: [
        { id: 'stats', label: 'Statistics overlay (`)', checked: () => !overlay.el.hidden,
          run: () => overlay.toggle() },
        { id: 'save', label: 'Save picture (PNG, full resolution)', run: () => this.save(snapshotUrl()) },
      ] },
      { group: 'Keys for the scene',
        items: MENU_KEYS.map(({ k, label }) => ({ id: `key-${k}`, label: `Send key ${label}`, run: () => sendKey(k) })) },
    ]);
    this.fullscreen = new FullscreenToggle($('fullscreen-button'), say);
    this.focus = new FocusKeys({ stage: $('stage'), chrome: [$('bar'), $('menu'), $('idle')], hint: $('focus-hint') });
    this.idle = new IdleWarning({ el: $('idle'), text: $('idle-text'), button: $('idle-stay') }, stay, say);
  }

  say(text) { this.announcer.say(text); }
  sayState(text) { this.announcer.sayState(text); }

  async save(url) {
    this.lastSave = { status: 'saving' };
    this.say('saving the picture…');
    const r = await savePicture(url);
    this.lastSave = r;
    this.say(r.status === 'saved' ? `picture saved (${r.width}×${r.height} PNG)` : `picture not saved: ${r.message}`);
    return r;
  }
}
