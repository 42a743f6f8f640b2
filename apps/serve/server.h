// Ties the pieces together on the main context: the media factory (one pipeline), the peers
// (one per WebSocket), the MJPEG viewers, the renderer supervisor and the HTTP router. It keeps
// ServerInfo current (render size, renderer state) and fans out renderer notices and frame
// echoes to the peers. It holds the access tokens (Auth) and the ControlArbiter (who steers),
// and a 1 s tick enforces the handshake, idle and control-idle timeouts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth.h"
#include "control.h"
#include "handler.h"
#include "http_server.h"
#include "media_factory.h"
#include "mjpeg_stream.h"
#include "peer.h"
#include "supervisor.h"
#include "webrtc_session.h"

namespace vtkstream::serve {

struct ServerConfig {
  std::string bind = "127.0.0.1";
  int port = 8000;
  std::string web_root;  // canonical path
  MediaConfig media;
  IceConfig ice;                        // for webrtcbin
  std::vector<IceServer> browser_ice;   // the same servers, as RTCIceServer for the page
  std::vector<std::string> renderer;    // argv of the renderer to supervise; empty = attach only
  size_t max_peers = 32;
  Tokens tokens;                 // both empty = --no-auth
  double max_input_rate = 250;   // input events per second per peer; 0 = unlimited
  size_t max_message_bytes = kMaxMessageBytes;
  int handshake_timeout_s = 10;  // WebSocket open -> hello; 0 = none
  int idle_timeout_s = 3600;     // no input/control message for this long: bye; 0 = never
  int control_idle_s = 60;       // see ControlArbiter
};

class Server {
 public:
  static std::unique_ptr<Server> create(const ServerConfig& config, std::string* err);
  ~Server();

  // Listens, starts the pipeline and (if configured) the renderer.
  bool start(std::string* err);
  std::string url() const { return http_->url(); }  // http://HOST:PORT/
  // The links to print: the control link and (auth on) the view-only link, each with ?token=.
  std::string control_link() const;
  std::string view_link() const;
  // Says bye to every peer, closes them, stops the renderer, pipeline to NULL.
  void shutdown(const std::string& reason);
  // Called (main context) when the pipeline failed outside any peer: the server cannot go on.
  std::function<void(const std::string& message)> on_fatal;

  std::string health_json(bool full = true) const;
  size_t peer_count() const { return peers_.size(); }

 private:
  explicit Server(const ServerConfig& config)
      : config_(config), auth_(config.tokens), arbiter_(int64_t(config.control_idle_s) * 1000) {}
  void add_peer(SoupWebsocketConnection* ws, Role role);
  void remove_peer(uint32_t id);
  bool add_mjpeg_viewer(SoupServerMessage* msg, uint32_t peer);
  void update_controlling();
  void broadcast_control();
  void on_input(uint32_t peer, const InputRecord& r);
  void on_control(uint32_t peer, const ControlRequest& req);
  void tick();
  void set_renderer_state(const std::string& state, const std::string& detail);
  void on_vtksrc_state(const std::string& state);
  void on_supervisor_state(const std::string& state, const std::string& detail);

  ServerConfig config_;
  ServerInfo info_;
  std::unique_ptr<MediaFactory> media_;
  std::unique_ptr<MjpegStreams> mjpeg_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<Supervisor> supervisor_;
  Auth auth_;
  ControlArbiter arbiter_;
  guint tick_source_ = 0;
  int64_t last_refusal_log_us_ = INT64_MIN / 2;
  std::map<uint32_t, std::unique_ptr<Peer>> peers_;
  uint32_t next_peer_ = 1;
  uint64_t peers_served_ = 0;
  bool shutting_down_ = false;
  bool running_when_sized_ = false;  // attached, waiting for the first caps to say "running"
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vtkstream::serve
