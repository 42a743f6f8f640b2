// The browser stand-in for WebRTC (STYLE item 11): a receive-only webrtcbin whose video is
// decoded and counted, and whose "input" data channel (created by the server) carries input
// and frame echoes. Its ICE candidates go to the server on `ws` through the default main
// context; a candidate that arrives after the Receiver is gone is dropped (webrtcbin's threads
// may still be emitting while a test tears a peer down).
#pragma once

#include <gst/gst.h>  // GST_USE_UNSTABLE_API comes from test_common_dep (the data channel API)
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ws_client.h"

namespace vtkstream::test {

class Receiver {
 public:
  // `decode`: what turns the received RTP into raw video (VP8 by default).
  explicit Receiver(WsClient& ws, std::string decode = "rtpvp8depay ! vp8dec");
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Applies the offer, sends the answer on the WebSocket and returns its SDP text ("" on
  // failure). Waits on webrtcbin's promises: call it on the test's thread, not one of webrtcbin's.
  std::string answer(const std::string& offer_sdp);
  // The whole join after `hello`: waits for the server's offer on the WebSocket, answers it and
  // feeds candidates until `min_frames` frames were decoded (and the data channel is open, when
  // `need_channel`), within `timeout_ms`. False on a missing offer, a failed answer or a timeout.
  bool watch(int min_frames, int timeout_ms, bool need_channel = false);
  // One trickled candidate from the server.
  void add_candidate(unsigned mline, const std::string& candidate);
  // Feeds every "ice" message waiting in ws.messages() into webrtcbin (and removes it there).
  void pump_candidates();

  int frames() const { return frames_; }
  bool channel_open();
  std::string channel_label();
  void channel_send(const std::string& text);
  // Waits for a channel message of type "frame" with seq >= min_seq; returns it or "".
  std::string wait_frame_echo(int64_t min_seq, int timeout_ms);

 private:
  void on_pad(GstPad* pad);
  void on_data_channel(GstWebRTCDataChannel* ch);

  WsClient& ws_;
  std::string decode_;
  GstElement* pipeline_;
  GstElement* webrtc_;
  std::mutex lock_;  // the channel and its messages: set on webrtcbin's threads
  GstWebRTCDataChannel* channel_ = nullptr;
  std::vector<std::string> channel_messages_;
  std::atomic<int> frames_{0};
  // Read on the main context by posted candidate sends; null once the Receiver is gone.
  std::shared_ptr<Receiver*> self_ = std::make_shared<Receiver*>(this);
};

}  // namespace vtkstream::test
