// Where the picture really is inside its element. The <video>/<img> use `object-fit: contain`,
// so a picture whose aspect differs from the window is letterboxed: normalised coordinates must
// be relative to the drawn picture, not to the element, or a drag would be offset/scaled.

/**
 * @param {{left:number, top:number, width:number, height:number}} box element's client rect
 * @param {number} w intrinsic picture width (0 when unknown yet)
 * @param {number} h intrinsic picture height
 * @returns {{left:number, top:number, width:number, height:number}} drawn picture rect
 */
export function containRect(box, w, h) {
  if (!(w > 0 && h > 0) || !(box.width > 0 && box.height > 0)) return box;
  const scale = Math.min(box.width / w, box.height / h);
  const width = w * scale;
  const height = h * scale;
  return {
    left: box.left + (box.width - width) / 2,
    top: box.top + (box.height - height) / 2,
    width,
    height,
  };
}

const clamp01 = (v) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Client (CSS pixel) position to [0,1]² in the drawn picture, origin top-left, clamped. */
export function normalize(clientX, clientY, rect) {
  if (!(rect.width > 0 && rect.height > 0)) return { x: 0.5, y: 0.5 };
  return {
    x: clamp01((clientX - rect.left) / rect.width),
    y: clamp01((clientY - rect.top) / rect.height),
  };
}

/**
 * Render size to ask for: the element's size in device pixels, capped (keeping the aspect) so a
 * huge or high-DPI screen does not ask the renderer for more than it can draw in time, and
 * rounded down to even numbers because 4:2:0 encoders need them.
 */
export function renderSize(cssW, cssH, dpr, maxW = 1920, maxH = 1080, minSide = 64) {
  let w = cssW * (dpr > 0 ? dpr : 1);
  let h = cssH * (dpr > 0 ? dpr : 1);
  if (!(w > 0 && h > 0)) return null;
  const scale = Math.min(1, maxW / w, maxH / h);
  w *= scale;
  h *= scale;
  const even = (v) => Math.max(minSide, Math.floor(v / 2) * 2);
  return { w: even(w), h: even(h) };
}

/** The resize limit's smallest side (docs/protocol.md "Resize limit"); the server refuses less. */
export const MIN_RENDER_SIDE = 16;

/**
 * A size scaled down (aspect kept, even numbers) so that neither side exceeds `limit`, the
 * server's resize limit (`welcome.max_render_size`); unchanged when it fits or no limit is known.
 * A very thin size keeps its short side at the limit's minimum (the aspect gives way there), or
 * the server would refuse it.
 */
export function fitLimit(size, limit) {
  if (!size || !(limit > 0) || (size.w <= limit && size.h <= limit)) return size;
  const scale = Math.min(limit / size.w, limit / size.h);
  const even = (v) => Math.max(MIN_RENDER_SIDE, Math.floor(v / 2) * 2);
  return { w: even(size.w * scale), h: even(size.h * scale) };
}
