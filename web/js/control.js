// Who steers (docs/protocol.md "Control"): a small indicator with one or two buttons, driven by
// the server's `control` messages. The server decides and enforces; this only shows the state
// and sends `control` requests. describeControl() is pure (unit-tested without a browser).

/**
 * What to show for a `control` message.
 * @param {{controller: number|null, you: boolean, role: string, requests: number[]}} c
 * @param {number|null} me  this page's peer id
 * @returns {{text: string, buttons: {label: string, action: string, peer?: number}[], viewOnly: boolean}}
 */
export function describeControl(c, me) {
  const owner = c.role === 'owner';
  const asked = (c.requests || []).includes(me);
  const others = (c.requests || []).filter((id) => id !== me);
  const buttons = [];
  let text;
  if (c.you) {
    text = 'you are in control';
    if (others.length) {
      text += ` · peer ${others[0]} asks for control`;
      buttons.push({ label: `grant to peer ${others[0]}`, action: 'grant', peer: others[0] });
    }
    buttons.push({ label: 'release', action: 'release' });
  } else {
    const who = c.controller == null ? 'nobody in control' : `peer ${c.controller} in control`;
    text = (owner ? '' : 'view only · ') + who;
    if (owner) {
      buttons.push({ label: 'take control', action: 'take' });
      if (others.length && c.controller == null) {
        buttons.push({ label: `grant to peer ${others[0]}`, action: 'grant', peer: others[0] });
      }
    } else if (asked) {
      text += ' · control requested';
      buttons.push({ label: 'cancel request', action: 'release' });
    } else {
      buttons.push({ label: 'request control', action: 'request' });
    }
  }
  return { text, buttons, viewOnly: !owner && !c.you };
}

export class ControlPanel {
  /** @param {HTMLElement} el  @param {(msg: object) => void} send  a signalling message */
  constructor(el, send) {
    this.el = el;
    this.send = send;
    this.state = null;
  }

  /** A `control` message arrived (or null: no session). */
  update(c, me) {
    this.state = c;
    this.el.replaceChildren();
    this.el.hidden = !c;
    if (!c) return;
    const d = describeControl(c, me);
    this.el.dataset.role = c.role;
    this.el.dataset.you = String(!!c.you);
    this.el.classList.toggle('view-only', d.viewOnly);
    const label = document.createElement('span');
    label.textContent = d.text;
    this.el.append(label);
    for (const b of d.buttons) {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = b.label;
      btn.dataset.action = b.action;
      btn.addEventListener('click', () => {
        const m = { type: 'control', action: b.action };
        if (b.peer != null) m.peer = b.peer;
        this.send(m);
      });
      this.el.append(btn);
    }
  }
}
