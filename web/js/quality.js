// The quality menu: auto (the server's estimate chooses the rung) or one rung pinned
// (docs/protocol.md "Quality"). Its section appears in the page menu when the server first says
// this viewer has more than one rung to choose from, and goes when it has one (input that arrives
// encoded, MJPEG): no dead controls.

/** A rung's name from its largest height (0: the full size). */
export function rungLabel(height) {
  return height ? `at most ${height} lines` : 'full size';
}

export class QualityMenu {
  /**
   * @param {{addSection: Function, removeSection: Function}} menu  menu.js's Menu
   * @param {(msg: object) => void} send  a signalling message
   * @param {(text: string) => void} say  an announcement for screen readers
   */
  constructor(menu, send, say) {
    this.menu = menu;
    this.send = send;
    this.say = say;
    this.section = null;
    this.heights = '';
    this.last = null;   // the server's last `rung`
    this.wanted = 'auto';
  }

  /** The server's `rung` message. */
  update(msg) {
    this.last = msg;
    const heights = Array.isArray(msg.heights) ? msg.heights.map(Number) : [];
    const key = heights.join(',');
    if (key !== this.heights) {
      if (this.section) this.menu.removeSection(this.section);
      this.section = null;
      this.heights = key;
      if (heights.length > 1) this.build(heights);
    }
  }

  /** Pins rung `r` (a number) or 'auto'. */
  choose(r) {
    this.wanted = r;
    this.send({ type: 'quality', rung: r });
    this.say(r === 'auto' ? 'quality: automatic' : `quality: ${rungLabel(Number(this.heightOf(r)))}`);
  }

  heightOf(r) {
    return this.heights.split(',')[r];
  }

  build(heights) {
    const items = [{ id: 'quality-auto', label: 'Quality: automatic', radio: true,
                     checked: () => this.wanted === 'auto', run: () => this.choose('auto') }];
    heights.forEach((h, r) => items.push({
      id: `quality-${r}`, label: `Quality: ${rungLabel(h)}`, radio: true,
      checked: () => this.wanted === r, run: () => this.choose(r),
    }));
    this.section = this.menu.addSection({ group: 'Quality', items });
  }
}
