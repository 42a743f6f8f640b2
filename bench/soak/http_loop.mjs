// The soak's HTTP load: requests on keep-alive connections (node's agent reuses a connection
// until the server closes it), a mix of what monitors, visitors and scanners send.
import http from 'node:http';

/**
 * The request mix for the control link `link`: [path, headers, expected status]. Bad tokens,
 * in the query and in a cookie, must get 401 and cost the server nothing.
 */
function requestMix(link) {
  const u = new URL(link);
  const token = u.searchParams.get('token');
  const good = token ? `?token=${encodeURIComponent(token)}` : '';
  const bad = '?token=not-the-token';
  // The page's cookie (http/auth.h: one name per port), as a browser sends it after a load.
  const name = `vtkstream_token_${u.port || 80}`;
  const goodCookie = token ? { cookie: `${name}=${token}` } : {};
  const badCookie = { cookie: `${name}=not-the-token` };
  const denied = token ? 401 : 200;
  return [
    ['/healthz', {}, 200],
    [`/${good}`, {}, 200],                    // a page load with its assets
    ['/js/main.js', goodCookie, 200],
    ['/style.css', goodCookie, 200],
    ['/healthz', {}, 200],
    [`/${bad}`, {}, denied],                  // guessed tokens, in the link and in a cookie
    ['/js/main.js', badCookie, denied],
    [`/healthz${good}`, {}, 200],             // a monitor with the token: the details
  ];
}

function get(agent, origin, path, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}${path}`, { agent, headers }, (res) => {
      res.resume();  // read the body whole: the connection can then be reused or is closed
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`no answer to ${path} in 10 s`)));
    req.on('error', reject);
  });
}

/**
 * Sends the mix at about `rate` requests/s while `state.httpOn()` and until `state.stop`,
 * counting into `counts` ({ requests, unexpected, errors[] }).
 */
export async function httpLoop(link, rate, counts, state) {
  const origin = new URL(link).origin;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const mix = requestMix(link);
  const gapMs = 1000 / rate;
  let next = Date.now();
  try {
    for (let i = 0; !state.stop; ++i) {
      if (!state.httpOn()) {
        await state.phaseChange();
        next = Date.now();
        continue;
      }
      const [path, headers, want] = mix[i % mix.length];
      try {
        const status = await get(agent, origin, path, headers);
        ++counts.requests;
        if (status !== want) throw new Error(`${path.replace(/token=[^&]+/, 'token=…')}: ${status}, expected ${want}`);
      } catch (e) {
        ++counts.unexpected;
        if (counts.errors.length < 10) counts.errors.push(`${new Date().toISOString()} ${e.message}`);
      }
      // Paced, not a flood: the load is steady over the half hour.
      next += gapMs;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = Date.now();
    }
  } finally {
    agent.destroy();
  }
}
