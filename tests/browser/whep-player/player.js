// A third-party WHEP player: the npm package whip-whep's WHEPClient (served by the test from
// node_modules, never from a CDN) watching ?endpoint= with ?token=. window.player is for the test.
import { WHEPClient } from './whep.js';

const q = new URLSearchParams(location.search);
const video = document.getElementById('video');
const pc = new RTCPeerConnection();
pc.addTransceiver('video', { direction: 'recvonly' });
pc.ontrack = (e) => { video.srcObject = e.streams[0] || new MediaStream([e.track]); };
const client = new WHEPClient();
window.player = {
  error: null,
  started: false,
  state: () => pc.connectionState,
  resource: () => (client.resourceURL ? String(client.resourceURL) : null),
  stop: () => client.stop(),
};
client.view(pc, q.get('endpoint'), q.get('token'))
  .then(() => { window.player.started = true; })
  .catch((e) => { window.player.error = String(e && e.message || e); });
