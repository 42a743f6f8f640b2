// The per-peer signalling state machine, free of sockets and GStreamer so it can be unit tested:
// text from the browser and events from the media side go in, a list of actions comes out (a
// message to send, a webrtcbin branch to add or drop, input for the renderer, ...). The owner
// (peer.cpp) performs the actions in order.
//
//   AwaitHello --hello(webrtc)--> Negotiating --on_offer--> AwaitAnswer --answer--> Answered
//        |                             \__________________________|___________________|
//        +--hello(mjpeg)--> Mjpeg <----- transport{mjpeg} / on_webrtc_failed ---------+
//        +--hello(ws)-----> Ws    <----- transport{ws} / on_webrtc_failed with ws video on
//
// WebSocket video (StartWsVideo/StopWsVideo) is a flag beside the state: a page that asked for it
// in its hello (`ws_video`) gets it at once, also while WebRTC negotiates, until `ws-video` off.
//
// Malformed or out-of-order messages produce an error reply and leave the state unchanged.
// Who may steer is not decided here: Inject and Control go to the server's ControlArbiter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol.h"

namespace vtkstream::sink {

// What the handler needs to know about the server; owned and kept current by the server.
struct ServerInfo {
  Codec codec = Codec::kVP8;  // what the pipeline encodes
  std::vector<IceServer> ice_servers;
  int width = 0, height = 0;  // current render size (0 before the renderer attached)
  RendererStatus renderer_state = RendererStatus::kWaiting;
  std::string renderer_detail;
  size_t max_message_bytes = kMaxMessageBytes;  // --max-message-bytes
};

namespace action {
struct Send { std::string text; };                 // a message on the WebSocket
struct StartWebRtc { Codec codec; };                // add the webrtcbin branch; its offer comes back via on_offer
struct ApplyAnswer { std::string sdp; };
struct AddRemoteCandidate { unsigned mline; std::string candidate; };
struct StopWebRtc {};                               // drop the webrtcbin branch
struct StartMjpeg {};                               // this peer now watches /mjpeg?peer=ID
struct Inject { InputRecord record; };              // input for the renderer (if this peer steers)
struct Control { ControlRequest request; };         // a `control` message for the arbiter
struct Stay {};                                     // the viewer is still there: reset the idle timer
struct Stats { PageStats stats; };                  // the page's link statistics (congestion control)
struct StartWsVideo { Codec codec; };               // send the encoded stream on the WebSocket
struct StopWsVideo {};
struct Quality { QualityRequest request; };         // pin a rung, or auto
}  // namespace action

using Action = std::variant<action::Send, action::StartWebRtc, action::ApplyAnswer,
                            action::AddRemoteCandidate, action::StopWebRtc, action::StartMjpeg,
                            action::Inject, action::Control, action::Stay,
                            action::Stats, action::StartWsVideo, action::StopWsVideo,
                            action::Quality>;
using Actions = std::vector<Action>;

class Handler {
 public:
  enum class State { kAwaitHello, kNegotiating, kAwaitAnswer, kAnswered, kMjpeg, kWs };

  Handler(uint32_t peer_id, const ServerInfo* info) : peer_id_(peer_id), info_(info) {}

  // A WebSocket text message.
  Actions on_text(std::string_view text);
  // A message on the "input" data channel (a bare input record).
  Actions on_channel_text(std::string_view text);
  // The media side created our offer / gathered a local candidate ("" = gathering complete).
  Actions on_offer(const std::string& sdp);
  Actions on_local_candidate(unsigned mline, const std::string& candidate);
  // The media side rejected the answer (unparsable SDP).
  Actions on_answer_rejected(const std::string& why);
  // ICE or DTLS failed, or the branch could not be built: drop WebRTC, the page may fall back.
  Actions on_webrtc_failed(const std::string& why);
  // The renderer's state changed (forwarded once the peer said hello).
  Actions on_renderer(RendererStatus state, const std::string& detail);

  // Only the controlling peer may resize the renderer (`rs`); others' requests are ignored.
  void set_controlling(bool c) { controlling_ = c; }
  bool controlling() const { return controlling_; }

  State state() const { return state_; }
  bool ws_video() const { return ws_video_; }
  bool stills() const { return stills_; }  // the page takes `still` messages (hello `stills`)
  uint32_t peer_id() const { return peer_id_; }
  std::string mjpeg_path() const { return "/mjpeg?peer=" + std::to_string(peer_id_); }

 private:
  Actions on_hello(const Hello& h);
  Actions on_input(const InputRecord& r);
  Actions on_transport(Transport to);
  Actions on_ws_video(bool on);
  bool said_hello() const { return state_ != State::kAwaitHello; }
  bool webrtc_active() const {
    return state_ == State::kNegotiating || state_ == State::kAwaitAnswer || state_ == State::kAnswered;
  }

  uint32_t peer_id_;
  const ServerInfo* info_;
  State state_ = State::kAwaitHello;
  bool controlling_ = false;
  bool ws_video_ = false;  // binary video on the WebSocket is on
  bool ws_capable_ = false;  // the page said it decodes WebSocket video (hello ws or ws_video)
  bool stills_ = false;
  // Local candidates gathered before our offer went out wait here: the browser cannot use a
  // candidate before it has the offer.
  std::vector<std::pair<unsigned, std::string>> early_candidates_;
};

}  // namespace vtkstream::sink
