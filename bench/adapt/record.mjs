// Records a congestion-control trace for tests/adapt: a real session (Chromium at 1280x720, the
// real server and renderer) across tests/browser/netns2.sh's rate-limited link, dragging the
// whole time so the encoder uses what it is given, while the link changes. The server writes what
// its controller sees (VTKSTREAM_ADAPT_TRACE, plugins/vtkstreamsink/adapt/trace.h); this script
// adds an `L` line at each link change, on the same monotonic clock.
//   node bench/adapt/record.mjs --trace FILE --scenario step|burst-loss|free-drags
// bench/adapt/record.sh runs it with the namespaces and the server around it.
import { appendFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { waitStats, nextFrame } from '../../tests/browser/lib/page.mjs';

const { values: opt } = parseArgs({ options: {
  trace: { type: 'string' }, scenario: { type: 'string', default: 'step' },
} });
const url = process.env.VTKSTREAM_URL;
if (!url || !opt.trace) throw new Error('run through bench/adapt/record.sh');
const linkRate = new URL('../../tests/browser/link-rate.sh', import.meta.url).pathname;
const nowUs = () => process.hrtime.bigint() / 1000n;  // CLOCK_MONOTONIC, like g_get_monotonic_time

function link(kbps) {
  execFileSync(linkRate, [kbps ? `${kbps}kbit` : 'off']);
  appendFileSync(opt.trace, `L ${nowUs()} ${kbps}\n`);
  console.log(`link ${kbps || 'unconstrained'} kbit/s`);
}

// Bursty loss: every UDP packet to the browser dropped for `ms`, as a radio fade would.
function outage(ms) {
  const ns = process.env.VTKSTREAM_BROWSER_NETNS;
  const nft = (...a) => execFileSync('ip', ['netns', 'exec', ns, 'nft', ...a]);
  nft('add', 'table', 'inet', 'vtsloss');
  nft('add', 'chain', 'inet', 'vtsloss', 'in', '{ type filter hook input priority 0; policy accept; }');
  nft('add', 'rule', 'inet', 'vtsloss', 'in', 'meta', 'l4proto', 'udp', 'drop');
  appendFileSync(opt.trace, `L ${nowUs()} -1\n`);  // -1: everything dropped
  return new Promise((r) => setTimeout(r, ms)).then(() => {
    nft('delete', 'table', 'inet', 'vtsloss');
    appendFileSync(opt.trace, `L ${nowUs()} 2000\n`);
  });
}

const W = 1280, H = 720;
const b = await launchChromium({ width: W, height: H });
let dragging = true;
try {
  const page = new URL(url);
  page.searchParams.set('size', `${W}x${H}`);
  page.searchParams.set('rtc_timeout', '20000');  // a loaded machine, a slow link
  await b.goto(page.href);
  await waitStats(b, `s.rtcState === 'connected' && s.videoWidth === ${W}`, 30000);
  const r = H / 4;
  const startDrag = async () => {
    dragging = true;
    await b.mouse.move(W / 2 + r, H / 2);
    await b.mouse.down();
    // Wrapped: an async function returning the loop's promise would wait for the loop.
    return { done: (async () => {
      for (let i = 0; dragging; i++) {
        const a = (i / 120) * 2 * Math.PI;
        await b.mouse.move(W / 2 + r * Math.cos(a), H / 2 + r * Math.sin(a));
        await nextFrame(b);
      }
    })() };
  };
  let drag = await startDrag();
  const wait = (s) => new Promise((res) => setTimeout(res, s * 1000));
  if (opt.scenario === 'step') {
    link(5000); await wait(15);
    link(250); await wait(20);
    link(5000); await wait(30);
  } else if (opt.scenario === 'low') {
    link(250); await wait(20);
  } else if (opt.scenario === 'burst-loss') {
    link(2000); await wait(10);
    for (let i = 0; i < 8; i++) { await outage(200 + 100 * (i % 3)); await wait(2); }
    await wait(10);
  } else if (opt.scenario === 'free-drags') {
    // The weak-link benchmark's unconstrained row: separate drags, each followed by the
    // full-size still and a pause in which the idle scene sends next to nothing.
    link(0);
    for (let i = 0; i < 12; i++) {
      await wait(2);
      dragging = false;
      await drag.done;
      await b.mouse.up();
      await wait(2.5);
      drag = await startDrag();
    }
    await wait(2);
  } else {
    throw new Error(`unknown scenario ${opt.scenario}`);
  }
  dragging = false;
  await drag.done;
  await b.mouse.up();
  console.log(JSON.stringify(await b.evaluate(() => window.vtkstream.stats())));
} catch (e) {
  console.error(b.log.join('\n'));
  throw e;
} finally {
  dragging = false;
  await b.close();
}
