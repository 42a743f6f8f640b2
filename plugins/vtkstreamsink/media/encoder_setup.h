// What every encode part of ours gets, the top one (Media's MIDDLE) and each rung (rung_encode.h)
// alike: frame durations for the encoder, the still's finer quantizer, a keyframe guard, the
// shared RTP identity, and a live bitrate change.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "encoder_rate.h"
#include "rung_policy.h"

namespace vtkstream::sink {

// The same SSRC, timestamp offset and first sequence number on every rung's payloader: the RTP
// caps are then equal (header extensions included), and a viewer moved from one rung to another (rung_switch.h) stays one
// stream to webrtcbin and the browser.
struct RtpIdentity {
  guint ssrc = 0;
  guint timestamp_offset = 0;
  int seqnum_offset = 0;
  // The playout-delay header extension (min = max = 0) on every packet: playout_delay_ext.h.
  bool playout_delay = true;
  static RtpIdentity random();
};
void apply_identity(GstElement* pay, const RtpIdentity& id);

// On the encoder `enc` inside the part `part` (whose sink pad is where frames enter): durations
// for frames that come without them, the keyframe guard, the still's quantizer, the join's, and its
// bitrate (built with `kbps`), capped by the ceiling of the size it encodes on `ceilings`
// (encoder_rate.h).
std::shared_ptr<EncoderRate> prepare_encoder(GstElement* part, GstElement* enc, int guard_ms,
                                             std::vector<adapt::Rung> ceilings, int kbps);

// vp8enc's target-bitrate (bit/s) or x264enc's bitrate (kbit/s), and the keyframe guard that goes
// with the rate (guard_ms <= 0: left as it is); false if `enc` has neither.
bool set_encoder_bitrate(GstElement* enc, int kbps, int guard_ms);

// Asks the payloader's encoder for a keyframe (an upstream force-key-unit event); `join`: for a
// viewer who joins with nothing to decode, a small one (join_keyframe.h).
// An idle source is asked to repeat its picture now, so the keyframe comes at once.
void request_keyframe(GstElement* pay, bool join = false);

}  // namespace vtkstream::sink
