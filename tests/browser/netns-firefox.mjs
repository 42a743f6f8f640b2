#!/usr/bin/env node
// netns-firefox.mjs ARGS...: Firefox ESR in the browser's namespace ($VTKSTREAM_BROWSER_NETNS,
// netns2.sh), driven from the server's, for browsers.mjs (puppeteer launches this instead of
// $VTKSTREAM_BROWSER_BIN, with Firefox's own arguments).
//
// Why: puppeteer drives Firefox over WebDriver BiDi on a WebSocket that Firefox opens on
// 127.0.0.1 (`--remote-debugging-port`), and a loopback address exists per network namespace:
// Firefox's listener is in the browser's namespace, puppeteer in the server's, so it cannot
// reach it (Chromium is driven over an inherited pipe, which crosses namespaces). A Unix socket
// bound to a path is not tied to a namespace: inside, a bridge accepts on one in Firefox's
// profile directory and connects each stream to Firefox's port; outside, this process accepts on
// 127.0.0.1 of the server's namespace and connects to that socket; and it tells puppeteer the
// outer port in the line Firefox prints ("WebDriver BiDi listening on ws://..."). Only the
// automation crosses this way; the page's traffic still crosses the link between the namespaces.
//
//   netns-firefox.mjs --inside SOCKET FIREFOX ARGS...   (the bridge's half, run by the outer half)
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';

const LISTENING = /^WebDriver BiDi listening on ws:\/\/(.+):(\d+)$/;
const BRIDGED = 'vtkstream-bridge ready ';

/** Each connection to `server` piped both ways to a new one made by `connect()`. */
function forward(server, connect) {
  server.on('connection', (a) => {
    const b = connect();
    a.pipe(b).pipe(a);
    const end = () => { a.destroy(); b.destroy(); };
    a.on('error', end).on('close', end);
    b.on('error', end).on('close', end);
  });
}

/** Firefox's stderr, line by line, to ours; `onLine(line)` may say what to print instead. */
function relayLines(stream, onLine) {
  createInterface({ input: stream }).on('line', async (line) => {
    process.stderr.write(`${(await onLine(line)) ?? line}\n`);
  });
}

if (process.argv[2] === '--inside') {
  const [sock, bin, ...args] = process.argv.slice(3);
  const ff = spawn(bin, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  ff.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
  relayLines(ff.stderr, (line) => {
    const m = LISTENING.exec(line);
    if (!m) return null;
    const host = m[1].replace(/^\[|\]$/g, '');
    const server = net.createServer();
    forward(server, () => net.connect(Number(m[2]), host));
    return new Promise((resolve) => server.listen(sock, () => resolve(`${line}\n${BRIDGED}${sock}`)));
  });
} else {
  const ns = process.env.VTKSTREAM_BROWSER_NETNS;
  const bin = process.env.VTKSTREAM_BROWSER_BIN;
  if (!ns || !bin) throw new Error('netns-firefox.mjs: VTKSTREAM_BROWSER_NETNS and VTKSTREAM_BROWSER_BIN must be set');
  const args = process.argv.slice(2);
  // The profile directory puppeteer made (and removes at the end) holds the socket.
  const profile = args[args.indexOf('--profile') + 1];
  if (!args.includes('--profile') || !profile) throw new Error('netns-firefox.mjs: no --profile DIR among the arguments');
  const inner = spawn('ip', ['netns', 'exec', ns, process.execPath, new URL(import.meta.url).pathname,
                             '--inside', `${profile}/bidi.sock`, bin, ...args],
                      { stdio: ['ignore', 'inherit', 'pipe'] });
  inner.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
  let port = 0;
  relayLines(inner.stderr, (line) => {
    // Not for puppeteer (an address in the other namespace): it gets the outer one, below, once
    // the bridge is up.
    const m = LISTENING.exec(line);
    if (m) {
      port = Number(m[2]);
      return `vtkstream: ${line} (in namespace ${ns})`;
    }
    if (!line.startsWith(BRIDGED)) return null;
    // The same port number here: Firefox answers 400 to a handshake whose Host names another.
    const server = net.createServer();
    forward(server, () => net.connect(line.slice(BRIDGED.length)));
    return new Promise((resolve, reject) => {
      server.on('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(`WebDriver BiDi listening on ws://127.0.0.1:${port}`));
    });
  });
}
