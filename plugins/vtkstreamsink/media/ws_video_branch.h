// WebSocket video's frames (docs/protocol.md "WebSocket video"): a branch on the shared encode's
// RTP tee that only depayloads (rtpvp8depay / rtph264depay: no second encode), so pages get
// exactly the frames a WebRTC viewer gets, whole, one per message. One branch serves every
// WebSocket viewer (ws_video_hub.h fans its frames out and keeps the current GOP for joiners);
// each frame goes to `on_frame` on the sink's context with the input sequence it reflects; each
// viewer's echo and flow control are the viewer's (ws_video_flow.h).
//
// One branch per rung that WebSocket viewers watch (ws_video_hubs.h): it hangs off that rung's
// RTP tee.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "branch.h"
#include "input_injector.h"
#include "protocol.h"

namespace vtkstream::sink {

class Media;

class WsVideoBranch : public Branch {
 public:
  struct Frame {
    GBytes* data;        // the encoded frame (transfer none)
    bool keyframe;
    uint64_t input_seq;  // the newest input (vtksrc's sequence) the frame reflects (0: none)
    uint64_t pts_ns;
    bool after_gap;      // frames before it were dropped here (the sink's context fell behind)
  };
  using FrameFn = std::function<void(const Frame&)>;

  // `tee`: the RTP tee of the rung it serves (Media::rung_tee).
  static std::unique_ptr<WsVideoBranch> create(GstBin* sink, Media& media, GstElement* tee, InputInjector& input,
                                               FrameFn on_frame, ErrorFn on_error, std::string* err);
  ~WsVideoBranch() override;

  // Frames handed to the sink's context and not yet taken: more are dropped (after_gap), so a
  // stalled context cannot pile up frames.
  static constexpr int kMaxPosted = 4;

  struct Target;  // what the streaming threads use (the .cpp)

 private:
  WsVideoBranch(GstBin* sink, ErrorFn on_error) : Branch(sink, "wsvideo", std::move(on_error)) {}


  std::shared_ptr<FrameFn> on_frame_;
};

}  // namespace vtkstream::sink
