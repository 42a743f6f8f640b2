#!/usr/bin/env python3
"""bundle_web.py ESBUILD SRC OUT [DEPFILE]: the web client as the server hands it out, built from SRC (the
repository's web/) into the directory OUT: every file of SRC copied, except that js/main.js is
the page's whole module graph in one file (esbuild --bundle) and index.html preloads only it.

Why: the server answers every request on a connection of its own (one request per connection,
plugins/vtkstreamsink/http/connection_guard.h), so over https each module the page imports costs
a TLS handshake; 24 modules took most of a second before the page could open its WebSocket
(docs/performance.md "One port: the page in one request"). One module is one handshake.

The sources stay plain ES modules (served as they are with --web web/, and imported by the unit
tests); OUT is rebuilt by ninja whenever one of them changes: DEPFILE lists every module esbuild
read and every file copied.
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

PRELOAD = re.compile(r'^[ \t]*<link rel="modulepreload" href="js/([^"]+)">[ \t]*\n', re.M)
PRELOAD_NOTE = re.compile(r'<!-- Every module main\.js imports.*?-->\n', re.S)
ENTRY = '<script type="module" src="js/main.js"></script>'


def depfile(path, out, src, meta_path):
    with open(meta_path, encoding='utf-8') as f:
        inputs = [os.path.join(src, i) for i in json.load(f)['inputs']]  # relative to src
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if d != 'js']
        inputs += [os.path.join(root, n) for n in files if n != 'meson.build']
    esc = lambda p: p.replace(' ', '\\ ')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(esc(out) + ': ' + ' '.join(esc(i) for i in sorted(set(inputs))) + '\n')


def main(esbuild, src, out, dep=None):
    src, out = os.path.abspath(src), os.path.abspath(out)
    tmp = out + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    # shutil.copy, not copy2: fresh modification times, which the server compares with the
    # sources' to tell a bundle older than an edit (web_bundle.h).
    shutil.copytree(src, tmp, ignore=shutil.ignore_patterns('js', 'meson.build'), copy_function=shutil.copy)
    with open(os.path.join(src, 'index.html'), encoding='utf-8') as f:
        html = f.read()
    if ENTRY not in html:
        sys.exit(f'bundle_web: {src}/index.html does not load js/main.js as a module ({ENTRY})')
    html = PRELOAD_NOTE.sub('<!-- One module: js/*.js bundled into js/main.js at build time (scripts/bundle_web.py). -->\n', html)
    html = PRELOAD.sub(lambda m: m.group(0) if m.group(1) == 'main.js' else '', html)
    with open(os.path.join(tmp, 'index.html'), 'w', encoding='utf-8') as f:
        f.write(html)
    # Minified (72 KB -> 42 KB: 0.3 s less at 1 Mbit/s, and the server does not compress), with a
    # source map beside it (fetched only by developer tools) so errors still point at web/js.
    subprocess.run([esbuild, os.path.join(src, 'js', 'main.js'), '--bundle', '--format=esm', '--target=es2020',
                    '--charset=utf8', '--log-level=warning', '--minify', '--sourcemap', '--outfile=' + os.path.join(tmp, 'js', 'main.js'),
                    '--metafile=' + tmp + '.meta.json'],
                   check=True, cwd=src)
    if dep:
        depfile(dep, out, src, tmp + '.meta.json')
    os.remove(tmp + '.meta.json')
    # Gzip twins of what the page needs before its first picture, for clients that take gzip
    # (the server hands out NAME.gz for NAME when it is at least as new): the module is 42 KB
    # minified and about 14 KB compressed, which a 1 Mbit/s link carries in a tenth of a second.
    for rel in ('index.html', 'style.css', os.path.join('js', 'main.js')):
        with open(os.path.join(tmp, rel), 'rb') as f:
            data = gzip.compress(f.read(), 9, mtime=0)
        with open(os.path.join(tmp, rel + '.gz'), 'wb') as f:
            f.write(data)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)


if __name__ == '__main__':
    if len(sys.argv) not in (4, 5):
        sys.exit('usage: bundle_web.py ESBUILD SRC OUT [DEPFILE]')
    main(*sys.argv[1:])
