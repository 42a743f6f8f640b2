// One browser tab: its WebSocket, its signalling Handler and, while it streams over WebRTC, its
// WebRtcSession. The peer performs the handler's actions; the Server owns the peer and
// destroying it (WebSocket closed, error, shutdown) frees everything the tab used.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "handler.h"
#include "webrtc_session.h"

namespace vtkstream::serve {

class MediaFactory;

class Peer {
 public:
  struct Env {
    MediaFactory* media;
    const ServerInfo* info;
    const IceConfig* ice;
    std::function<void(uint32_t peer)> closed;  // the WebSocket ended: the server drops us
  };

  Peer(uint32_t id, SoupWebsocketConnection* ws, Env env);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  uint32_t id() const { return id_; }
  Handler& handler() { return handler_; }
  bool webrtc() const { return session_ != nullptr; }
  bool mjpeg() const { return handler_.state() == Handler::State::kMjpeg; }

  void send(const std::string& text);  // WebSocket
  // A frame reflecting this peer's input `seq` left the encoder.
  void frame_echo(uint64_t seq, std::optional<uint32_t> rtp, uint64_t pts);
  void renderer_changed(const std::string& state, const std::string& detail);
  void say_bye(const std::string& reason);
  // The pipeline reported an error inside this peer's branch.
  void webrtc_failed(const std::string& why);

 private:
  void perform(Actions actions);
  void start_webrtc(Codec codec);
  void stop_webrtc();

  uint32_t id_;
  SoupWebsocketConnection* ws_;  // a reference of our own (libsoup drops its reference early)
  Env env_;
  Handler handler_;
  std::unique_ptr<WebRtcSession> session_;
  gulong message_id_ = 0, closed_id_ = 0, error_id_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for deferred work on us
};

}  // namespace vtkstream::serve
