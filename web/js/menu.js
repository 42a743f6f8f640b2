// The page's menu, reachable by touch, mouse and keyboard (WAI-ARIA menu button pattern): the
// stats overlay, keys for the scene (so a phone can reset the camera), save picture, and the
// quality choice once the server offers more than one rung (quality.js adds it then: no dead
// controls).
//
// Keyboard: Enter, Space or ArrowDown on the button opens it on the first item; ArrowUp/Down,
// Home/End move; Enter/Space choose; Escape closes it and returns to the button; Tab closes it.

/**
 * @typedef {{label: string, id: string, run: () => void, checked?: () => boolean, radio?: boolean}} MenuItem
 *   checked: a menuitemcheckbox (its state read each time the menu opens); with radio, a
 *   menuitemradio (one of a group)
 * @typedef {{group?: string, items: MenuItem[]}} MenuSection
 */

export class Menu {
  /** @param {HTMLButtonElement} button @param {HTMLElement} el @param {MenuSection[]} sections */
  constructor(button, el, sections) {
    this.button = button;
    this.el = el;
    this.items = [];
    for (const [i, s] of sections.entries()) {
      this.addSection(s, i > 0);
    }
    button.addEventListener('click', () => this.toggle(false));
    button.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.open(e.key === 'ArrowDown' ? 0 : this.items.length - 1);
      }
    });
    el.addEventListener('keydown', (e) => this.onKey(e));
    // A tap or click anywhere else closes it (pointerdown: before the stage takes the pointer).
    document.addEventListener('pointerdown', (e) => {
      if (!el.hidden && !el.contains(e.target) && !button.contains(e.target)) this.close(false);
    }, true);
    el.addEventListener('focusout', (e) => {
      if (!el.hidden && e.relatedTarget && !el.contains(e.relatedTarget) && e.relatedTarget !== button) {
        this.close(false);
      }
    });
  }

  /** Appends a section (after a separator unless it is the first); returns its elements. */
  addSection(s, separated = this.items.length > 0) {
    const added = [];
    if (separated) {
      const sep = document.createElement('div');
      sep.setAttribute('role', 'separator');
      this.el.append(sep);
      added.push(sep);
    }
    if (s.group) {
      const g = document.createElement('div');
      g.className = 'group';
      g.setAttribute('aria-hidden', 'true');  // each item's label says it in full
      g.textContent = s.group;
      this.el.append(g);
      added.push(g);
    }
    for (const item of s.items) added.push(this.add(item));
    return added;
  }

  /** Removes what addSection returned. */
  removeSection(added) {
    for (const el of added) el.remove();
    this.items = this.items.filter((x) => !added.includes(x.el));
  }

  add(item) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `menu-${item.id}`;
    b.tabIndex = -1;
    b.setAttribute('role', item.checked ? (item.radio ? 'menuitemradio' : 'menuitemcheckbox') : 'menuitem');
    b.textContent = item.label;
    b.addEventListener('click', () => {
      this.close(true);
      item.run();
    });
    this.el.append(b);
    this.items.push({ el: b, item });
    return b;
  }

  get isOpen() { return !this.el.hidden; }

  /** Opens it; `focusIndex` focuses that item (keyboard), false leaves focus where it is. */
  open(focusIndex = 0) {
    for (const { el, item } of this.items) {
      if (item.checked) el.setAttribute('aria-checked', String(!!item.checked()));
    }
    this.el.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    if (focusIndex !== false) this.focusItem(focusIndex);
  }

  close(returnFocus) {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (returnFocus) this.button.focus({ preventScroll: true });
  }

  /** A click (mouse or touch) opens it with the first item focused too: keyboard users click by Enter. */
  toggle() {
    if (this.isOpen) this.close(true);
    else this.open(0);
  }

  focusItem(i) {
    const n = this.items.length;
    this.items[((i % n) + n) % n].el.focus({ preventScroll: true });
  }

  onKey(e) {
    const i = this.items.findIndex((x) => x.el === document.activeElement);
    switch (e.key) {
      case 'ArrowDown': this.focusItem(i + 1); break;
      case 'ArrowUp': this.focusItem(i - 1); break;
      case 'Home': this.focusItem(0); break;
      case 'End': this.focusItem(this.items.length - 1); break;
      case 'Escape': this.close(true); break;
      case 'Tab': this.close(false); return;   // focus moves on as usual
      default: return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}
