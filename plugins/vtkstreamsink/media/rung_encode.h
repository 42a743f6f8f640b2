// One lower rung of the ladder (adapt/rung_policy.h): a shared encode of the input at a smaller
// size, for the viewers whose link cannot carry the top rung. It is a branch (branch.h) on the
// input tee,
//
//   queue (leaky, 1 buffer) ! videoscale ! video/x-raw,height<=H,pixel-aspect-ratio=1/1
//     ! [the built-in encoder: videoconvert ! queue ! vp8enc/x264enc ! payloader]
//
// whose RTP goes into a tee of its own in the sink bin ("rung-N"), where viewers attach. Created
// when the first viewer needs the rung, destroyed when the last one leaves it (Media counts). The
// scale keeps the aspect and never enlarges: an input already smaller (the renderer's interactive
// size during a drag) passes at its own size.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "branch.h"
#include "encoder_setup.h"
#include "keyframe_guard.h"
#include "protocol.h"

namespace vtkstream::sink {

class RungEncode : public Branch {
 public:
  static std::unique_ptr<RungEncode> create(GstBin* sink, GstElement* input_tee, int index, int max_height,
                                            Codec codec, int kbps, const RtpIdentity& id, ErrorFn on_error,
                                            std::string* err);
  ~RungEncode() override;

  GstElement* tee() const { return tee_; }  // transfer none
  int index() const { return index_; }
  int max_height() const { return max_height_; }
  int bitrate_kbps() const { return kbps_; }
  int set_bitrate(int kbps);
  // What its encoder runs at now: bitrate_kbps() capped by the size it encodes (encoder_rate.h).
  int applied_kbps() const { return rate_ ? rate_->applied_kbps() : kbps_; }
  // At most one per guard interval; a request inside it is deferred to its end.
  void force_keyframe(bool join = false);  // join: KeyframeGuard::request
  // The size it encodes now (0x0 before the first frame).
  void size(int* w, int* h) const;

 private:
  RungEncode(GstBin* sink, int index, int max_height, ErrorFn on_error);
  bool build(GstElement* input_tee, Codec codec, int kbps, const RtpIdentity& id, std::string* err);

  GstBin* sink_;
  int index_, max_height_;
  int kbps_ = 0;
  GstElement* tee_ = nullptr;  // our reference; in the sink bin
  GstElement* enc_ = nullptr;  // in our bin
  GstElement* pay_ = nullptr;  // in our bin
  KeyframeGuard keyframe_guard_;  // asks pay_
  std::shared_ptr<EncoderRate> rate_;
};

}  // namespace vtkstream::sink
