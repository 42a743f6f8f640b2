// A crisp still after an interaction: the renderer marks the settled full-size picture (the frame
// meta's `still`, vtksrc-contract.h) and the encoder spends more bits on it, by lowering its
// quantizer ceiling (vp8enc/vp9enc `max-quantizer`, applied by libvpx at once) for that picture
// and restoring the previous value when the next new picture comes, if the encoder's target
// bitrate affords such a frame (kBoostMinKbps). Rate control keeps its
// target bitrate, so a congestion controller that sets `target-bitrate` is not overridden; the
// still is one larger frame, after which the scene is idle.
//
// The still is recognised by its input sequence number rather than by the buffer: the encoder
// sits behind a one-buffer leaky queue, which may drop the marked buffer itself, but the renderer
// republishes the same picture (same input seq) for a while after it, so the picture that reaches
// the encoder is boosted either way. Frames of a new interaction carry a new seq and restore the
// previous quality before they are encoded.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "encoder_rate.h"

namespace vtkstream::sink {

class StillQuality {
 public:
  // The ceiling for stills, on libvpx's 0-63 scale. Measured (bench-encode, docs/performance.md):
  // a 1280x720 VP8 still of the demo scene at 12 costs ≈5 % more bytes than rate control's own
  // keyframe and guarantees that an inter-frame still (same size as the interactive frames) is
  // not left at a coarse quantizer.
  static constexpr int kStillMaxQuantizer = 12;
  // The boost only where the link takes it: measured across a 1 Mbit/s tbf link (queue 200 ms,
  // burst 16 kB, tests/browser/netns2.sh), a boosted 1280x720 still of the demo scene was 73-85
  // kB, sent as one burst; tbf dropped 8-16 of its packets, the browser lost the frame and the
  // picture froze for 1.6-2.4 s (the 1 Mbit/s e2e test failed on it with the encoder at 150-350
  // kbit/s). 85 kB drain in the 200 ms such a queue holds only at 3.4 Mbit/s; below
  // kBoostMinKbps (the encoder's target bitrate when the still is encoded) the still is left to
  // rate control, and the copies of it the renderer republishes afterwards refine it.
  static constexpr int kBoostMinKbps = 2500;
  // Every still after a drag at the interactive size is a keyframe (the size changes), and rate
  // control alone made them 60 kB at a 1 Mbit/s target: dropped by the link's queue again. libvpx's
  // rc_max_intra_bitrate_pct (vp8enc `max-intra-bitrate`) caps a keyframe at this share of an
  // average frame: 600 % is 0.2 s of the target at 30 fps, what a 200 ms queue holds (libwebrtc
  // caps at about 0.3 s the same way). Set at attach when the encoder left it unlimited (0).
  static constexpr int kMaxIntraPercent = 600;

  // Installs probes on `input` (where every frame enters the encoder part, before any queue) and
  // on `encoder`'s sink pad. The still's quantizer only where the encoder has `max-quantizer`
  // (not x264enc); `rate` (if any) is told which frame is the still either way, so that it keeps
  // the requested bitrate whatever its size (encoder_rate.h). Nothing (nullptr) when there is
  // neither to do. The probes own the returned object.
  static StillQuality* attach(GstPad* input, GstElement* encoder, std::shared_ptr<EncoderRate> rate = nullptr);

 private:
  StillQuality(GstElement* encoder, bool quantizer, std::shared_ptr<EncoderRate> rate)
      : encoder_(encoder), quantizer_(quantizer), rate_(std::move(rate)) {}
  void on_input(GstBuffer* buf);
  void on_encode(GstBuffer* buf);
  void release();

  GstElement* encoder_;  // not owned: it lives as long as the bin that holds both probes
  const bool quantizer_;  // the encoder has max-quantizer
  const std::shared_ptr<EncoderRate> rate_;
  std::atomic<uint64_t> still_seq_{0};  // input seq of the last still; 0: none
  std::atomic<int> refs_{2};            // one per probe
  bool boosted_ = false;                // encoder streaming thread only
  int saved_max_ = 63;
};

}  // namespace vtkstream::sink
