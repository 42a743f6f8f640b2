// An idle scene costs almost nothing: vtksrc's keep-alive repeats of an unchanged picture (the
// frame meta's `repeat`, vtksrc-contract.h) are encoded with a high libvpx static threshold
// (vp8enc/vp9enc `static-threshold`, applied by libvpx at once), so macroblocks that differ from
// what the viewer already shows by less than it are skipped instead of refined again.
//
// Why: libvpx never stops refining an unchanged picture. Measured (the 1280x720 demo scene, vp8enc
// as the sink configures it at 1000 kbit/s, frames 100 ms apart as give_duration stamps repeats):
// with the default threshold (1) the 20th-40th copies of the same picture still cost 1.6-2.1 kB
// each, at a quantizer floor of 24-48 too (1.4-1.9 kB); with 1000, 245 bytes (the skip frame) from
// the 17th on, and the picture stops 0.4 dB short (35.35 against 35.77 dB RGB PSNR). An idle
// viewer behind a 1 Mbit/s link received 18-26 kbit/s of such refinement (issue: ≤ 20).
//
// The threshold is an SSE over a 16x16 macroblock (libvpx's encode breakout): 1000 is a mean
// squared error under 4 per pixel, about two grey levels. Frames of the renderer (a drag, the
// still and its republished copies) are encoded with the encoder's own threshold, which comes
// back with the first of them; a keyframe is intra-coded and not affected.
//
// The first kRefiningRepeats repeats after a keyframe or after a frame of the renderer keep the
// encoder's own threshold: repeats are what refines a picture (a joining viewer's small keyframe
// on an idle scene, a PLI's keyframe, the still after a drag, a host that publishes each render
// once), and only after those are they skip frames. Raised at once, the skip left such a picture
// 1.3-1.5 dB RGB PSNR short for good. Measured (docs/performance.md, "Keep-alive repeats as skip
// frames"), a WebSocket-video viewer joining the idle 1280x720 demo scene (its floored keyframe
// 35.2 dB against /snapshot.png): 38.0-38.3 dB raised at once,
// 39.5-39.6 with threshold 1 throughout (2-6 kB a second on), 39.5 with two refining repeats
// (then 270-580 B a second); after a drag the still settled at 39.85-40.01 dB raised at once,
// 40.35 with threshold 1, 40.3 with two refining repeats (the second one 8-12 kB, once). Test:
// tests/sink/test_repeat_threshold.cpp RepeatsRefineAPictureBeforeTheySkip.
#pragma once

#include <gst/gst.h>

#include <atomic>

namespace vtkstream::sink {

class RepeatThreshold {
 public:
  static constexpr int kRepeatStaticThreshold = 1000;
  static constexpr int kRefiningRepeats = 2;

  // Installs probes on `encoder`'s pads (the sink pad sets the threshold, the src pad sees
  // keyframes); nothing (nullptr) when the encoder has no `static-threshold` (x264enc, a custom
  // encoder). The probes own the returned object.
  static RepeatThreshold* attach(GstElement* encoder);

 private:
  explicit RepeatThreshold(GstElement* encoder) : encoder_(encoder) {}
  void before_encode(GstBuffer* buf);
  void release();

  GstElement* encoder_;  // not owned: it lives as long as its pads' probes
  std::atomic<int> refs_{2};  // one per probe
  // The encoder's streaming thread only: GstVideoEncoder pushes a frame out from the chain call
  // that took it in, so both pads' probes run there.
  bool raised_ = false;
  int refining_ = kRefiningRepeats;  // repeats left that keep the encoder's own threshold
  int saved_ = 1;
};

}  // namespace vtkstream::sink
