// Scenarios for the page behaving like a native app (issue 13): keyboard-only use, a phone with
// touch, save picture, full screen, no chrome over the picture. Run by e2e/*.test.mjs against the
// server of with-server.sh (the idle warning needs a short timeout: gst/idle.test.mjs).
import assert from 'node:assert/strict';
import { pageUrl, withBrowser } from './scenarios.mjs';
import { waitStats, snapshot, stddev, waitPictureChange, changedFraction, nextFrame } from './page.mjs';

const W = 640;
const H = 360;
const QUERY = `size=${W}x${H}`;

/** Waits until the picture is the requested size and settled (no input in flight). */
async function ready(b, w = W, h = H) {
  await waitStats(b, `s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1 && s.videoWidth === ${w} && s.videoHeight === ${h}`, 20000);
}

/** Zooms in with the wheel until the picture changed, and waits for the zoom to settle. */
async function zoomIn(b, at) {
  await b.mouse.move(at.x, at.y);
  const start = await snapshot(b, '#video');
  for (let i = 0; i < 8; i++) await b.wheel(0, -120);
  await waitPictureChange(b, '#video', start, 0.02, 10000);
  await waitStats(b, 's.latency.pending === 0', 5000);
  // While the wheel turns the renderer may draw smaller frames; the full-size still follows when
  // the interaction ends. Compare against the still, not a reduced frame the still replaces.
  await waitStats(b, `s.videoWidth === ${W} && s.videoHeight === ${H}`, 10000);
  await b.evaluate(() => window.vtkstream.waitFrames(2, 2000).catch(() => {}));
  return snapshot(b, '#video');
}

const activeId = (b) => b.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.tagName));

/**
 * Resolves once element `id` has focus, checked on every animation frame (Firefox acts on a key
 * a little after the WebDriver call that pressed it returned); fails with `msg` after 2 s.
 */
async function waitFocus(b, id, msg) {
  const ok = await b.evaluate((id) => new Promise((resolve) => {
    const t0 = performance.now();
    const tick = () => {
      if (document.activeElement && document.activeElement.id === id) return resolve(true);
      if (performance.now() - t0 > 2000) return resolve(false);
      requestAnimationFrame(tick);
    };
    tick();
  }), id);
  if (!ok) assert.fail(`${msg} (focus is on ${await activeId(b)})`);
}

/**
 * No page chrome on the picture: the bar, the status line and the control box lie outside the
 * drawn (letterboxed) picture, so the scene's own text in its corners stays readable.
 */
export async function assertChromeOffPicture(b, t) {
  const r = await b.evaluate(() => {
    const v = document.getElementById('video');
    const box = v.getBoundingClientRect();
    const s = Math.min(box.width / v.videoWidth, box.height / v.videoHeight);
    const pic = { left: box.left + (box.width - v.videoWidth * s) / 2, top: box.top + (box.height - v.videoHeight * s) / 2 };
    pic.right = pic.left + v.videoWidth * s;
    pic.bottom = pic.top + v.videoHeight * s;
    const over = [];
    for (const id of ['bar', 'status', 'control', 'menu-button', 'fullscreen-button']) {
      const e = document.getElementById(id);
      if (!e || e.hidden) continue;
      const q = e.getBoundingClientRect();
      if (q.width && q.height && q.left < pic.right && q.right > pic.left && q.top < pic.bottom && q.bottom > pic.top) over.push(id);
    }
    return { pic, over };
  });
  t.diagnostic(`picture drawn at ${JSON.stringify(r.pic)}`);
  assert.deepEqual(r.over, [], `page chrome covers the picture: ${r.over.join(', ')}`);
}

/**
 * Keyboard only: Tab reaches the controls (menu, full screen), the menu works with Enter and the
 * arrows, the hint says how to get back, Escape returns focus to the picture and keys reach VTK
 * again (`r` undoes a zoom).
 */
export async function keyboardScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY));
    await ready(b);
    await assertChromeOffPicture(b, t);
    // Roles and the live region a screen reader relies on.
    const a11y = await b.evaluate(() => ({
      bar: document.getElementById('bar').getAttribute('role'),
      stage: document.getElementById('stage').getAttribute('role'),
      menu: document.getElementById('menu-button').getAttribute('aria-haspopup'),
      live: document.getElementById('announce').getAttribute('aria-live'),
      said: document.getElementById('announce').textContent,
    }));
    t.diagnostic(JSON.stringify(a11y));
    assert.deepEqual([a11y.bar, a11y.stage, a11y.menu, a11y.live], ['toolbar', 'application', 'menu', 'assertive']);
    assert.match(a11y.said, /connected, you are in control/);
    const zoomed = await zoomIn(b, { x: W / 2, y: H / 2 });
    await b.page.focus('#stage');
    const shiftTab = async () => {
      await b.keyboard.down('Shift');
      await b.keyboard.press('Tab');
      await b.keyboard.up('Shift');
    };
    // Out of the picture and through the bar (the picture used to swallow Tab). Backwards from
    // the picture, so focus never leaves the document (headless Firefox loses key activation
    // after tabbing out into its missing browser UI).
    await shiftTab();
    await waitFocus(b, 'fullscreen-button', 'Shift+Tab did not leave the picture for the full-screen button');
    await shiftTab();
    await waitFocus(b, 'menu-button', 'Shift+Tab did not reach the menu button');
    await b.keyboard.press('Tab');
    await waitFocus(b, 'fullscreen-button', 'Tab did not move on to the full-screen button');
    await shiftTab();
    await waitFocus(b, 'menu-button', 'Shift+Tab did not go back to the menu button');
    // A control has focus: the bar says how to get back to the picture.
    const hint = await b.evaluate(() => {
      const h = document.getElementById('focus-hint');
      return { text: h.textContent, shown: getComputedStyle(h).visibility === 'visible' && h.getBoundingClientRect().width > 0 };
    });
    assert.match(hint.text, /Esc/, 'no hint saying how to return to the picture');
    assert.ok(hint.shown, 'the hint is not on screen');
    // The menu by keyboard: Enter opens it on its first item, the arrows move, Escape closes it.
    await b.keyboard.press('Enter');
    await waitFocus(b, 'menu-stats', 'Enter on the menu button did not focus the first item');
    await b.keyboard.press('ArrowDown');
    await waitFocus(b, 'menu-save', 'ArrowDown did not move to the next item');
    await b.keyboard.press('Escape');
    await waitFocus(b, 'menu-button', 'Escape in the menu did not return to its button');
    assert.equal(await b.evaluate(() => document.getElementById('menu').hidden), true);
    // No key typed in the controls reached the scene.
    assert.ok(changedFraction(zoomed, await snapshot(b, '#video')) < 0.02, 'a key in the controls changed the scene');
    // The documented key: Escape in the controls gives focus back to the picture.
    await b.keyboard.press('Escape');
    await waitFocus(b, 'stage', 'Escape in the bar did not return focus to the picture');
    await b.keyboard.press('r');
    const changed = await waitPictureChange(b, '#video', zoomed, 0.02, 10000);
    t.diagnostic(`'r' after Escape changed ${(100 * changed).toFixed(1)}% of the zoomed picture`);
  });
}

/** Chrome DevTools touch events (Chromium): one frame per step, like a hand. */
async function pinchOut(b, cdp, c, steps = 20) {
  const pts = (d) => [{ x: c.x - d, y: c.y, id: 0 }, { x: c.x + d, y: c.y, id: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: pts(20) });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: pts(20 + i * 6) });
    await nextFrame(b);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

/**
 * A phone (390x844, touch, mobile emulation; Chromium): zoom is not blocked, a pinch on the
 * picture zooms the scene, the menu opens by a tap and its "r" key resets the camera.
 */
export async function phoneScenario(t, name) {
  const PW = 390;
  const PH = 844;
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl('size=360x480'));
    await ready(b, 360, 480);
    await assertChromeOffPicture(b, t);
    const meta = await b.evaluate(() => document.querySelector('meta[name=viewport]').content);
    assert.doesNotMatch(meta, /user-scalable\s*=\s*no|maximum-scale/, `zoom is blocked: ${meta}`);
    const ta = await b.evaluate(() => ({
      video: getComputedStyle(document.getElementById('video')).touchAction,
      bar: getComputedStyle(document.getElementById('bar')).touchAction,
    }));
    assert.deepEqual(ta, { video: 'none', bar: 'auto' }, 'touch-action belongs on the picture only');
    const box = await b.evaluate(() => {
      const r = document.getElementById('video').getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    const start = await snapshot(b, '#video');
    const cdp = await b.page.context().newCDPSession(b.page);
    await pinchOut(b, cdp, box);
    await waitPictureChange(b, '#video', start, 0.02, 10000);
    await waitStats(b, 's.latency.pending === 0', 5000);
    await b.evaluate(() => window.vtkstream.waitFrames(1, 2000).catch(() => {}));
    const zoomed = await snapshot(b, '#video');
    t.diagnostic(`pinch changed ${(100 * changedFraction(start, zoomed)).toFixed(1)}% of the picture`);
    // The menu by touch, inside the screen.
    await b.page.tap('#menu-button');
    const item = await b.evaluate(() => {
      const m = document.getElementById('menu');
      const r = document.getElementById('menu-key-r').getBoundingClientRect();
      return { hidden: m.hidden, left: r.left, right: r.right, top: r.top, bottom: r.bottom, h: r.height };
    });
    assert.equal(item.hidden, false, 'a tap did not open the menu');
    assert.ok(item.left >= 0 && item.right <= PW && item.top >= 0 && item.bottom <= PH, `menu item off screen: ${JSON.stringify(item)}`);
    assert.ok(item.h >= 40, `menu item too small to tap: ${item.h}px`);
    await b.page.tap('#menu-key-r');
    const changed = await waitPictureChange(b, '#video', zoomed, 0.02, 10000);
    t.diagnostic(`'r' from the menu changed ${(100 * changed).toFixed(1)}% of the zoomed picture`);
    assert.equal(await b.evaluate(() => document.getElementById('menu').hidden), true, 'the menu stayed open');
  }, { width: PW, height: PH, phone: true });
}

// In the page: snapshot.png fetched with the page's cookie, checked and decoded.
const FETCH_PNG = async () => {
  const res = await fetch('snapshot.png', { cache: 'no-store' });
  const buf = new Uint8Array(await res.arrayBuffer());
  const sig = Array.from(buf.slice(0, 8));
  const dv = new DataView(buf.buffer);
  const bmp = await createImageBitmap(new Blob([buf], { type: 'image/png' }));
  const c = document.createElement('canvas');
  c.width = 64; c.height = 36;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(bmp, 0, 0, c.width, c.height);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const luma = [];
  for (let i = 0; i < c.width * c.height; i++) luma.push(Math.round(0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]));
  return { status: res.status, type: res.headers.get('Content-Type'), timing: res.headers.get('Server-Timing'),
           sig, w: dv.getUint32(16), h: dv.getUint32(20), bmpW: bmp.width, bmpH: bmp.height, luma };
};

/**
 * Save picture: the menu item saves a PNG of the renderer's frame size; fetched again here it has
 * the PNG signature, that size, a real scene in it (not blank) and the same scene as the video.
 */
export async function saveScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY));
    await ready(b);
    await b.page.click('#menu-button');
    await b.page.click('#menu-save');
    const s = await waitStats(b, "s.lastSave && s.lastSave.status !== 'saving'", 15000);
    t.diagnostic(`save: ${JSON.stringify(s.lastSave)}`);
    assert.equal(s.lastSave.status, 'saved', s.lastSave.message);
    assert.equal(s.lastSave.width, W);
    assert.equal(s.lastSave.height, H);
    assert.match(await b.evaluate(() => document.getElementById('announce').textContent), /picture saved \(640×360 PNG\)/);
    const video = await snapshot(b, '#video');
    const png = await b.evaluate(`(${FETCH_PNG})()`);
    t.diagnostic(`snapshot.png ${png.status} ${png.type} ${png.w}x${png.h} ${png.timing}`);
    assert.equal(png.status, 200);
    assert.equal(png.type, 'image/png');
    assert.deepEqual(png.sig, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual([png.w, png.h, png.bmpW, png.bmpH], [W, H, W, H], 'not the renderer frame size');
    assert.ok(stddev(png.luma) > 5, 'the saved picture is blank');
    const diff = changedFraction(video, png.luma);
    t.diagnostic(`PNG vs video: ${(100 * diff).toFixed(1)}% of pixels differ`);
    assert.ok(diff < 0.1, `the saved picture is not the scene on screen (${(100 * diff).toFixed(1)}% differ)`);
  });
}

/** Full screen by the button, and back by its shortcut Alt+Enter. */
export async function fullscreenScenario(t, name) {
  await withBrowser(t, name, async (b) => {
    await b.goto(pageUrl(QUERY));
    await ready(b);
    const state = () => b.evaluate(() => ({
      full: !!document.fullscreenElement,
      pressed: document.getElementById('fullscreen-button').getAttribute('aria-pressed'),
    }));
    const waitState = (full) => b.evaluate((full) => new Promise((resolve, reject) => {
      const done = () => !!document.fullscreenElement === full &&
        document.getElementById('fullscreen-button').getAttribute('aria-pressed') === String(full);
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`full screen did not become ${full}`)), 5000);
      document.addEventListener('fullscreenchange', () => queueMicrotask(() => {
        if (done()) { clearTimeout(timer); resolve(); }
      }));
    }), full);
    assert.deepEqual(await state(), { full: false, pressed: 'false' });
    await b.page.click('#fullscreen-button');
    await waitState(true);
    await b.page.focus('#stage');
    await b.keyboard.down('Alt');
    await b.keyboard.press('Enter');
    await b.keyboard.up('Alt');
    await waitState(false);
  });
}
