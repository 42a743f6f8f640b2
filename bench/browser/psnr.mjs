// PSNR of a decoded picture against the renderer's frame, for bench/browser/weak-link.mjs.
// The reference is the server's /snapshot.png (decoded by tests/browser/lib/png.mjs); the decoded
// picture is RGBA pixels read back from a canvas in the page.
export { decodePng } from '../../tests/browser/lib/png.mjs';

/** PSNR in dB over R, G and B of two RGBA pictures of the same size (Infinity if identical). */
export function psnr(a, b) {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`sizes differ: ${a.width}x${a.height} against ${b.width}x${b.height}`);
  }
  let se = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const d = a.rgba[4 * i + k] - b.rgba[4 * i + k];
      se += d * d;
    }
  }
  const mse = se / (3 * n);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/**
 * PSNR in dB of the luma (BT.601 weights, as video quality is usually quoted) of two RGBA
 * pictures of the same size. RGB PSNR above also counts the colour detail that 4:2:0 video
 * halves by design at every sharp coloured edge, so it stays below the luma figure.
 */
export function psnrY(a, b) {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`sizes differ: ${a.width}x${a.height} against ${b.width}x${b.height}`);
  }
  const y = (p, i) => 0.299 * p[i] + 0.587 * p[i + 1] + 0.114 * p[i + 2];
  let se = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n; i++) {
    const d = y(a.rgba, 4 * i) - y(b.rgba, 4 * i);
    se += d * d;
  }
  const mse = se / n;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
