// Janus for the tests and benchmarks that watch through it: Janus itself, started on a
// configuration from launch/janus/janus-config.sh, and the viewer page (launch/janus/viewer.html)
// with Debian's janus.js and adapter.js, served from an origin of our own (never a CDN).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LAUNCH_DIR = new URL('../../../launch/janus', import.meta.url).pathname;
const launchDir = LAUNCH_DIR;

/** Starts Janus on the generated configuration; resolves once its HTTP API listens. */
export function startJanus(dir, log) {
  const p = spawn('janus', ['--configs-folder', dir, '--config', join(dir, 'janus.jcfg'), '--disable-colors'],
                  { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      log.push(...String(d).split('\n').filter(Boolean));
      // Janus says so once the HTTP transport listens: no sleeping, no polling for it.
      if (/HTTP webserver started/.test(out)) resolve(p);
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code, sig) => reject(new Error(`janus exited (${code ?? sig}) before its HTTP API listened:\n${out}`)));
  });
}

export function stopJanus(p) {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => { p.once('exit', resolve); p.kill('SIGKILL'); });
}

/** The viewer page and Debian's two scripts, from one origin of our own. */
export async function servePage() {
  const files = {
    '/': [join(launchDir, 'viewer.html'), 'text/html'],
    '/janus.js': ['/usr/share/javascript/janus-gateway/janus.js', 'text/javascript'],
    '/adapter.js': ['/usr/share/javascript/webrtc-adapter/adapter.js', 'text/javascript'],
  };
  const server = createServer(async (req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': f[1] }).end(await readFile(f[0]));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
