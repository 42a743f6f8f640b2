// The first WebRTC session of a process pays one-time costs that every later session skips:
// loading the plugins behind webrtcbin (webrtc, rtpmanager, dtls with OpenSSL, srtp, nice, sctp)
// and generating the DTLS certificate, which GStreamer's dtls plugin makes once per process (an
// RSA key) and shares between all webrtcbins that are given none. Measured on the 2-core machine
// (bench/session/run.sh, docs/performance.md): about 0.5 s of key generation and 0.35 s of plugin
// loading, inside the first viewer's set-up and its page's 3 s deadline; seconds under load.
#pragma once

namespace vtkstream::sink {

// Once per process: loads those plugins at once (on the caller's thread, so that the libraries'
// memory, about 8 MB with OpenSSL, is the program's before it gives out its links, where tests
// take their baselines; 0.2-0.7 s measured) and has the certificate made on a thread of its own
// ("vtk-rtc-warmup"; 0.5 s to several seconds under load, a few KB), returning without waiting
// for it. A session that starts meanwhile waits only for what is left: the dtls plugin generates
// its certificate under a once-guard, so it is never made twice.
void warm_up_webrtc();
// Joins that thread if it has not been joined yet (at once when it is done, or when it never
// started). A sink calls it when it stops, so that a program stopped right after its start
// never reaches gst_deinit() with the thread still in the dtls plugin.
void finish_webrtc_warm_up();

}  // namespace vtkstream::sink
