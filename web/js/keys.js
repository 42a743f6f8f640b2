// DOM KeyboardEvent → X11 keysym name (the protocol's `k`), because VTK's interactor and
// GstNavigation both speak keysym names ("r", "Left", "Shift_L", "plus").

const NAMED = {
  ArrowLeft: 'Left', ArrowRight: 'Right', ArrowUp: 'Up', ArrowDown: 'Down',
  Enter: 'Return', Escape: 'Escape', Backspace: 'BackSpace', Tab: 'Tab', Delete: 'Delete',
  Insert: 'Insert', Home: 'Home', End: 'End', PageUp: 'Prior', PageDown: 'Next',
  CapsLock: 'Caps_Lock', NumLock: 'Num_Lock', ScrollLock: 'Scroll_Lock', Pause: 'Pause',
  ContextMenu: 'Menu', PrintScreen: 'Print',
};

// The left/right variant lives in `code`, not `key`.
const MODIFIER_CODES = {
  ShiftLeft: 'Shift_L', ShiftRight: 'Shift_R', ControlLeft: 'Control_L', ControlRight: 'Control_R',
  AltLeft: 'Alt_L', AltRight: 'Alt_R', MetaLeft: 'Super_L', MetaRight: 'Super_R',
  OSLeft: 'Super_L', OSRight: 'Super_R',
};
const MODIFIER_KEYS = { Shift: 'Shift_L', Control: 'Control_L', Alt: 'Alt_L', Meta: 'Super_L',
                        AltGraph: 'ISO_Level3_Shift' };

// Printable ASCII punctuation has its own keysym names in X11.
const PUNCT = {
  ' ': 'space', '!': 'exclam', '"': 'quotedbl', '#': 'numbersign', '$': 'dollar',
  '%': 'percent', '&': 'ampersand', "'": 'apostrophe', '(': 'parenleft', ')': 'parenright',
  '*': 'asterisk', '+': 'plus', ',': 'comma', '-': 'minus', '.': 'period', '/': 'slash',
  ':': 'colon', ';': 'semicolon', '<': 'less', '=': 'equal', '>': 'greater', '?': 'question',
  '@': 'at', '[': 'bracketleft', '\\': 'backslash', ']': 'bracketright', '^': 'asciicircum',
  _: 'underscore', '`': 'grave', '{': 'braceleft', '|': 'bar', '}': 'braceright',
  '~': 'asciitilde',
};

/** @returns {string|null} keysym name, or null for keys we do not forward (dead keys, IME). */
export function keysym(ev) {
  if (MODIFIER_CODES[ev.code]) return MODIFIER_CODES[ev.code];
  const k = ev.key;
  if (!k || k === 'Dead' || k === 'Unidentified' || k === 'Process') return null;
  if (MODIFIER_KEYS[k]) return MODIFIER_KEYS[k];
  if (NAMED[k]) return NAMED[k];
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(k)) return k;
  if (k.length === 1) {
    if (PUNCT[k]) return PUNCT[k];
    // Letters and digits are their own keysym names, case included ("r" vs "R" with shift),
    // as X11 reports them.
    if (/^[0-9A-Za-z]$/.test(k)) return k;
    // Other single characters: X11's Unicode keysym form.
    return 'U' + k.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
  }
  return null;
}

/** Protocol modifier mask: 1 shift, 2 control, 4 alt, 8 meta. */
export function modifiers(ev) {
  return (ev.shiftKey ? 1 : 0) | (ev.ctrlKey ? 2 : 0) | (ev.altKey ? 4 : 0) | (ev.metaKey ? 8 : 0);
}
