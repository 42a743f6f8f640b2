// The sink's shared media (STYLE item 8; gst-rtsp-server's rtsp-media.c runs what the factory
// built): what every viewer shares lives here, branches (branch.h) hang off its two tees.
//
//   sink (ghost) ─► tee "input" ─► fakesink "keepalive" (keeps the bin a sink; EOS; paces a
//                        │                             source that is not live)
//                        ├─► MIDDLE ─► tee "rtp" ─► [WebRTC viewer N] ...       (rung 0)
//                        ├─► [rung N: scale + encoder] ─► tee "rung-N" ─► [viewers] (while used)
//                        └─► [MJPEG encoder, while someone watches]
//
// MIDDLE is chosen by the first caps (encoder_factory.h says what it is for each kind of input):
// raw video is encoded, VP8 or H.264 that arrives already encoded is only payloaded. Media owns the
// keyframe guard (browsers' PLI/FIR and joining viewers, at most one per kKeyframeGuardMs) and
// gives encoders frame durations. Input and echoes are InputInjector's (input_injector.h).
//
// Rungs (adapt/rung_policy.h): rung 0 is MIDDLE and the RTP tee, always there once caps came;
// with raw input and the built-in encoder, lower rungs (rung_encode.h) are created by the first
// acquire_rung() and destroyed by the last release_rung(). Pass-through input and a custom
// encoder have rung 0 only. Every rung's payloader carries the same RTP identity
// (encoder_setup.h), so a viewer moves between rungs without renegotiating (rung_switch.h).
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "encoder_factory.h"
#include "encoder_setup.h"
#include "keyframe_guard.h"
#include "last_frame.h"
#include "still_frame.h"
#include "rung_policy.h"
#include "protocol.h"
#include "registry.h"

namespace vtkstream::sink {

class RungEncode;

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
  // Asks the source for its picture again now (vtksrc-contract.h kRepeatNowEvent), for a branch
  // that was just added or a viewer who joined one: an idle renderer's next picture is otherwise
  // up to a second away. At most one per kRepeatSpacingUs (each repeat is encoded by every
  // branch); a request inside it is dropped, so the next picture is the keep-alive one. Sink context.
  void repeat_now();
  static constexpr int64_t kRepeatSpacingUs = 250'000;
  GstElement* rtp_tee() const { return rtp_tee_; }  // the top rung's RTP (rung_tee(0))

  // The ladder for the current input (one rung before caps, for pass-through input and for a
  // custom encoder); the top rung's ceiling is `max_kbps`.
  std::vector<adapt::Rung> ladder(int max_kbps) const;
  // A rung's RTP tee: rung 0's always, a lower one while it exists (else nullptr). Transfer none.
  GstElement* rung_tee(int rung) const;
  // Main/sink context. A user of rung `rung`: creates it on first use (nullptr with *err when it
  // cannot be built or the ladder has no such rung). Every acquire is paired with a release.
  GstElement* acquire_rung(int rung, std::string* err);
  void release_rung(int rung);
  // A lower rung whose encoder reported an error is marked failed (a WARNING on stderr): it
  // takes no new users until the sink restarts, and `failed` (sink context) is told, so that the
  // viewers on it can be moved (adapt/rung_policy.h usable_rung). Its last user's release
  // removes it.
  bool rung_usable(int rung) const { return failed_rungs_.count(rung) == 0; }
  void on_rung_failed(std::function<void(int rung)> failed) { rung_failed_ = std::move(failed); }
  // Lower rungs that exist now (for tests and /healthz).
  size_t rung_encodes() const { return rungs_.size(); }
  // A rung's encoder bitrate: set (returns the rate in effect, 0 without an encoder of ours) and
  // read. Rung 0 is set_bitrate()/bitrate_kbps().
  int set_rung_bitrate(int rung, int kbps);
  int rung_bitrate_kbps(int rung) const;
  // What a rung's encoder runs at now: its bitrate capped by the ceiling of the size it encodes
  // (encoder_rate.h; the still excepted). Rung 0 is applied_bitrate_kbps().
  int rung_applied_kbps(int rung) const;
  // The rate a rung is encoded at while no WebRTC viewer's estimate sets it (created, or its
  // viewers gone while Janus still takes it): the configured bitrate, within the rung's ceiling.
  int rung_start_kbps(int rung) const;
  // The size a rung encodes now (0x0 before its first frame).
  void rung_size(int rung, int* w, int* h) const;
  void force_keyframe(int rung, bool join = false);  // join: KeyframeGuard::request
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
  // The renderer's newest still, for viewers on a lower rung (http/still_image.h).
  StillFrame& still_frame() { return *still_frame_; }

  // Changes the built-in (or a custom `enc` named vp8enc/x264enc-like) encoder's bitrate while it
  // runs: vp8enc's target-bitrate (bit/s) or x264enc's bitrate (kbit/s). Both take the new rate at
  // the next frame without a keyframe. Returns the bitrate now in effect (kbit/s), 0 when there is
  // no encoder of ours (pass-through input, or before the first caps). Sink context.
  int set_bitrate(int kbps);
  int bitrate_kbps() const;
  int applied_bitrate_kbps() const;  // bitrate_kbps() capped by the picture's size (encoder_rate.h)

  // Asks for a keyframe; at most one request per keyframe_guard_ms() (a request inside the guard
  // is deferred to its end). Sink context only.
  void force_keyframe(bool join = false);
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
  RtpIdentity ident_ = RtpIdentity::random();
  struct RungSlot {
    std::unique_ptr<RungEncode> encode;
    int users = 0;
  };
  std::map<int, RungSlot> rungs_;  // lower rungs (1..), main context only
  std::set<int> failed_rungs_;     // main context only
  std::function<void(int)> rung_failed_;
  void rung_error(int rung, const std::string& why);
  int width_ = 0, height_ = 0;
  int bitrate_kbps_ = 0;          // what the running encoder was last set to (0: none)
  std::shared_ptr<EncoderRate> rate_;  // the built-in (or a custom `enc`) encoder's; null: none
  std::unique_ptr<KeyframeGuard> keyframe_guard_;  // rung 0's
  int64_t repeat_us_ = INT64_MIN / 2;  // the last repeat_now() that was sent
  std::unique_ptr<LastFrame> last_frame_;  // probes the input tee's sink pad
  std::unique_ptr<StillFrame> still_frame_;  // so does this
  SinkMetrics metrics_;
};

}  // namespace vtkstream::sink
