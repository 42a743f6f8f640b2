#!/usr/bin/python3
"""Receive-only WebRTC viewers in one process, for the audience benchmark (docs/performance.md,
"Audience: direct and through Janus"). Each viewer is a GStreamer webrtcbin that receives the VP8
stream without decoding it (what a viewer costs the *server* is the point; decoding here would
only take CPU from the server on the same small machine). Viewers connect either directly to
vtkstreamsink through WHEP (POST /whep, docs/protocol.md) or through Janus's HTTP API (streaming
plugin, watch/start). Frames are counted from RTP marker bits.

  loadgen.py --mode direct --url http://127.0.0.1:8000/ --token T --steps 1,2,4,8 --window 8 \
             --pids SERVER_PID[,JANUS_PID]
  loadgen.py --mode janus --janus http://127.0.0.1:8088/janus --steps 1,4,16 ...
  loadgen.py --mode latency --url ... --token T --janus ...   (one direct + one Janus viewer)

Prints one line per step: viewers, fps per viewer (min / median), CPU of each pid (% of one core),
this process's CPU, and the load average. --mode latency prints how much later each frame
(VP8 picture id, which Janus passes through untouched) reaches the Janus viewer than the direct one.
"""
import argparse
import json
import os
import random
import statistics
import threading
import time
import urllib.error
import urllib.request

import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstWebRTC', '1.0')
gi.require_version('GstSdp', '1.0')
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)
CAPS = Gst.Caps.from_string('application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000')


def http(method, url, body=None, headers=None, ctype='application/json'):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header('Content-Type', ctype)
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, r.headers, r.read().decode()


class Viewer:
    """One receive-only webrtcbin in the shared pipeline."""

    def __init__(self, pipe, name):
        self.pipe = pipe
        self.frames = 0
        self.arrivals = {}  # VP8 picture id -> monotonic arrival (latency mode)
        self.track_ids = False
        self.gathered = threading.Event()
        self.wb = Gst.ElementFactory.make('webrtcbin', name)
        self.wb.set_property('bundle-policy', GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        # No jitter buffer delay: packets come out as they arrive (in order), so frame counts and
        # arrival times are the network's, not the jitter buffer's schedule.
        self.wb.set_property('latency', 0)
        self.wb.connect('pad-added', self._pad_added)
        self.wb.connect('notify::ice-gathering-state', self._gathering)
        pipe.add(self.wb)
        self.wb.sync_state_with_parent()

    def _gathering(self, wb, _pspec):
        if wb.get_property('ice-gathering-state') == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.gathered.set()

    def _pad_added(self, wb, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        sink = Gst.ElementFactory.make('fakesink')
        sink.set_property('sync', False)
        sink.set_property('async', False)
        self.pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad('sink'))
        pad.add_probe(Gst.PadProbeType.BUFFER, self._packet)

    def _packet(self, _pad, info):
        buf = info.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        if ok:
            d = m.data
            if len(d) > 12 and d[1] & 0x80:  # marker bit: last packet of a frame
                self.frames += 1
            if self.track_ids and len(d) > 16:
                cc = d[0] & 0x0F
                off = 12 + 4 * cc
                if d[0] & 0x10:  # header extension
                    off += 4 + 4 * ((d[off + 2] << 8) | d[off + 3])
                p = d[off:off + 4]
                if len(p) == 4 and p[0] & 0x80 and p[0] & 0x10 and p[1] & 0x80:  # X, S, I
                    pid = ((p[2] & 0x7F) << 8) | p[3] if p[2] & 0x80 else p[2] & 0x7F
                    self.arrivals.setdefault(pid, time.monotonic())
            buf.unmap(m)
        return Gst.PadProbeReturn.OK

    def _wait(self, promise):
        promise.wait()
        # The reply (and the description in it) belongs to the promise, and get_value() does not
        # copy: promise and reply must outlive the description's use, or it points at freed memory.
        self._keep = promise
        return promise.get_reply()

    def offer(self):
        """Creates a recvonly offer, waits for all candidates, returns the SDP text."""
        self.wb.emit('add-transceiver', GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, CAPS)
        p = Gst.Promise.new()
        self.wb.emit('create-offer', None, p)
        reply = self._wait(p)  # owns the description: alive until it is set
        offer = reply.get_value('offer')
        p2 = Gst.Promise.new()
        self.wb.emit('set-local-description', offer, p2)
        p2.wait()
        self.gathered.wait(20)
        return self.wb.get_property('local-description').sdp.as_text()

    def remote(self, sdp_text, kind):
        _, msg = GstSdp.SDPMessage.new_from_text(sdp_text)
        desc = GstWebRTC.WebRTCSessionDescription.new(kind, msg)
        p = Gst.Promise.new()
        self.wb.emit('set-remote-description', desc, p)
        p.wait()

    def answer(self):
        p = Gst.Promise.new()
        self.wb.emit('create-answer', None, p)
        reply = self._wait(p)
        ans = reply.get_value('answer')
        p2 = Gst.Promise.new()
        self.wb.emit('set-local-description', ans, p2)
        p2.wait()
        self.gathered.wait(20)
        return self.wb.get_property('local-description').sdp.as_text()


def whep_viewer(pipe, i, url, token):
    v = Viewer(pipe, f'direct{i}')
    sdp = v.offer()
    status, headers, body = http('POST', url.rstrip('/') + '/whep', sdp,
                                 {'Authorization': f'Bearer {token}'}, 'application/sdp')
    assert status == 201, status
    v.remote(body, GstWebRTC.WebRTCSDPType.ANSWER)
    return v


class JanusSession:
    """One Janus session per viewer (as browsers make them); keepalives from a thread."""

    def __init__(self, api):
        self.api = api.rstrip('/')
        r = self.post(self.api, {'janus': 'create'})
        self.sid = r['data']['id']
        self.base = f'{self.api}/{self.sid}'

    def post(self, url, msg):
        msg['transaction'] = '%x' % random.getrandbits(48)
        return json.loads(http('POST', url, json.dumps(msg))[2])

    def event(self):
        """Long-polls for the next event that carries a JSEP or an error."""
        while True:
            ev = json.loads(http('GET', f'{self.base}?maxev=1')[2])
            if ev.get('jsep') or ev.get('janus') == 'event' and ev.get('plugindata', {}).get('data', {}).get('error'):
                return ev


def janus_viewer(pipe, i, api, mount):
    s = JanusSession(api)
    h = s.post(s.base, {'janus': 'attach', 'plugin': 'janus.plugin.streaming'})['data']['id']
    handle = f'{s.base}/{h}'
    s.post(handle, {'janus': 'message', 'body': {'request': 'watch', 'id': mount}})
    ev = s.event()
    if not ev.get('jsep'):
        raise RuntimeError(f'janus: {ev}')
    v = Viewer(pipe, f'janus{i}')
    v.remote(ev['jsep']['sdp'], GstWebRTC.WebRTCSDPType.OFFER)
    sdp = v.answer()
    s.post(handle, {'janus': 'message', 'body': {'request': 'start'}, 'jsep': {'type': 'answer', 'sdp': sdp}})
    v.session = s
    return v


def cpu_ticks(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def threads(pid):
    with open(f'/proc/{pid}/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('Threads:'))


def measure(viewers, pids, window):
    hz = os.sysconf('SC_CLK_TCK')
    f0 = [v.frames for v in viewers]
    c0 = {p: cpu_ticks(p) for p in pids}
    s0 = os.times()
    t0 = time.monotonic()
    time.sleep(window)  # the measurement window itself
    dt = time.monotonic() - t0
    s1 = os.times()
    fps = [(v.frames - a) / dt for v, a in zip(viewers, f0)]
    cpu = {p: 100.0 * (cpu_ticks(p) - c0[p]) / hz / dt for p in pids}
    self_cpu = 100.0 * ((s1.user - s0.user) + (s1.system - s0.system)) / dt
    return fps, cpu, self_cpu


def keepalive(viewers, stop):
    while not stop.wait(20):
        for v in viewers:
            if hasattr(v, 'session'):
                v.session.post(v.session.base, {'janus': 'keepalive'})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=['direct', 'janus', 'latency'], required=True)
    ap.add_argument('--url', help='vtkstreamsink base URL (direct, latency)')
    ap.add_argument('--token', help='its token, for WHEP')
    ap.add_argument('--janus', help="Janus's HTTP API (janus, latency)")
    ap.add_argument('--mount', type=int, default=1)
    ap.add_argument('--steps', default='1,2,4,8')
    ap.add_argument('--window', type=float, default=8)
    ap.add_argument('--settle', type=float, default=3)
    ap.add_argument('--pids', default='')
    a = ap.parse_args()
    pids = [int(p) for p in a.pids.split(',') if p]
    pipe = Gst.Pipeline.new('loadgen')
    pipe.set_state(Gst.State.PLAYING)
    loop = GLib.MainLoop()
    threading.Thread(target=loop.run, daemon=True).start()
    viewers = []
    stop = threading.Event()
    threading.Thread(target=keepalive, args=(viewers, stop), daemon=True).start()
    if a.mode == 'latency':
        d = whep_viewer(pipe, 0, a.url, a.token)
        j = janus_viewer(pipe, 0, a.janus, a.mount)
        d.track_ids = j.track_ids = True
        time.sleep(a.window)  # collect arrivals
        extra = [(j.arrivals[k] - d.arrivals[k]) * 1000 for k in d.arrivals if k in j.arrivals]
        extra.sort()
        q = lambda p: extra[min(len(extra) - 1, int(p * len(extra)))]
        print(f'latency: frames matched {len(extra)}; Janus later than direct by p50 {q(0.5):.1f} ms, '
              f'p95 {q(0.95):.1f} ms, max {extra[-1]:.1f} ms', flush=True)
    else:
        for n in [int(x) for x in a.steps.split(',')]:
            try:
                while len(viewers) < n:
                    i = len(viewers)
                    viewers.append(whep_viewer(pipe, i, a.url, a.token) if a.mode == 'direct'
                                   else janus_viewer(pipe, i, a.janus, a.mount))
            except urllib.error.HTTPError as e:  # e.g. 503: the sink's max-peers is reached
                print(f'{a.mode}: viewer {len(viewers) + 1} refused: HTTP {e.code} {e.read().decode()[:120]}',
                      flush=True)
                break
            time.sleep(a.settle)  # let the newest viewers reach steady state before measuring
            fps, cpu, self_cpu = measure(viewers, pids, a.window)
            load = os.getloadavg()[0]
            mount = f' mount={a.mount}' if a.mode == 'janus' else ''
            print(f'{a.mode}{mount} viewers={n} fps/viewer min={min(fps):.1f} median={statistics.median(fps):.1f} '
                  + ' '.join(f'cpu[{p}]={c:.0f}% threads[{p}]={threads(p)}' for p, c in cpu.items())
                  + f' cpu[loadgen]={self_cpu:.0f}% load1={load:.2f}', flush=True)
    stop.set()
    pipe.set_state(Gst.State.NULL)


if __name__ == '__main__':
    main()
