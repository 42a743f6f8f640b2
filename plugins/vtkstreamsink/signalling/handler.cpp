#include "handler.h"

#include <algorithm>

namespace vtkstream::sink {

namespace {

Action error(ErrorCode code, std::string message) {
  return action::Send{error_message({code, std::move(message)})};
}

}  // namespace

Actions Handler::on_text(std::string_view text) {
  auto parsed = parse_client_message(text, info_->max_message_bytes);
  if (auto* e = std::get_if<ProtocolError>(&parsed)) return {action::Send{error_message(*e)}};
  const ClientMessage& msg = std::get<ClientMessage>(parsed);

  if (auto* h = std::get_if<Hello>(&msg)) return on_hello(*h);
  if (!said_hello()) return {error(ErrorCode::kBadState, "send hello first")};

  if (auto* a = std::get_if<Answer>(&msg)) {
    if (state_ != State::kAwaitAnswer)
      return {error(ErrorCode::kBadState, state_ == State::kAnswered ? "answer already received"
                                                                      : "answer before the server's offer")};
    // A real parse happens on the media side; this catches what is plainly not SDP.
    if (a->sdp.rfind("v=0", 0) != 0 || a->sdp.find("\nm=") == std::string::npos)
      return {error(ErrorCode::kBadSdp, "answer is not an SDP description (must start with v=0 and have an m= line)")};
    state_ = State::kAnswered;
    return {action::ApplyAnswer{a->sdp}};
  }
  if (auto* c = std::get_if<IceCandidate>(&msg)) {
    // Candidates may race ahead of the answer (webrtcbin keeps them), never ahead of our offer.
    if (state_ != State::kAwaitAnswer && state_ != State::kAnswered)
      return {error(ErrorCode::kBadState, "ice candidate outside a WebRTC negotiation")};
    if (c->candidate.empty()) return {};  // end of candidates: nothing for webrtcbin to do
    return {action::AddRemoteCandidate{c->mline, c->candidate}};
  }
  if (auto* i = std::get_if<Input>(&msg)) return on_input(i->record);
  if (auto* p = std::get_if<Ping>(&msg)) return {action::Send{pong_message(p->t)}};
  if (auto* c = std::get_if<ControlRequest>(&msg)) return {action::Control{*c}};
  if (std::get_if<Stay>(&msg)) return {action::Stay{}};
  // Only a WebRTC session has a link to control; a report racing the MJPEG fallback is dropped.
  if (auto* st = std::get_if<PageStats>(&msg)) return webrtc_active() ? Actions{action::Stats{*st}} : Actions{};
  if (auto* q = std::get_if<QualityRequest>(&msg)) {
    // Rungs are encodes that WebRTC and WebSocket video both carry; MJPEG has none.
    if (!webrtc_active() && !ws_video_)
      return {error(ErrorCode::kBadState, "quality: this session has no WebRTC or WebSocket video")};
    return {action::Quality{*q}};
  }
  if (auto* t = std::get_if<TransportSwitch>(&msg)) return on_transport(t->transport);
  if (auto* v = std::get_if<WsVideoSwitch>(&msg)) return on_ws_video(v->on);
  return {error(ErrorCode::kInternal, "unhandled message")};
}

Actions Handler::on_hello(const Hello& h) {
  if (said_hello()) return {error(ErrorCode::kBadState, "hello was already received")};
  Welcome w;
  w.peer_id = peer_id_;
  w.ice_servers = info_->ice_servers;
  w.width = info_->width;
  w.height = info_->height;
  w.mjpeg = mjpeg_path();
  if (h.transport == Transport::kWebRtc || h.transport == Transport::kWs) {
    if (std::find(h.codecs.begin(), h.codecs.end(), info_->codec) == h.codecs.end())
      return {error(ErrorCode::kNoCodec, std::string("this server streams ") + codec_name(info_->codec) +
                                             ", which the browser did not list; use transport \"mjpeg\"")};
    w.codec = codec_name(info_->codec);
    w.ws_video = ws_video_ = h.ws_video;
    ws_capable_ = h.ws_video || h.transport == Transport::kWs;
    stills_ = h.stills;
    state_ = h.transport == Transport::kWs ? State::kWs : State::kNegotiating;
    Actions out{action::Send{serialize(w)},
                action::Send{renderer_message(info_->renderer_state, info_->renderer_detail)}};
    // WebSocket video first: it shows a picture while WebRTC is still negotiating.
    if (ws_video_) out.push_back(action::StartWsVideo{info_->codec});
    if (state_ == State::kNegotiating) out.push_back(action::StartWebRtc{info_->codec});
    return out;
  }
  w.codec = "MJPEG";
  state_ = State::kMjpeg;
  return {action::Send{serialize(w)},
          action::Send{renderer_message(info_->renderer_state, info_->renderer_detail)},
          action::StartMjpeg{}};
}

Actions Handler::on_transport(Transport to) {
  Actions out;
  if (to == Transport::kWs) {
    if (state_ == State::kWs) return {};  // already there; harmless
    // An MJPEG hello agreed no codec: the page must say hello with ws (or ws_video) for this.
    if (state_ == State::kMjpeg)
      return {error(ErrorCode::kBadState, "this session is MJPEG; reconnect with transport \"ws\"")};
    if (webrtc_active()) out.push_back(action::StopWebRtc{});
    early_candidates_.clear();
    state_ = State::kWs;
    if (!ws_video_) out.push_back(action::StartWsVideo{info_->codec});
    ws_video_ = true;
    return out;
  }
  if (state_ == State::kMjpeg) return {};  // already there; harmless
  if (webrtc_active()) out.push_back(action::StopWebRtc{});
  if (ws_video_) out.push_back(action::StopWsVideo{});
  ws_video_ = false;
  early_candidates_.clear();
  state_ = State::kMjpeg;
  out.push_back(action::StartMjpeg{});
  return out;
}

Actions Handler::on_ws_video(bool on) {
  if (on == ws_video_) return {};
  if (on && state_ == State::kMjpeg)
    return {error(ErrorCode::kBadState, "this session is MJPEG; reconnect with transport \"ws\"")};
  ws_video_ = on;
  if (on) return {action::StartWsVideo{info_->codec}};
  return {action::StopWsVideo{}};
}

Actions Handler::on_input(const InputRecord& r) {
  if (!said_hello()) return {error(ErrorCode::kBadState, "send hello first")};
  if (r.kind == InputRecord::Kind::kResize && !controlling_) return {};  // a viewer, not the driver
  return {action::Inject{r}};
}

Actions Handler::on_channel_text(std::string_view text) {
  auto parsed = parse_input_record(text, info_->max_message_bytes);
  if (auto* e = std::get_if<ProtocolError>(&parsed)) return {action::Send{error_message(*e)}};
  return on_input(std::get<InputRecord>(parsed));
}

Actions Handler::on_offer(const std::string& sdp) {
  if (state_ != State::kNegotiating) return {};  // the branch was dropped meanwhile
  state_ = State::kAwaitAnswer;
  Actions out{action::Send{offer_message(sdp)}};
  for (auto& [mline, cand] : early_candidates_) out.push_back(action::Send{ice_message(cand, mline)});
  early_candidates_.clear();
  return out;
}

Actions Handler::on_local_candidate(unsigned mline, const std::string& candidate) {
  if (state_ == State::kNegotiating) {
    early_candidates_.emplace_back(mline, candidate);
    return {};
  }
  if (state_ != State::kAwaitAnswer && state_ != State::kAnswered) return {};
  return {action::Send{ice_message(candidate, mline)}};
}

Actions Handler::on_answer_rejected(const std::string& why) {
  if (state_ != State::kAnswered) return {};
  state_ = State::kAwaitAnswer;  // the page may try again
  return {error(ErrorCode::kBadSdp, why)};
}

Actions Handler::on_webrtc_failed(const std::string& why) {
  if (!webrtc_active()) return {};
  early_candidates_.clear();
  if (ws_video_) {  // the page still has its WebSocket video: it stays on that
    state_ = State::kWs;
    return {action::StopWebRtc{}, error(ErrorCode::kInternal, "WebRTC failed: " + why + "; staying on WebSocket video")};
  }
  if (ws_capable_) {  // WebRTC had taken over and is lost: back to WebSocket video, not MJPEG
    state_ = State::kWs;
    ws_video_ = true;
    return {action::StopWebRtc{}, error(ErrorCode::kInternal, "WebRTC failed: " + why + "; switching to WebSocket video"),
            action::Send{transport_message(Transport::kWs)}, action::StartWsVideo{info_->codec}};
  }
  // The peer becomes an MJPEG peer (docs/protocol.md): /mjpeg?peer=ID works at once and the
  // page's own `transport` switch is a no-op; late ICE and answers get bad-state.
  state_ = State::kMjpeg;
  early_candidates_.clear();
  return {action::StopWebRtc{}, error(ErrorCode::kInternal, "WebRTC failed: " + why + "; switching to MJPEG"),
          action::StartMjpeg{}};
}

Actions Handler::on_renderer(RendererStatus state, const std::string& detail) {
  if (!said_hello()) return {};
  return {action::Send{renderer_message(state, detail)}};
}

}  // namespace vtkstream::sink
