// Headless Debian Firefox ESR (puppeteer-core over WebDriver BiDi) against the real server.
import { test } from 'node:test';
import { keysScenario, webrtcScenario, mjpegScenario, viewOnlyScenario } from '../lib/scenarios.mjs';
import { interactiveSizeScenario } from '../lib/interactive.mjs';

const T = { timeout: 60000 };
test('firefox: WebRTC frames are presented and a drag turns the model', T, (t) => webrtcScenario(t, 'firefox'));
test('firefox: keys reach VTK (r resets the camera after a zoom)', T, (t) => keysScenario(t, 'firefox'));
test('firefox: MJPEG fallback without WebRTC shows frames and takes a drag', T, (t) => mjpegScenario(t, 'firefox'));
test('firefox: a view-only link watches, says so, and its drag does not turn the model', T, (t) => viewOnlyScenario(t, 'firefox'));

test('firefox: interactive frames are smaller, the still full size, and the element keeps its size', T,
  (t) => interactiveSizeScenario(t, 'firefox'));
