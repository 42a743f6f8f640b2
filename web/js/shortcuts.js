// Keys the page keeps for itself instead of sending them to VTK. Pure (unit-tested without a
// browser). VTK's interactor styles bind letters, digits, + / -, arrows and F-keys in various
// apps, but none of these:
//   Tab / Shift+Tab   move keyboard focus between the picture and the controls (the browser's own)
//   Escape            the browser's (leaves full screen); in the controls it returns to the picture
//   ` (Backquote)     the stats overlay (matched by its physical `code`, so on any layout)
//   Alt+Enter         full screen on/off

export const OVERLAY_KEY_CODE = 'Backquote';

const plain = (e) => !e.ctrlKey && !e.altKey && !e.metaKey;

export function isFullscreenKey(e) {
  return e.key === 'Enter' && e.altKey && !e.ctrlKey && !e.metaKey;
}

export function isFocusKey(e) {
  return (e.key === 'Tab' || e.key === 'Escape') && plain(e);
}

/** True for a key event the page handles (or leaves to the browser) and never sends to VTK. */
export function staysLocal(e) {
  return e.code === OVERLAY_KEY_CODE || isFullscreenKey(e) || isFocusKey(e);
}
