// Launching Debian's browsers headless, with the flags/prefs found to be needed for WebRTC
// inside the test namespace, behind one small page interface so the
// scenarios run unchanged on Chromium (playwright-core, CDP) and Firefox ESR (puppeteer-core,
// WebDriver BiDi). Never downloads a browser: executablePath points at the Debian package.
import { existsSync } from 'node:fs';

export const BROWSERS = {
  chromium: { path: '/usr/bin/chromium', pkg: 'chromium', launch: launchChromium },
  firefox: { path: '/usr/bin/firefox-esr', pkg: 'firefox-esr', launch: launchFirefox },
};

/**
 * Why a browser cannot run, or null. Missing browsers fail under CI (a silently skipped
 * browser test would hide a broken set-up) and skip elsewhere, with this message.
 */
export function unavailable(name) {
  const b = BROWSERS[name];
  if (existsSync(b.path)) return null;
  const msg = `${b.path} is missing (Debian package ${b.pkg})`;
  if (process.env.CI) throw new Error(msg + '; CI is set, so this is a failure');
  return msg;
}

const CHROMIUM_ARGS = [
  // Host candidates on the namespace's veth, not mDNS names nothing here resolves.
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

const FIREFOX_PREFS = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
};

/** The subset of a page the scenarios use; `log` keeps the page's console for diagnostics. */
function wrap(page, close, kind) {
  const log = [];
  page.on('console', (m) => log.push(`[${kind} console] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[${kind} pageerror] ${e.message || e}`));
  return {
    kind,
    log,
    page,
    close,
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    mouse: page.mouse,
    keyboard: page.keyboard,
    wheel: kind === 'chromium' ? (dx, dy) => page.mouse.wheel(dx, dy)
                               : (dx, dy) => page.mouse.wheel({ deltaX: dx, deltaY: dy }),
    // Runs before the page's own scripts (e.g. to take WebRTC away).
    addInitScript: kind === 'chromium' ? (fn) => page.addInitScript(fn)
                                       : (fn) => page.evaluateOnNewDocument(fn),
  };
}

/**
 * Under tests/browser/netns2.sh the browser runs in its own namespace, on the far side of the
 * rate-limited link. Chromium is started through netns-exec.sh (playwright talks to it over an
 * inherited pipe, which crosses namespaces); Firefox through netns-firefox.mjs (puppeteer talks
 * to it over a WebSocket on Firefox's loopback, which does not: that script bridges it).
 */
function executable(name) {
  if (!process.env.VTKSTREAM_BROWSER_NETNS) return { executablePath: BROWSERS[name].path };
  const via = name === 'chromium' ? '../netns-exec.sh' : '../netns-firefox.mjs';
  return { executablePath: new URL(via, import.meta.url).pathname,
           env: { ...process.env, VTKSTREAM_BROWSER_BIN: BROWSERS[name].path } };
}

/** phone: a touch screen with a phone's pixel ratio (mobile emulation), for the phone scenario.
 *  `args`: more command-line flags (e.g. a certificate to accept). */
export async function launchChromium({ width = 640, height = 360, phone = false, args = [] } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    ...executable('chromium'), headless: true, args: [...CHROMIUM_ARGS, ...args],
  });
  const context = await browser.newContext(phone
    ? { viewport: { width, height }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
    : { viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  return wrap(page, () => browser.close(), 'chromium');
}

/** `acceptInsecureCerts`: trust the test's own self-signed certificate (https tests only). */
export async function launchFirefox({ width = 640, height = 360, acceptInsecureCerts = false } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', ...executable('firefox'), headless: true,
    extraPrefsFirefox: FIREFOX_PREFS, acceptInsecureCerts,
  });
  const page = await browser.newPage();
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  return wrap(page, () => browser.close(), 'firefox');
}
