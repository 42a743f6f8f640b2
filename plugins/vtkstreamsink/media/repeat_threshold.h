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
#pragma once

#include <gst/gst.h>

#include <atomic>

namespace vtkstream::sink {

class RepeatThreshold {
 public:
  static constexpr int kRepeatStaticThreshold = 1000;

  // Installs a probe on `encoder`'s sink pad; nothing (nullptr) when the encoder has no
  // `static-threshold` (x264enc, a custom encoder). The probe owns the returned object.
  static RepeatThreshold* attach(GstElement* encoder);

 private:
  explicit RepeatThreshold(GstElement* encoder) : encoder_(encoder) {}
  void before_encode(GstBuffer* buf);

  GstElement* encoder_;  // not owned: it lives as long as its pad's probe
  bool raised_ = false;  // encoder streaming thread only
  int saved_ = 1;
};

}  // namespace vtkstream::sink
