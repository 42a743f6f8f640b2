// ws_viewer_child.mjs URL: one WebSocket-video viewer (lib/ws_video_client.mjs: acks every frame
// when it arrives, as the page does) that reports on stdout, one JSON line per event: each frame
// ({"f": [id, height, keyframe]}) and each `rung` and `estimate` message ({"m": ...}); the test
// times them as the lines arrive.
// ws-rungs.test.mjs runs it in the browser's namespace of netns2.sh, behind the weak link.
import { connect } from '../lib/ws_video_client.mjs';

const c = await connect(process.argv[2]);
let frames = 0;
let texts = 0;
const wake = c.wake.bind(c);
c.wake = () => {
  for (; frames < c.frames.length; frames++) {
    const f = c.frames[frames];
    process.stdout.write(`${JSON.stringify({ f: [f.id, f.height, f.keyframe] })}\n`);
  }
  for (; texts < c.texts.length; texts++) {
    const m = c.texts[texts];
    if (m.type === 'rung' || m.type === 'estimate' || m.type === 'welcome' || m.type === 'error')
      process.stdout.write(`${JSON.stringify({ m })}\n`);
  }
  if (c.closed) process.stdout.write(`${JSON.stringify({ closed: c.closed })}\n`);
  wake();
};
c.wake();
process.stdin.on('end', () => { c.close(); process.exit(0); });  // the test ends us by closing stdin
process.stdin.resume();
