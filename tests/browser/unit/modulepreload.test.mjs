// The page's module graph is fetched at once, not one import level after another: index.html
// names every module main.js reaches (directly or through other modules) in a
// <link rel="modulepreload">, so the browser asks for all of them while it parses the HTML. Without
// it each level of imports waits for the one above (main -> chrome -> fullscreen -> shortcuts:
// four round trips before the WebSocket can open), which bench/browser/first-picture.sh measures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, normalize } from 'node:path';

const web = join(dirname(fileURLToPath(import.meta.url)), '../../../web');
const IMPORT = /^\s*import\s[^'"]*['"](\.[^'"]+)['"]/gm;

/** Every module reachable from `entry` (paths relative to web/). */
function graph(entry) {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const src = readFileSync(join(web, rel), 'utf8');
    for (const m of src.matchAll(IMPORT)) visit(normalize(join(dirname(rel), m[1])));
  };
  visit(entry);
  return seen;
}

test('index.html preloads the whole module graph of main.js, and nothing else', () => {
  const html = readFileSync(join(web, 'index.html'), 'utf8');
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => normalize(m[1])));
  const modules = graph('js/main.js');
  assert.ok(modules.size > 10, `the graph walk found the imports (${modules.size})`);
  assert.deepEqual([...modules].filter((m) => !preloaded.has(m)).sort(), [], 'modules not preloaded');
  assert.deepEqual([...preloaded].filter((m) => !modules.has(m)).sort(), [], 'preloads that nothing imports');
});
