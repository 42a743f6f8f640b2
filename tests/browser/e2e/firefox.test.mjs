// Headless Debian Firefox ESR (puppeteer-core over WebDriver BiDi) against the real server.
import { test } from 'node:test';
import { keysScenario, webrtcScenario, mjpegScenario, viewOnlyScenario } from '../lib/scenarios.mjs';
import { interactiveSizeScenario } from '../lib/interactive.mjs';
import { qualityScenario } from '../lib/quality.mjs';
import { keyboardScenario, saveScenario, fullscreenScenario } from '../lib/native.mjs';

const T = { timeout: 60000 };
test('firefox: WebRTC frames are presented and a drag turns the model', T, (t) => webrtcScenario(t, 'firefox'));
test('firefox: keys reach VTK (r resets the camera after a zoom)', T, (t) => keysScenario(t, 'firefox'));
test('firefox: MJPEG fallback without WebRTC shows frames and takes a drag', T, (t) => mjpegScenario(t, 'firefox'));
test('firefox: a view-only link watches, says so, and its drag does not turn the model', T, (t) => viewOnlyScenario(t, 'firefox'));

test('firefox: interactive frames are smaller, the still full size, and the element keeps its size', T,
  (t) => interactiveSizeScenario(t, 'firefox'));
// Feels native (issue 13): keyboard only, save picture, full screen (the phone is Chromium's:
// touch emulation needs its DevTools protocol).

test('firefox: keyboard only: Tab reaches the controls, Escape returns to the picture, keys reach VTK', T,
     (t) => keyboardScenario(t, 'firefox'));
test('firefox: save picture is a PNG of the renderer frame', T, (t) => saveScenario(t, 'firefox'));
test('firefox: full screen by the button, back by Alt+Enter', T, (t) => fullscreenScenario(t, 'firefox'));
test('firefox: pinning a rung in the quality menu (keyboard) changes the received size; the overlay shows it', { timeout: 60000 },
     (t) => qualityScenario(t, 'firefox'));
