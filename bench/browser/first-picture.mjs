// One run of bench/browser/first-picture.sh: where WebSocket video's first picture spends its
// time, on the page's own clock (ms since navigation start), over RUNS fresh Chromium sessions
// (a fresh profile each: nothing cached, as for a first visit):
//   html      the page's HTML received (navigation responseEnd)
//   modules   how many JS modules loaded, and when the last one arrived (resource timing)
//   fetch     the longest single module fetch (request to response end): a slow server shows
//             here, a waterfall of imports shows as modules >> html + fetch
//   connect   the signalling WebSocket asked for (web/js/signalling.js's mark)
//   open      the WebSocket open (hello goes out here)
//   welcome   welcome received: the WebSocket video starts (wsTimes().start)
//   key       the first keyframe arrived (wsTimes().firstKey)
//   drawn     the first picture drawn (wsTimes().firstDraw)
//   node bench/browser/first-picture.mjs --label before --runs 5
import { parseArgs } from 'node:util';
import { launchChromium } from '../../tests/browser/lib/browsers.mjs';
import { waitStats } from '../../tests/browser/lib/page.mjs';

const { values: opt } = parseArgs({ options: { label: { type: 'string', default: '?' },
                                               runs: { type: 'string', default: '5' } } });
const url = process.env.VTKSTREAM_URL;
if (!url) throw new Error('VTKSTREAM_URL is not set: run bench/browser/first-picture.sh');
const W = 1280, H = 720;
const KEYS = ['html', 'fetch', 'modules', 'connect', 'open', 'welcome', 'key', 'drawn'];
const median = (a) => { const s = a.slice().sort((x, y) => x - y); return s[(s.length - 1) >> 1]; };

async function run() {
  const b = await launchChromium({ width: W, height: H, args: [`--ignore-certificate-errors-spki-list=${process.env.VTKSTREAM_TLS_SPKI}`] });
  try {
    const page = new URL(url);
    page.searchParams.set('size', `${W}x${H}`);
    page.searchParams.set('transport', 'ws');
    await b.goto(page.href);
    await waitStats(b, "s.transport === 'ws' && s.framesPresented >= 1 && s.videoWidth > 0", 60000);
    return await b.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const js = performance.getEntriesByType('resource').filter((e) => e.name.includes('/js/'));
      const mark = (n) => (performance.getEntriesByName(n)[0] || {}).startTime ?? NaN;
      const t = window.vtkstream.wsTimes();
      return { html: nav.responseEnd, nModules: js.length, modules: Math.max(...js.map((e) => e.responseEnd)),
               fetch: Math.max(...js.map((e) => e.responseEnd - e.startTime)),
               connect: mark('vtkstream-ws-connect'), open: mark('vtkstream-ws-open'),
               welcome: t.start, key: t.firstKey, drawn: t.firstDraw };
    });
  } finally {
    await b.close();
  }
}

const rows = [];
for (let i = 0; i < Number(opt.runs); i++) {
  const r = await run();
  rows.push(r);
  console.log(`${opt.label} run ${i + 1}: ${r.nModules} modules  ` + KEYS.map((k) => `${k} ${Math.round(r[k])}`).join('  '));
}
console.log(`${opt.label} median of ${rows.length}: ` + KEYS.map((k) => `${k} ${Math.round(median(rows.map((r) => r[k])))}`).join('  ') +
            `  (ms since navigation start)`);
