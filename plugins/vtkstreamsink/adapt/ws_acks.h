// A WebSocket video viewer's signals for its RateController (rate_controller.h), the same
// controller a WebRTC viewer has: no second congestion controller. The page acknowledges every
// frame when it arrives (docs/protocol.md "WebSocket video"); the server counts what it handed to
// the socket and what the page acknowledged, and times each ack. Every ~300 ms (as often as a
// WebRTC page reports its stats) one window of those goes in as:
//   * SenderSample: the bytes handed to the socket (what webrtcbin's bytes-sent is for WebRTC);
//   * PageReport: the bytes acknowledged, i.e. delivered to the page (bytesReceived), and frames
//     as packets: those sent as received, those that found the window or the socket full
//     (ws_video_flow.h) as lost; the frames skipped after one, until a keyframe, are its
//     consequence and not counted (the keyframe retry lets up to a second of them pass). TCP hides loss, which shows as delay instead (retransmissions, a
//     longer queue); delay fills the two-frame window, and frames that find it full are skipped:
//     the skip is where a path that cannot carry the encode shows, as a lost packet does for RTP.
//     It is also what the viewer suffers (skips end at a keyframe), so it is what must stop;
//   * ReceiverReport: the smallest ack round trip of the window (send to ack of one frame) as the
//     round-trip time, loss 0. The controller's queueing delay is that round trip above its
//     30 s minimum: a frame that waits behind others in the socket, the kernel or a tbf queue
//     is acked late. The smallest of the window, not the mean: a keyframe's own transmission
//     time at a low rate (tens of kilobytes) would otherwise read as a queue.
// Pure: no clock, no sockets (tests/adapt/test_ws_acks.cpp runs it against a TCP-like link).
#pragma once

#include <cstdint>
#include <optional>

#include "rate_controller.h"

namespace vtkstream::adapt {

struct WsAckWindow {
  int64_t t_us = 0;
  uint64_t bytes_sent = 0;   // cumulative, handed to the socket
  uint64_t bytes_acked = 0;  // cumulative, acknowledged by the page
  std::optional<double> min_rtt_s;  // the window's smallest send-to-ack time (none: no ack timed)
  uint64_t frames_sent = 0;     // cumulative
  uint64_t frames_skipped = 0;  // cumulative: found the path full (not those waiting for a keyframe after)
};

// What one window fed the controller (for the trace, adapt/trace.h).
struct WsFed {
  SenderSample sender;
  std::optional<ReceiverReport> rr;
  PageReport page;
};

WsFed feed_ws_acks(RateController& ctl, const WsAckWindow& w);

}  // namespace vtkstream::adapt
