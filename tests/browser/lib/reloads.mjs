// Page reloads against the real server (issue 12): each reload is a WebRTC session that comes
// (real ICE and DTLS) and goes, sometimes while the server is still gathering candidates. The
// server's descriptors and RSS, read from /proc/VTKSTREAM_SERVER_PID, must come back.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { withBrowser, pageUrl, waitHealth } from './scenarios.mjs';
import { waitStats } from './page.mjs';

/** The server's open descriptors and resident memory (KiB), from /proc. */
export function serverStats(pid = process.env.VTKSTREAM_SERVER_PID) {
  if (!pid) throw new Error('VTKSTREAM_SERVER_PID is not set: run through tests/browser/with-server.sh');
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssKb: Number(rss[1]) };
}

/** Waits (bounded) until the server's descriptors are at most `fds`; /proc has no wakeup. */
async function settleFds(fds, timeoutMs) {
  const t0 = Date.now();
  let s = serverStats();
  while (s.fds > fds && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 100));
    s = serverStats();
  }
  return s;
}

/**
 * `count` reloads, each waiting for WebRTC to connect; every third reload is made as soon as
 * the offer arrived, before the server's end-of-candidates (the teardown that leaked).
 * Tolerances: descriptors exactly back (one leaked branch holds 20); RSS within 6 MiB (glibc's
 * per-thread arenas keep freed memory; a leaked branch costs several MiB only with its buffers,
 * so the fd check is the sharp one and RSS catches a gross leak).
 */
export async function reloadScenario(t, name, count) {
  await withBrowser(t, name, async (b) => {
    const url = pageUrl('size=320x180');
    await b.goto(url);
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 20000);
    await b.page.reload();
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 20000);
    await waitHealth((h) => h.peers === 1, 10000, 'one peer after the warm-up');
    const base = serverStats();
    t.diagnostic(`baseline with one peer: ${base.fds} fds, RSS ${base.rssKb} KiB`);
    const t0 = Date.now();
    for (let i = 0; i < count; ++i) {
      await b.page.reload();
      if (i % 3 === 0) await waitStats(b, 's.peerId !== null', 20000);
      else await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected'", 20000);
    }
    await waitStats(b, "s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1", 20000);
    await waitHealth((h) => h.peers === 1, 15000, 'every reloaded-away peer to be freed');
    const after = await settleFds(base.fds, 10000);
    t.diagnostic(`${count} reloads in ${((Date.now() - t0) / 1000).toFixed(1)} s; after: ${after.fds} fds ` +
                 `(${after.fds - base.fds >= 0 ? '+' : ''}${after.fds - base.fds}), RSS ${after.rssKb} KiB ` +
                 `(${after.rssKb - base.rssKb >= 0 ? '+' : ''}${after.rssKb - base.rssKb}, ` +
                 `${((after.rssKb - base.rssKb) / count).toFixed(1)} KiB/reload)`);
    assert.ok(after.fds <= base.fds, `descriptors leak: ${base.fds} -> ${after.fds} after ${count} reloads`);
    assert.ok(after.rssKb <= base.rssKb + 6 * 1024, `RSS grew ${after.rssKb - base.rssKb} KiB over ${count} reloads`);
  });
}
