// The sink's shared media (STYLE item 8; gst-rtsp-server's rtsp-media.c runs what the factory
// built): what every viewer shares lives here, branches (branch.h) hang off its two tees.
//
//   sink (ghost) ─► tee "input" ─► fakesink "keepalive" (keeps the bin a sink; EOS; paces a
//                        │                             source that is not live)
//                        ├─► MIDDLE ─► tee "rtp" ─► [WebRTC viewer N] ...
//                        └─► [MJPEG encoder, while someone watches]
//
// MIDDLE is chosen by the first caps (encoder_factory.h says what it is for each kind of input):
// raw video is encoded, VP8 or H.264 that arrives already encoded is only payloaded. Media owns the
// keyframe guard (browsers' PLI/FIR and joining viewers, at most one per kKeyframeGuardMs) and
// gives encoders frame durations. Input and echoes are InputInjector's (input_injector.h).
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "encoder_factory.h"
#include "last_frame.h"
#include "protocol.h"
#include "registry.h"

namespace vtkstream::sink {

class Media {
 public:
  using Input = InputKind;
  static Input input_of(GstCaps* caps);  // kNone for anything but raw video, VP8, H.264

  // Builds the fixed elements (tees, fakesink) inside `bin`; the caller ghosts input_pad().
  explicit Media(GstBin* bin);
  ~Media();
  Media(const Media&) = delete;
  Media& operator=(const Media&) = delete;

  // Main/sink context, while the sink is in NULL or READY.
  void configure(const MediaConfig& c);
  // Streaming thread, on each CAPS event at the sink pad: builds MIDDLE on the first one.
  // False (with *err) when the caps cannot be served or change kind mid-stream.
  bool on_caps(GstCaps* caps, std::string* err);
  // Back to no MIDDLE (the sink went to NULL), so the next run can take other caps.
  void reset();
  // Before the first caps: a source that is not live is paced by the keep-alive sink's clock.
  void set_live(bool live);

  GstPad* input_pad() const;  // the input tee's sink pad (transfer none)
  GstElement* input_tee() const { return in_tee_; }
  GstElement* rtp_tee() const { return rtp_tee_; }
  Input input() const;
  // The codec viewers get: the configured one for raw input, the input's otherwise.
  Codec codec() const;
  // The RTP payloader (transfer full), nullptr before MIDDLE exists.
  GstElement* payloader() const;
  // Caps on the RTP tee (transfer full), nullptr before the first frame was payloaded.
  GstCaps* rtp_caps() const;
  // The negotiated picture size (0 before caps).
  int width() const;
  int height() const;
  // The newest raw picture (save picture, /snapshot.png).
  const LastFrame& last_frame() const { return *last_frame_; }
  void drop_last_frame() { last_frame_->clear(); }  // the sink stopped streaming

  // Changes the built-in (or a custom `enc` named vp8enc/x264enc-like) encoder's bitrate while it
  // runs: vp8enc's target-bitrate (bit/s) or x264enc's bitrate (kbit/s). Both take the new rate at
  // the next frame without a keyframe. Returns the bitrate now in effect (kbit/s), 0 when there is
  // no encoder of ours (pass-through input, or before the first caps). Sink context.
  int set_bitrate(int kbps);
  int bitrate_kbps() const;

  // Asks for a keyframe; at most one request per keyframe_guard_ms() (a request inside the guard
  // is deferred to its end). Sink context only.
  void force_keyframe();
  static constexpr int kKeyframeGuardMs = 500;
  static constexpr int kKeyframeGuardMaxMs = 2000;
  // The guard at a bitrate: kKeyframeGuardMs at 1.2 Mbit/s and above, longer below, up to
  // kKeyframeGuardMaxMs from 300 kbit/s down. A 720p keyframe is tens of kilobytes whatever the
  // bitrate; on a slow link each one takes a second or more, loses packets on the way, and the
  // browser asks for the next (measured across a 500 kbit/s tbf link: 185 kbit/s of keyframes on a
  // still scene with the fixed guard). Longer guards cost more: a keyframe lost on the way leaves
  // the picture frozen until the next one (4 s froze the picture in the 1 Mbit/s e2e test).
  static int keyframe_guard_ms(int kbps);
  int keyframe_guard_ms() const;

  // The sink's numbers for /metrics (metrics/registry.h); they outlive state changes.
  SinkMetrics& metrics() { return metrics_; }

 private:
  bool build_middle(Input kind, std::string* err);

  GstBin* bin_;
  GstElement* in_tee_ = nullptr;
  GstElement* rtp_tee_ = nullptr;
  GstElement* keepalive_ = nullptr;
  GstElement* middle_ = nullptr;  // owned by bin_
  GstPad* middle_pad_ = nullptr;  // our request pad on in_tee_
  mutable std::mutex lock_;       // guards what streaming threads set and others read
  MediaConfig config_;
  Input input_ = Input::kNone;
  GstElement* pay_ = nullptr;     // our reference
  int width_ = 0, height_ = 0;
  int bitrate_kbps_ = 0;          // what the running encoder was last set to (0: none)
  gint64 last_keyframe_us_ = 0;
  GSource* keyframe_timer_ = nullptr;  // a deferred keyframe request
  std::unique_ptr<LastFrame> last_frame_;  // probes the input tee's sink pad
  SinkMetrics metrics_;
};

}  // namespace vtkstream::sink
