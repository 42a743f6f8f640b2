// "Save picture": the renderer's full-resolution frame as PNG from the server (/snapshot.png,
// docs/protocol.md "Save picture"), not a grab of the lossy video, downloaded under a dated name.

/** How long the page waits for the picture (the server answers 504 after 10 s by default). */
export const SAVE_TIMEOUT_MS = 30000;

/** Width and height from a PNG's IHDR chunk, or null when `buf` is no PNG (or cut short). */
export function pngSize(buf) {
  const b = new Uint8Array(buf);
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  // Length first: a truncated header (signature, then fewer than 16 bytes) is no PNG either.
  if (b.length < 24 || sig.some((v, i) => b[i] !== v)) return null;
  const d = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: d.getUint32(16), height: d.getUint32(20) };
}

function fileName(now = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `vtkstream-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-` +
         `${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.png`;
}

/**
 * Fetches the PNG and offers it as a download.
 * @param {string} url  snapshot.png with the page's token
 * @param {{timeoutMs?: number}} [opts]  gives up (and aborts the download) after timeoutMs
 * @returns {Promise<{status: 'saved'|'error', message?: string, bytes?: number, width?: number,
 *                    height?: number, encodeMs?: number|null}>}
 */
export async function savePicture(url, { timeoutMs = SAVE_TIMEOUT_MS } = {}) {
  // One signal for the request and the body: a stalled server or link cannot hang the button.
  const signal = AbortSignal.timeout(timeoutMs);
  const failed = (e) => ({
    status: 'error',
    message: signal.aborted ? `the server did not send the picture within ${timeoutMs / 1000} s; try again`
                            : `cannot reach the server (${e.message || e})`,
  });
  let res;
  try {
    res = await fetch(url, { cache: 'no-store', credentials: 'same-origin', signal });
  } catch (e) {
    return failed(e);
  }
  if (!res.ok) {
    const why = (await res.text().catch(() => '')).trim();
    return { status: 'error', message: why || `HTTP ${res.status}` };
  }
  let buf;
  try {
    buf = await res.arrayBuffer();
  } catch (e) {
    return failed(e);
  }
  const size = pngSize(buf);
  if (!size) return { status: 'error', message: 'the server sent something that is not a PNG' };
  const timing = /encode;dur=([\d.]+)/.exec(res.headers.get('Server-Timing') || '');
  const href = URL.createObjectURL(new Blob([buf], { type: 'image/png' }));
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName();
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own copy once started; a minute is plenty for the browser to take it.
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  return { status: 'saved', bytes: buf.byteLength, ...size, encodeMs: timing ? Number(timing[1]) : null };
}
