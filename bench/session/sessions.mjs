// Drives N WebRTC sessions of the sink's own page one after another in one headless Chromium
// (bench/session/run.sh): for each, the page is loaded, waits until WebRTC is connected and a
// frame was presented, and leaves. Prints one JSON line per session with the page-side time from
// navigation to the first presented frame; the server-side split comes from the sink's log.
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { waitStats } from '../../tests/browser/lib/page.mjs';

const [url, n = '4'] = process.argv.slice(2);
if (!url) { console.error('usage: sessions.mjs URL [N]'); process.exit(2); }
const b = await launchChromium();
try {
  for (let i = 0; i < Number(n); ++i) {
    const u = new URL(url);
    u.searchParams.set('rtc_timeout', '30000');  // measure, never fall back to MJPEG
    const t0 = Date.now();
    await b.goto(u.href);
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 30000);
    console.log(JSON.stringify({ session: i + 1, page_to_first_frame_ms: Date.now() - t0 }));
    await b.goto('about:blank');
  }
} finally {
  await b.close();
}
