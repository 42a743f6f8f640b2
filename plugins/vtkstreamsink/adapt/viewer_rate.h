// One WebRTC viewer's congestion control on the sink's context: the page's `stats` report
// arrives, webrtcbin's statistics are sampled right then (so what was sent and what arrived cover
// the same window, their difference being what still sits in a queue on the way), and both go
// into the viewer's RateController. The sink's 1 s tick samples webrtcbin too (receiver reports
// from clients that send no page reports) and lets the estimate decay when reports stop.
//
// VTKSTREAM_ADAPT_TRACE=FILE appends every input and decision to FILE (adapt/trace.h), for
// recording the traces tests/adapt replays.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "frame_delay.h"
#include "protocol.h"
#include "rate_controller.h"
#include "webrtc_stats.h"
#include "ws_acks.h"

namespace vtkstream::sink {

class WebRtcBranch;

class ViewerRate {
 public:
  ViewerRate(uint32_t peer, adapt::Limits limits);
  ~ViewerRate();

  // A page report; `changed` runs once the controller has decided (on the sink's context).
  void on_page(const PageStats& s, WebRtcBranch& branch, std::function<void()> changed);
  // WebSocket video (no webrtcbin): what the server sent and the page acknowledged, cumulative,
  // and the smallest ack round trip of the window, stand in for the page report, the sender
  // sample and the receiver report's round trip, and frames skipped for a full window stand in for
  // lost packets (adapt/ws_acks.h).
  void on_ws(const adapt::WsAckWindow& w, std::function<void()> changed);
  // The sink's tick: decay and, for clients that send no page reports, receiver reports
  // (`branch` null: a WebSocket video viewer, decay only).
  void tick(WebRtcBranch* branch, std::function<void()> changed);

  int target_kbps() const { return ctl_.target_kbps(); }
  // The estimate grows no higher (the ceiling of the rung it chose; nullopt: no bound).
  void set_ceiling(std::optional<int> kbps) { ctl_.set_ceiling(kbps); }
  const adapt::RateController& controller() const { return ctl_; }

 private:
  void feed_rtc(const RtcStats& s, int64_t now_us);
  void note_decision(int64_t now_us);

  uint32_t peer_;
  adapt::RateController ctl_;
  adapt::NetDelay net_delay_;
  std::optional<double> last_rr_jitter_, last_rr_rtt_, last_rr_loss_;  // to feed each RR once
  int64_t last_page_us_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vtkstream::sink
