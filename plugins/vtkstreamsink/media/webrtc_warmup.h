// The first WebRTC session of a process pays one-time costs that every later session skips:
// loading the plugins behind webrtcbin (webrtc, rtpmanager, dtls with OpenSSL, srtp, nice, sctp)
// and generating the DTLS certificate, which GStreamer's dtls plugin makes once per process (an
// RSA key) and shares between all webrtcbins that are given none. Measured on the 2-core machine
// (bench/session/run.sh, docs/performance.md): about 0.5 s of key generation and 0.35 s of plugin
// loading, inside the first viewer's set-up and its page's 3 s deadline.
#pragma once

namespace vtkstream::sink {

// Starts paying those costs on a short-lived thread of its own ("vtk-rtc-warmup"), once per
// process; returns at once. A session that starts meanwhile waits only for what is left: the dtls
// plugin generates its certificate under a once-guard, so it is never made twice.
void warm_up_webrtc();
// Joins that thread if it has not been joined yet (at once when it is done). A sink calls it when
// it stops, so that a program stopped right after its start never reaches gst_deinit() with the
// thread still loading plugins.
void finish_webrtc_warm_up();

}  // namespace vtkstream::sink
