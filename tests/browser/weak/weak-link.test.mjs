// Chromium across a weak link (netns2.sh: server and browser in two namespaces, tc tbf on both
// ends of the veth between them) of VTKSTREAM_LINK_KBPS (default 1000; run.sh runs 1 Mbit/s,
// then 250 kbit/s), the real server and renderer, at the 1280x720 of the issue's
// measurements: every drag is seen, no freeze over 1 s while dragging (the page's presented-frame
// times) — the two criteria — and the server's bandwidth estimate for this viewer is
// held to the link: its median while dragging at most the link rate, no sample more than
// PROBE_MARGIN above it, and the encoder of the rung the viewer is on follows that estimate.
// Why a margin: a controller learns that a link got faster only by sending a little more than it
// has seen delivered, so a probe may pass the link's rate for a report or two before the queue it
// builds brings the estimate back (webrtcsink's and libwebrtc's controllers do the same). The
// check used to allow no sample above the link at all; with the rung ceilings and the queue
// measurement it failed 2 runs in 12, at 1009 kbit/s on 1 Mbit/s and 260 on 250 kbit/s, with
// every drag seen and no freeze (docs/performance.md, "Weak links in `make test`").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBrowser, pageUrl } from '../lib/scenarios.mjs';
import { waitStats, snapshot, waitPictureChange, nextFrame } from '../lib/page.mjs';

const LINK_KBPS = Number(process.env.VTKSTREAM_LINK_KBPS || 1000);
const W = 1280;
const H = 720;
// A probe's overshoot the estimate may show (see above); 10 % is one probe step and then some.
const PROBE_MARGIN = 1.1;
const DRAGS = 6;  // about 30 s in `make test` (after a warm-up drag)

// In the page: presented-frame times (rVFC) and the estimate every 250 ms.
const RECORDER = () => {
  const v = document.getElementById('video');
  window.__weak = { frames: [], estimates: [] };
  const cb = (now, md) => { window.__weak.frames.push(md.presentationTime ?? now); v.requestVideoFrameCallback(cb); };
  v.requestVideoFrameCallback(cb);
  setInterval(() => {
    const e = window.vtkstream.stats().estimateKbps;
    if (e != null) window.__weak.estimates.push({ t: performance.now(), kbps: e });
  }, 250);
};

async function dragFor(b, from, to, steps) {
  await b.mouse.move(from.x, from.y);
  await b.mouse.down();
  const t0 = await b.evaluate(() => performance.now());
  for (let i = 1; i <= steps; i++) {
    const k = i / steps;
    await b.mouse.move(from.x + (to.x - from.x) * k, from.y + (to.y - from.y) * k);
    await nextFrame(b);
  }
  await b.mouse.up();
  return { t0, t1: await b.evaluate(() => performance.now()) };
}

test(`chromium at ${LINK_KBPS} kbit/s: every drag seen, no freeze over 1 s, estimate below the link`,
  { timeout: 180000 }, (t) => withBrowser(t, 'chromium', async (b) => {
    await b.page.setViewportSize({ width: W, height: H });
    await b.goto(pageUrl(`size=${W}x${H}&rtc_timeout=20000`));
    // Frames, not a width: behind a weak link the viewer may be on a lower rung's smaller picture.
    await waitStats(b, `s.transport === 'webrtc' && s.rtcState === 'connected' && s.framesPresented >= 1`, 40000);
    await b.evaluate(RECORDER);
    // Warm-up: the controller starts at the configured 1.2 Mbit/s and learns the link while the
    // encoder has something to send.
    const c = { x: W / 2, y: H / 2 };
    await dragFor(b, { x: c.x - 200, y: c.y }, { x: c.x + 200, y: c.y + 50 }, 240);
    await waitStats(b, `s.estimateKbps !== null && s.estimateKbps <= ${LINK_KBPS}`, 20000);
    const measuredFrom = await b.evaluate(() => performance.now());

    const windows = [];
    for (let i = 0; i < DRAGS; i++) {
      const dir = i % 2 ? -1 : 1;
      const before = await snapshot(b, '#video');
      const w = await dragFor(b, { x: c.x - dir * 150, y: c.y }, { x: c.x + dir * 150, y: c.y + 30 }, 30);
      const changed = await waitPictureChange(b, '#video', before, 0.02, 5000).catch(() => 0);
      const st = await b.evaluate(() => window.vtkstream.stats());
      t.diagnostic(`drag ${i + 1}: changed ${(100 * changed).toFixed(1)}% estimate ${st.estimateKbps} ` +
                   `frames ${st.framesPresented} fps ${st.fps}`);
      assert.ok(changed >= 0.02, `drag ${i + 1} of ${DRAGS} was not seen within 5 s`);
      windows.push(w);
    }
    const rec = await b.evaluate(() => window.__weak);
    // While dragging, the longest wait for the next presented frame (including the first one).
    let worst = 0;
    for (const w of windows) {
      let last = w.t0;
      for (const f of rec.frames.filter((x) => x > w.t0 && x <= w.t1 + 1000)) {
        if (last < w.t1) worst = Math.max(worst, f - last);
        last = f;
      }
    }
    const est = rec.estimates.filter((e) => e.t >= measuredFrom).map((e) => e.kbps);
    const s = await b.evaluate(() => window.vtkstream.stats());
    t.diagnostic(`longest gap while dragging ${worst.toFixed(0)} ms; estimate min/max ` +
                 `${Math.min(...est)}/${Math.max(...est)} kbit/s over ${est.length} samples; ` +
                 `encoder ${s.encoderKbps} kbit/s; p50/p95 ${s.latency.p50}/${s.latency.p95} ms`);
    // The server publishes the same estimate per viewer, and the encoder of the rung this viewer
    // is on follows it (the only viewer of its rung): /healthz with the page's token cookie.
    // (`encoder_kbps` is the top rung's alone, which a viewer behind a weak link may not be on.)
    const health = await b.evaluate(async () => (await fetch('healthz')).json());
    t.diagnostic(`healthz: encoder_kbps ${health.encoder_kbps} viewers ${JSON.stringify(health.viewers)}`);
    assert.equal(health.viewers.length, 1);
    const v = health.viewers[0];
    assert.equal(v.controlling, true);
    // The page names its frames and the server found when they left (docs/protocol.md `frames`):
    // the per-frame network delay that keeps the estimate at the link.
    assert.equal(typeof v.net_queue_ms, 'number', 'no per-frame network delay was measured');
    assert.ok(v.estimate_kbps <= PROBE_MARGIN * LINK_KBPS, `the published estimate (${v.estimate_kbps}) is above the link`);
    assert.ok(Math.abs(v.rung_kbps - v.estimate_kbps) <= 0.05 * v.rung_kbps + 1,
      `rung ${v.rung}'s encoder (${v.rung_kbps} kbit/s) does not follow the viewer's estimate (${v.estimate_kbps})`);
    assert.ok(worst <= 1000, `a freeze of ${worst.toFixed(0)} ms while dragging`);
    assert.ok(est.length > 10, 'no estimates arrived');
    const median = [...est].sort((a, c) => a - c)[Math.floor(est.length / 2)];
    assert.ok(median <= LINK_KBPS, `the estimate sat above the ${LINK_KBPS} kbit/s link: median ${median}`);
    assert.ok(Math.max(...est) <= PROBE_MARGIN * LINK_KBPS,
      `the estimate went more than a probe above the ${LINK_KBPS} kbit/s link: ${Math.max(...est)}`);
  }));
