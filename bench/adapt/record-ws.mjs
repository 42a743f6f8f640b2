// Records a congestion-control trace of a WebSocket-video viewer for tests/adapt: a node client
// (tests/browser/weak-ws/ws_viewer_child.mjs, acking every frame as the page does) in the browser's
// namespace of tests/browser/netns2.sh, behind the rate-limited link, with the real server and
// renderer, while a second client on the server's side (no video: transport mjpeg without the
// MJPEG stream, so no trace lines of its own) drags the whole time. The server writes what the
// viewer's controller sees (VTKSTREAM_ADAPT_TRACE); this script adds an `L` line at each link
// change, on the same monotonic clock. Scenario `step`: 5 Mbit/s 15 s, 250 kbit/s 20 s, 5 Mbit/s 30 s.
//   bench/adapt/record.sh ws-step OUT
import { appendFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { connect } from '../../tests/browser/lib/ws_video_client.mjs';

const { values: opt } = parseArgs({ options: { trace: { type: 'string' } } });
const url = process.env.VTKSTREAM_URL;
if (!url || !opt.trace) throw new Error('run through bench/adapt/record.sh ws-step OUT');
const linkRate = fileURLToPath(new URL('../../tests/browser/link-rate.sh', import.meta.url));
const nowUs = () => process.hrtime.bigint() / 1000n;  // CLOCK_MONOTONIC, like g_get_monotonic_time

function link(kbps) {
  execFileSync(linkRate, [kbps ? `${kbps}kbit` : 'off']);
  appendFileSync(opt.trace, `L ${nowUs()} ${kbps}\n`);
  console.log(`link ${kbps} kbit/s`);
}

const driver = await connect(url, { transport: 'mjpeg' });
driver.send({ type: 'control', action: 'take' });
const viewer = spawn('ip', ['netns', 'exec', process.env.VTKSTREAM_BROWSER_NETNS, process.execPath,
  fileURLToPath(new URL('../../tests/browser/weak-ws/ws_viewer_child.mjs', import.meta.url)), url],
{ stdio: ['pipe', 'ignore', 'inherit'] });
let s = 0;
let dragging = true;
const drag = (async () => {
  driver.send({ type: 'input', t: 'pd', x: 0.3, y: 0.5, b: 1, s: ++s });
  for (let i = 0; dragging; ++i) {
    driver.send({ type: 'input', t: 'pm', x: 0.5 + 0.2 * Math.cos(i / 20), y: 0.5 + 0.2 * Math.sin(i / 20), s: ++s });
    await new Promise((r) => setTimeout(r, 33));  // a pointer's pace
  }
  driver.send({ type: 'input', t: 'pu', x: 0.5, y: 0.5, b: 1, s: ++s });
})();
const wait = (sec) => new Promise((r) => setTimeout(r, sec * 1000));
link(5000); await wait(15);
link(250); await wait(20);
link(5000); await wait(30);
dragging = false;
await drag;
viewer.stdin.end();
driver.close();
