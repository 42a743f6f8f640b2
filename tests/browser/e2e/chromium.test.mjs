// Headless Debian Chromium (playwright-core) against the real server and renderer.
import { test } from 'node:test';
import { reloadScenario } from '../lib/reloads.mjs';
import { interactiveSizeScenario } from '../lib/interactive.mjs';
import { joinIdleScenario } from '../lib/join.mjs';
import { qualityScenario } from '../lib/quality.mjs';
import { resizeScenario, reconnectScenario, keysScenario, webrtcScenario, wheelScenario, mjpegScenario, fallbackScenario, viewOnlyScenario } from '../lib/scenarios.mjs';
import { keyboardScenario, phoneScenario, saveScenario, fullscreenScenario } from '../lib/native.mjs';

const T = { timeout: 60000 };
test('chromium: WebRTC frames are presented and a drag turns the model', T, (t) => webrtcScenario(t, 'chromium'));
test('chromium: a viewer joining a still scene sees a picture within 2.5 s', T, (t) => joinIdleScenario(t, 'chromium'));
test('chromium: keys reach VTK (r resets the camera after a zoom)', T, (t) => keysScenario(t, 'chromium'));
test('chromium: the picture follows the window size', T, (t) => resizeScenario(t, 'chromium'));
test('chromium: the wheel zooms', T, (t) => wheelScenario(t, 'chromium'));
test('chromium: MJPEG fallback without WebRTC shows frames and takes a drag', T, (t) => mjpegScenario(t, 'chromium'));
test('chromium: WebRTC that cannot connect falls back to MJPEG by itself', T, (t) => fallbackScenario(t, 'chromium'));
test('chromium: a dropped signalling socket reconnects; closing the tab frees the peer', T, (t) => reconnectScenario(t, 'chromium'));
test('chromium: a view-only link watches, says so, and its drag does not turn the model', T, (t) => viewOnlyScenario(t, 'chromium'));

// 40 reloads here (about 10 s); VTKSTREAM_RELOADS=200 runs the 200 of issue 12 (about 50 s).
const RELOADS = Number(process.env.VTKSTREAM_RELOADS || 40);
test(`chromium: ${RELOADS} reloads leave the server's descriptors and RSS at the baseline`, { timeout: 60000 + RELOADS * 2000 },
  (t) => reloadScenario(t, 'chromium', RELOADS));

test('chromium: interactive frames are smaller, the still full size, and the element keeps its size', T,
  (t) => interactiveSizeScenario(t, 'chromium'));
// Feels native (issue 13): keyboard only, a phone with touch, save picture, full screen.
test('chromium: keyboard only: Tab reaches the controls, Escape returns to the picture, keys reach VTK', T,
     (t) => keyboardScenario(t, 'chromium'));
test('chromium: a phone with touch: pinch zooms, the menu opens by a tap and its r resets the camera', T,
     (t) => phoneScenario(t, 'chromium'));
test('chromium: save picture is a PNG of the renderer frame', T, (t) => saveScenario(t, 'chromium'));
test('chromium: full screen by the button, back by Alt+Enter', T, (t) => fullscreenScenario(t, 'chromium'));
test('chromium: pinning a rung in the quality menu (keyboard) changes the received size; the overlay shows it', { timeout: 60000 },
     (t) => qualityScenario(t, 'chromium'));
