// One WebRTC viewer: a `queue ! webrtcbin` branch (its own bin, branch.h) on the RTP tee, its
// send-only video transceiver, the server-created "input" data channel and the offer/answer/ICE
// plumbing. webrtcbin calls back on its own threads; every callback is handed to the sink's
// context and dropped there if the branch is gone. An error inside the bin arrives as `failed`.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "branch.h"
#include "frame_delay.h"
#include "protocol.h"
#include "rtx_budget.h"
#include "rung_switch.h"
#include "webrtc_stats.h"

typedef struct _GstWebRTCDataChannel GstWebRTCDataChannel;

namespace vtkstream::sink {

class Media;

struct IceConfig {
  std::string stun;               // webrtcbin stun-server URI (stun://host:port), "" = none
  std::vector<std::string> turn;  // turn(s)://user:pass@host:port
  std::string extra_address;      // also gather on this local address (e.g. 127.0.0.1)
};

class WebRtcBranch : public Branch {
 public:
  struct Callbacks {  // all on the main context
    std::function<void(const std::string& sdp)> offer;
    std::function<void(unsigned mline, const std::string& candidate)> candidate;  // "" = done
    std::function<void(const std::string& text)> channel_text;
    std::function<void()> connected;
    std::function<void(const std::string& why)> failed;
    std::function<void(const std::string& why)> answer_rejected;
    std::function<void(const std::string& sdp)> answer;  // answerer only: our local answer
  };

  static std::unique_ptr<WebRtcBranch> create(GstBin* sink, Media& media, uint32_t peer, Codec codec,
                                              const IceConfig& ice, Callbacks cb, std::string* err);
  // The answering side (WHEP, whep_sessions.h): no data channel and no offer of ours; the
  // remote offer is applied once the stream reaches the branch (at once if it flows; see
  // webrtc_answer.cpp for why), then `answer` (then `candidate`s, "" when complete) follow.
  // `offer_sdp` must have been checked (whep_offer.h).
  static std::unique_ptr<WebRtcBranch> create_answerer(GstBin* sink, Media& media, uint32_t peer, Codec codec,
                                                       const IceConfig& ice, const std::string& offer_sdp,
                                                       Callbacks cb, std::string* err);
  ~WebRtcBranch() override;
  WebRtcBranch(const WebRtcBranch&) = delete;
  WebRtcBranch& operator=(const WebRtcBranch&) = delete;

  void apply_answer(const std::string& sdp);
  void add_remote_candidate(unsigned mline, const std::string& candidate);
  // Sends on the data channel if it is open; false otherwise.
  bool send_channel_text(const std::string& text);
  bool channel_open() const;
  // When RTCP last came from the viewer (monotonic us; its receiver reports), counted from
  // watch_rtcp(); 0 before. A viewer that is gone without a word stops sending them.
  int64_t last_rtcp_us() const { return last_rtcp_->load(); }
  void watch_rtcp();  // webrtc_answer.cpp; once connected (the RTP session exists then)
  // Asks webrtcbin for its statistics; `done` runs on the sink's context (not at all if the
  // branch is gone by then).
  void request_stats(std::function<void(const RtcStats&)> done);
  // This viewer's bandwidth estimate changed: retransmissions get a share of it (rtx_budget.h).
  void set_estimate_kbps(int kbps) {
    if (rtx_) rtx_->set_estimate_kbps(kbps);
  }
  uint64_t retransmissions_dropped() const { return rtx_ ? rtx_->dropped() : 0; }
  // When this viewer's frames left for webrtcbin (adapt/frame_delay.h).
  const adapt::DepartureLog& departures() const { return *departures_; }

  // The rung this viewer receives (adapt/rung_policy.h), the one it is moving to (= rung() when
  // none), and a move: the rung is created if needed and asked for a keyframe; the move completes
  // at that keyframe (rung_switch.h). False when already there or the rung cannot be built.
  int rung() const { return switch_ ? switch_->rung() : 0; }
  int rung_target() const { return switch_ ? switch_->target() : 0; }
  bool move_to_rung(int rung);
  int rung_moves() const { return switch_ ? switch_->moves() : 0; }
  double last_move_gap_ms() const { return switch_ ? switch_->last_gap_ms() : -1; }

  struct Link;  // shared with webrtcbin's threads; points back here while we live
  static void init_debug();

 private:
  WebRtcBranch(GstBin* sink, Media& media, uint32_t peer, Callbacks cb);
  bool build(Codec codec, const IceConfig& ice, std::string* err);
  void answer_offer(const std::string& sdp);  // webrtc_answer.cpp, as are the two below
  void stream_arrived();
  void apply_offer(const std::string& sdp);
  bool link_sendonly(Codec codec, std::string* err);
  void connect_signals();
  void negotiate();
  void connect_channel();
  void start_rungs(Codec codec);  // webrtc_rungs.cpp
  void stop_rungs();

  Media& media_;
  uint32_t peer_;
  Callbacks cb_;
  std::shared_ptr<Link> link_;
  GstElement* queue_ = nullptr;   // owned by our bin
  GstElement* webrtc_ = nullptr;  // owned by our bin
  GstWebRTCDataChannel* channel_ = nullptr;  // owned
  std::shared_ptr<std::atomic<int64_t>> last_rtcp_ = std::make_shared<std::atomic<int64_t>>(0);
  bool answerer_ = false;  // WHEP: the remote side offers
  std::string pending_offer_;  // answerer: applied once our stream's caps reach webrtcbin
  GstPad* stream_pad_ = nullptr;  // answerer, until then: webrtcbin's sink pad (owned)
  gulong caps_handler_ = 0;       // on stream_pad_
  std::shared_ptr<RtxBudget> rtx_;
  std::shared_ptr<adapt::DepartureLog> departures_ = std::make_shared<adapt::DepartureLog>();
  std::unique_ptr<RungSwitch> switch_;  // once attached
  bool offered_ = false;
  bool connected_ = false;
};

}  // namespace vtkstream::sink
