// The one pipeline every peer shares (STYLE item 8: the factory owns the launch description):
//
//   vtksrc name=src ! tee name=raw ! ENCODER(... name=enc ... name=pay) ! tee name=rtp
//                      raw. ! [MJPEG branch, while someone watches /mjpeg]     rtp. ! [peer N] ...
//
// One encode is shared by all WebRTC peers; each peer's `queue ! webrtcbin` branch is added by
// WebRtcSession through request_rtp_pad() and removed through remove_branch(), the single place
// where branches are torn down. Input goes upstream into vtksrc as navigation events; a probe
// after the payloader reads the input sequence number each frame reflects (vtksrc's
// VtkStreamFrameMeta) and reports the echoes. All callbacks run on the main context.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "echo_tracker.h"
#include "protocol.h"

namespace vtkstream::serve {

struct MediaConfig {
  std::string shm_name;
  Codec codec = Codec::kVP8;
  std::string encoder;  // launch description raw video -> RTP; empty = default_encoder()
  int bitrate_kbps = 1500;
  unsigned repeat_ms = 1000;  // vtksrc keep-alive repeat of an idle picture
};

// The built-in encoder part for a codec (what --pipeline replaces).
std::string default_encoder(Codec codec, int bitrate_kbps);

class MediaFactory {
 public:
  struct Callbacks {
    std::function<void(const std::string& vtksrc_state)> renderer;  // waiting / attached / lost
    std::function<void(int width, int height)> size;
    // Frames reflecting new input left an encoder; rtp is set for the WebRTC encoder only.
    std::function<void(const std::vector<EchoTracker::Echo>&, std::optional<uint32_t> rtp,
                       uint64_t pts)> echoes;
    std::function<void(GBytes* jpeg)> jpeg;  // one MJPEG picture
    // An error inside peer `peer`'s branch (recoverable: drop that peer) or elsewhere (fatal).
    std::function<void(std::optional<uint32_t> peer, const std::string& message)> error;
  };

  static std::unique_ptr<MediaFactory> create(const MediaConfig& config, Callbacks cb,
                                              std::string* err);
  ~MediaFactory();
  MediaFactory(const MediaFactory&) = delete;
  MediaFactory& operator=(const MediaFactory&) = delete;

  bool play(std::string* err);
  void stop();  // pipeline to NULL (idempotent)

  GstElement* pipeline() const { return pipeline_; }
  const MediaConfig& config() const { return config_; }
  int width() const { return width_; }
  // True once vtksrc negotiated caps (a picture size to map pointer input onto).
  bool has_caps() const;
  int height() const { return height_; }

  // Branch management (main context). The caller links its elements to the returned pad
  // (transfer full), then hands pad and elements back to remove_branch(), which unlinks them
  // at an idle moment, sets the elements to NULL in the order given, removes and releases.
  GstPad* request_rtp_pad();
  void remove_branch(GstPad* tee_pad, std::vector<GstElement*> null_order);
  // Caps on the RTP tee (transfer full), nullptr before the first frame was encoded.
  GstCaps* rtp_caps() const;
  // Asks the encoder for a keyframe; at most one request per kKeyframeGuardMs (a request inside
  // the guard is deferred to its end).
  void force_keyframe();

  // Input from `peer`: assigns a global sequence number, sends the event upstream into vtksrc.
  bool inject(uint32_t peer, const InputRecord& r);
  EchoTracker& echo() { return echo_; }

  // MJPEG viewers: the branch exists while the count is non-zero.
  void mjpeg_add_viewer();
  void mjpeg_remove_viewer();
  int mjpeg_viewers() const { return mjpeg_viewers_; }

  static constexpr int kKeyframeGuardMs = 500;

 private:
  MediaFactory(const MediaConfig& config, Callbacks cb) : config_(config), cb_(std::move(cb)) {}
  bool build(std::string* err);
  static gboolean on_bus_message(GstBus*, GstMessage* msg, gpointer self);
  static GstPadProbeReturn on_encoder_input(GstPad*, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_rtp_probe(GstPad*, GstPadProbeInfo* info, gpointer self);
  static GstFlowReturn on_jpeg_sample(GstElement* sink, gpointer self);
  void update_size(GstCaps* caps);

  MediaConfig config_;
  Callbacks cb_;
  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  GstElement* raw_tee_ = nullptr;
  GstElement* rtp_tee_ = nullptr;
  GstElement* pay_ = nullptr;
  GstElement* mjpeg_bin_ = nullptr;
  GstPad* mjpeg_pad_ = nullptr;
  int mjpeg_viewers_ = 0;
  guint bus_watch_ = 0;
  int width_ = 0, height_ = 0;
  gint64 last_keyframe_us_ = 0;
  guint keyframe_timer_ = 0;  // a deferred keyframe request (see force_keyframe)
  EchoTracker echo_;
  // Streaming threads post to the main context through this; cleared in the destructor so that
  // nothing posted late touches a dead factory.
  std::shared_ptr<MediaFactory*> alive_;
};

}  // namespace vtkstream::serve
