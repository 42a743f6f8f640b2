// The stats overlay, toggled with the backquote key (` , the key left of 1; shortcuts.js) or from
// the menu.

export { OVERLAY_KEY_CODE } from './shortcuts.js';
import { stillLine } from './still.js';

const fmt = (v, unit = '', digits = 0) => (v == null ? '–' : v.toFixed(digits) + unit);

/** "1 of 3: 640×360 at 600 kbit/s (pinned)" from the server's `rung` message. */
export function rungLine(s) {
  if (s.rung == null) return '–';
  const size = s.rungWidth ? `${s.rungWidth}×${s.rungHeight}` : 'no picture yet';
  const rate = s.rungKbps ? ` at ${s.rungKbps} kbit/s` : '';
  return `${s.rung} of ${s.rungs}: ${size}${rate} (${s.rungPinned ? 'pinned' : 'auto'})`;
}

export class Overlay {
  /** @param {HTMLElement} el @param {() => object} read returns window.vtkstream.stats() */
  constructor(el, read) {
    this.el = el;
    this.read = read;
    this.timer = 0;
  }

  toggle(show = this.el.hidden) {
    this.el.hidden = !show;
    clearInterval(this.timer);
    if (show) {
      this.render();
      this.timer = setInterval(() => this.render(), 500);
    }
  }

  render() {
    const s = this.read();
    const l = s.latency;
    const lat = l.n ? `${fmt(l.p50, ' ms')} / ${fmt(l.p95, ' ms')} (n=${l.n}${l.approx ? ', approx' : ''})`
                    : '–';
    this.el.textContent = [
      `transport  ${s.transport || '–'}${s.peerId != null ? ' (peer ' + s.peerId + ')' : ''}`,
      `renderer   ${s.renderer}`,
      `picture    ${s.videoWidth && s.videoHeight ? s.videoWidth + '×' + s.videoHeight : '–'}`,
      `fps        ${fmt(s.fps)}`,
      `bitrate    ${fmt(s.bitrateKbps, ' kbit/s')}`,
      `estimate   ${fmt(s.estimateKbps, ' kbit/s')}` +
        (s.encoderKbps ? ` (encoder ${s.encoderKbps} kbit/s${s.estimateSteers ? ', follows this viewer' : ''})` : ''),
      `rung       ${rungLine(s)}`,
      `render     ${s.renderWidth ? s.renderWidth + '×' + s.renderHeight : '–'}`,
      `still      ${stillLine(s.still)}`,
      `rtt        ${fmt(s.rttMs ?? s.wsRttMs, ' ms', 1)}`,
      `codec      ${s.codec || '–'}`,
      `input→photon p50/p95  ${lat}`,
      `newest-input p50      ${fmt(l.newestP50, ' ms')} (echo arrives ${fmt(l.echoP50, ' ms')})`,
      '(` or the menu hides this)',
    ].join('\n');
  }
}
