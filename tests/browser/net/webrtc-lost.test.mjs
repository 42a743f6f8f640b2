// WebRTC lost in the middle of a session: the page had moved from WebSocket video to WebRTC, then
// every packet but the HTTP port's is dropped (nftables, in this test's own namespace, as when a
// network path closes under a running session). The page must go back to WebSocket video (it has
// WebCodecs: loopback is a secure context), not to MJPEG, the last resort of browsers without
// WebCodecs, and the picture must keep following drags. Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pageUrl, withBrowser } from '../lib/scenarios.mjs';
import { waitStats, snapshot, stddev, drag, waitPictureChange } from '../lib/page.mjs';
import { W, H } from '../lib/ws_scenarios.mjs';

const PORT = new URL(process.env.VTKSTREAM_URL || 'http://127.0.0.1:8000/').port || '80';

/** From now on only the HTTP port and loopback-to-loopback get through; the rest is counted. */
function closeEverythingButHttp() {
  execFileSync('nft', ['-f', '-'], { input: `table inet vtkstream_lost {
  chain out {
    type filter hook output priority 0; policy accept;
    tcp dport ${PORT} accept
    tcp sport ${PORT} accept
    ip saddr 127.0.0.1 ip daddr 127.0.0.1 accept
    meta l4proto udp counter drop
    meta l4proto tcp counter drop
  }
}
` });
}

function openAgain() {
  try { execFileSync('nft', ['delete', 'table', 'inet', 'vtkstream_lost']); } catch { /* never added */ }
}

async function peers() {
  const u = new URL(process.env.VTKSTREAM_URL);
  return (await fetch(`${u.origin}/metrics?token=${u.searchParams.get('token')}`)).text();
}

test('chromium: WebRTC lost mid-session falls back to WebSocket video, not MJPEG', { timeout: 120000 }, (t) =>
  withBrowser(t, 'chromium', async (b) => {
    t.after(openAgain);
    await b.goto(pageUrl(`size=${W}x${H}&rtc_timeout=10000`));
    let s = await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 30000);
    assert.equal(await b.evaluate(() => typeof window.VideoDecoder), 'function', 'no WebCodecs: the case needs it');
    const peer = s.peerId;
    const drawn = s.wsFramesDrawn;   // WebSocket video's frames before WebRTC took over
    const t0 = Date.now();
    closeEverythingButHttp();
    // The page or the server notices (ICE silent: `disconnected`, then the page's 5 s; or ICE
    // failed on the server), and the picture comes over the WebSocket on the same session.
    s = await waitStats(b, "s.transport !== 'webrtc'", 60000);
    t.diagnostic(`left WebRTC ${Date.now() - t0} ms after the drop, for ${s.transport}`);
    for (const line of b.log.filter((l) => l.includes('vtkstream: WebRTC'))) t.diagnostic(line);  // who noticed
    assert.equal(s.transport, 'ws', `WebRTC lost: the page went to ${s.transport}, not WebSocket video`);
    assert.equal(s.peerId, peer, 'the page reconnected instead of falling back within its session');
    await waitStats(b, `s.transport === 'ws' && s.wsFramesDrawn > ${drawn} && s.videoWidth === ${W}`, 15000);
    const before = await snapshot(b, '#wsvideo');
    assert.ok(stddev(before) > 5, 'the WebSocket video picture is blank');
    await drag(b, { x: W * 0.3, y: H * 0.5 }, { x: W * 0.7, y: H * 0.6 });
    const changed = await waitPictureChange(b, '#wsvideo', before, 0.02, 10000);
    t.diagnostic(`on WebSocket video ${Date.now() - t0} ms after the drop; a drag changed ${(100 * changed).toFixed(1)}%`);
    s = await b.evaluate(() => window.vtkstream.stats());
    assert.equal(s.transport, 'ws');
    const m = await peers();
    assert.match(m, /vtkstream_peers\{transport="ws",role="owner"\} 1\n/);
    assert.match(m, /vtkstream_peers\{transport="mjpeg",role="owner"\} 0\n/);
    assert.match(m, /vtkstream_peers\{transport="webrtc",role="owner"\} 0\n/);
    const out = execFileSync('nft', ['list', 'table', 'inet', 'vtkstream_lost'], { encoding: 'utf8' });
    const dropped = [...out.matchAll(/counter packets (\d+)/g)].reduce((n, x) => n + Number(x[1]), 0);
    t.diagnostic(`packets dropped: ${dropped}`);
    assert.ok(dropped > 0, 'nothing was dropped: WebRTC was not cut off');
  }));
