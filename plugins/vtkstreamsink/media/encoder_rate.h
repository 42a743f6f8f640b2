// One encoder's bitrate (the top encode's or a rung's): the rate asked for (the rung planner's,
// from the congestion controller, or the configured start) and the rate the encoder runs at, which
// is that capped by the ceiling of the size it encodes now (adapt/size_ceiling.h). The size is
// read from the caps event on the encoder's sink pad, in the streaming thread, before the
// encoder sees it: vp8enc re-creates libvpx with the new caps and the rate already set, so the
// first interactive-size frame (a keyframe) is encoded at the interactive size's rate and the
// full-size still at the full rate. The renderer's still keeps the requested rate whatever its
// size (StillQuality says which frame is the still, still_quality.h).
#pragma once

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <vector>

#include "rung_policy.h"

namespace vtkstream::sink {

class EncoderRate {
 public:
  // Watches `enc`'s sink pad; `ceilings` is the ladder whose ceilings apply (a pass-through ladder:
  // none). `kbps` is the rate the encoder was built with. The probe holds a reference to the
  // returned object; `enc` must outlive neither (the probe goes with its pad).
  static std::shared_ptr<EncoderRate> attach(GstElement* enc, std::vector<adapt::Rung> ceilings, int kbps);

  // A new requested rate (sink context); `guard_ms` is the keyframe guard that goes with it. False
  // if the encoder has no bitrate property (set_encoder_bitrate()).
  bool request(int kbps, int guard_ms);
  int requested_kbps() const;
  // What the encoder runs at now (the requested rate until the first caps).
  int applied_kbps() const;
  // Streaming thread (StillQuality): whether the frame about to be encoded is the still.
  void set_still(bool still);

 private:
  EncoderRate(GstElement* enc, std::vector<adapt::Rung> ceilings, int kbps)
      : enc_(enc), ceilings_(std::move(ceilings)), requested_(kbps), applied_(kbps) {}
  void on_caps(GstCaps* caps);
  // `force`: write the rate even if it is the one in effect (a request: whether it took is the answer).
  bool apply_locked(bool force = false);

  GstElement* enc_;  // not owned
  const std::vector<adapt::Rung> ceilings_;
  mutable std::mutex lock_;
  int requested_, applied_;
  int guard_ms_ = 0;  // 0: leave the encoder's guard as it is
  int width_ = 0, height_ = 0;
  bool still_ = false;
};

}  // namespace vtkstream::sink
