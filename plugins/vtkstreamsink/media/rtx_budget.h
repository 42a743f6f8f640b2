// A retransmission budget for one WebRTC viewer. With NACK on, webrtcbin's rtprtxsend resends
// every packet the browser reports missing, as often as it is asked. On a full link that feeds
// itself: retransmissions fill the queue, the queue drops more, the browser asks for more.
// Measured across a 250 kbit/s tbf link with the encoder at 150 kbit/s: 10-14 Mbit/s leaving the
// server, almost all retransmissions, and 0.5-0.7 s of round trip (bench/adapt/record.sh low).
// libwebrtc caps retransmissions by the bandwidth estimate for the same reason; so do we:
//   * retransmissions may use at most kShare of this viewer's estimate (on top of the media, so
//     a viewer near its link's rate stays near it) (a token bucket on the
//     rtprtxsend output, RTX packets only; over the budget they are dropped, and the browser
//     falls back to asking for a keyframe);
//   * a packet older than kHistoryMs is not resent at all (its frame is long gone on screen).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace vtkstream::sink {

class RtxBudget {
 public:
  static constexpr double kShare = 0.25;
  static constexpr guint kHistoryMs = 500;
  static constexpr int kMediaPayloadType = 96;  // every encoder and payloader of ours

  // Watches `webrtcbin` for its retransmission sender (created at negotiation).
  static std::shared_ptr<RtxBudget> attach(GstElement* webrtcbin, int start_kbps);
  void set_estimate_kbps(int kbps) { kbps_.store(kbps); }
  uint64_t dropped() const { return dropped_.load(); }

  // Streaming thread: true if this RTX packet of `bytes` fits the budget at `now_us`.
  bool take(size_t bytes, int64_t now_us);

 private:
  std::atomic<int> kbps_{0};
  std::atomic<uint64_t> dropped_{0};
  std::mutex lock_;
  double tokens_ = 0;  // bytes
  int64_t last_us_ = 0;
};

}  // namespace vtkstream::sink
