// Unit tests of the quality menu's pure parts (web/js/quality.js, overlay.js): the section follows
// the server's ladder (none for one rung: no dead controls), choosing sends `quality`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QualityMenu, rungLabel } from '../../../web/js/quality.js';
import { rungLine } from '../../../web/js/overlay.js';

function fakeMenu() {
  const m = { sections: [], addSection(s) { const h = { s }; this.sections.push(h); return h; },
              removeSection(h) { this.sections = this.sections.filter((x) => x !== h); } };
  return m;
}

test('the quality section appears for a ladder and goes for a single rung', () => {
  const menu = fakeMenu();
  const sent = [];
  const q = new QualityMenu(menu, (m) => sent.push(m), () => {});
  q.update({ rung: 0, rungs: 1, heights: [0] });
  assert.equal(menu.sections.length, 0, 'one rung: nothing to choose');
  q.update({ rung: 0, rungs: 3, heights: [0, 360, 240] });
  assert.equal(menu.sections.length, 1);
  const items = menu.sections[0].s.items;
  assert.deepEqual(items.map((i) => i.id), ['quality-auto', 'quality-0', 'quality-1', 'quality-2']);
  assert.ok(items.every((i) => i.radio));
  assert.equal(items[0].checked(), true);
  items[3].run();
  assert.deepEqual(sent, [{ type: 'quality', rung: 2 }]);
  assert.equal(items[3].checked(), true);
  assert.equal(items[0].checked(), false);
  items[0].run();
  assert.deepEqual(sent.at(-1), { type: 'quality', rung: 'auto' });
  q.update({ rung: 0, rungs: 3, heights: [0, 360, 240] });
  assert.equal(menu.sections.length, 1, 'the same ladder does not rebuild the section');
  q.update({ rung: 0, rungs: 1, heights: [0] });
  assert.equal(menu.sections.length, 0);
});

test('rung labels and the overlay line', () => {
  assert.equal(rungLabel(0), 'full size');
  assert.equal(rungLabel(240), 'at most 240 lines');
  assert.equal(rungLine({ rung: null }), '–');
  assert.equal(rungLine({ rung: 2, rungs: 3, rungWidth: 427, rungHeight: 240, rungKbps: 250, rungPinned: true }),
               '2 of 3: 427×240 at 250 kbit/s (pinned)');
  assert.equal(rungLine({ rung: 0, rungs: 1, rungWidth: 0, rungHeight: 0, rungKbps: 0, rungPinned: false }),
               '0 of 1: no picture yet (auto)');
});
