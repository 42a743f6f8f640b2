// Viewers' input goes upstream out of the sink as navigation events (and vtkstream-resize), so
// any navigation-aware source can be steered: vtksrc, or videotestsrc/ximagesrc that ignore it.
// Every event gets a sink-global sequence number (vtkstream-seq); vtksrc's frame meta says which
// one a picture reflects, and the echo probe on the RTP tee (and the MJPEG encoder's output)
// turns that back into "peer P, your event s is on screen" (EchoTracker).
//
// inject() runs on the sink's context; frame() on streaming threads; echoes are handed to the
// sink's context.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "echo_tracker.h"
#include "protocol.h"
#include "registry.h"

namespace vtkstream::sink {

class InputInjector {
 public:
  using EchoFn = std::function<void(const std::vector<EchoTracker::Echo>&, std::optional<uint32_t> rtp,
                                    uint64_t pts)>;

  // `sink_pad`: the element's sink pad (events leave through it); `rtp_tee`: where RTP passes.
  // `metrics` (may be null) gets the input-to-photon histogram: from inject() to the first
  // frame() that reflects the event, whichever transport encoded it first.
  InputInjector(GstPad* sink_pad, GstElement* rtp_tee, SinkMetrics* metrics = nullptr);
  ~InputInjector();
  InputInjector(const InputInjector&) = delete;
  InputInjector& operator=(const InputInjector&) = delete;

  // Echoes go to `fn` on `ctx` from now on; stop() ends that.
  void start(GMainContext* ctx, EchoFn fn);
  void stop();

  // Input from `peer`; `width`/`height` are the negotiated picture size (pointer events need it).
  bool inject(uint32_t peer, const InputRecord& r, int width, int height);
  // A frame reflecting global input `seq` left an encoder (any thread).
  void frame(uint64_t seq, Transport transport, std::optional<uint32_t> rtp, uint64_t pts);
  // Only the sink-wide input-to-photon figure of frame() (a branch that echoes per viewer itself).
  void photon(uint64_t seq);
  EchoTracker& echo() { return echo_; }

 private:
  static GstPadProbeReturn on_rtp(GstPad*, GstPadProbeInfo* info, gpointer self);

  GstPad* sink_pad_;  // our reference
  GstPad* rtp_pad_;   // our reference
  gulong probe_ = 0;
  EchoTracker echo_;
  std::mutex lock_;
  GMainContext* ctx_ = nullptr;
  std::shared_ptr<EchoFn> fn_;
  SinkMetrics* metrics_;
  std::mutex sent_lock_;
  std::deque<std::pair<uint64_t, int64_t>> sent_;  // (global seq, monotonic us) not yet on screen
};

}  // namespace vtkstream::sink
