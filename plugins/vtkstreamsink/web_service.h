// Everything the sink does on its own GMainContext thread: the HTTP router, the peers (one per
// WebSocket), the MJPEG viewers and their encoder branch, the ControlArbiter (who steers) and a
// 1 s tick for the handshake, idle and control-idle timeouts. It keeps ServerInfo current (render
// size, renderer state) and fans renderer notices and frame echoes out to the peers. What a user
// of the element should hear about (links, viewers, control, renderer) goes out through Events,
// which the element turns into bus messages.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <string>

#include "auth.h"
#include "control.h"
#include "handler.h"
#include "http_server.h"
#include "janus_forwarder.h"
#include "input_injector.h"
#include "interactive_cap.h"
#include "media.h"
#include "mjpeg_branch.h"
#include "admission.h"
#include "mjpeg_stream.h"
#include "peer.h"
#include "snapshot.h"
#include "still_image.h"
#include "still_keys.h"
#include "rate_controller.h"
#include "shared_rate.h"
#include "vtkstream/vtksrc-contract.h"
#include "webrtc_branch.h"
#include "whep_sessions.h"

namespace vtkstream::sink {

struct WebConfig {
  std::string address = "127.0.0.1";
  int port = 8000;
  std::string web_root;                 // canonical path
  IceConfig ice;                        // for webrtcbin
  std::vector<IceServer> browser_ice;   // the same servers, as RTCIceServer for the page
  size_t max_peers = 32;
  size_t owner_slots = 4;               // of max_peers, kept for the control link (admission.h)
  Tokens tokens;                        // both empty = no access control
  double max_input_rate = 250;          // input events per second per peer; 0 = unlimited
  size_t max_message_bytes = kMaxMessageBytes;
  int handshake_timeout_s = 10;         // WebSocket open -> hello; 0 = none
  int idle_timeout_s = 3600;            // no input/control message for this long: bye; 0 = never
  int control_idle_s = 60;              // see ControlArbiter
  unsigned http_header_timeout_s = 10;  // HTTP request headers complete within; 0 = none
  unsigned http_idle_timeout_s = 60;    // HTTP request/response silent for; 0 = none
  unsigned snapshot_timeout_s = 10;     // /snapshot.png answers 504 after
  std::vector<std::string> allowed_hosts;  // Host names served besides IPs and localhost
  std::string frame_ancestors = "'self'";  // CSP: who may embed the page
  TlsCertificatePtr tls;                // https/wss with this certificate (tls.h); null: plain HTTP
  bool renderer_supervised = false;     // someone restarts a lost renderer: say "restarting"
  bool adaptive = true;                 // per-viewer congestion control sets the encoder's bitrate
  adapt::Limits rate_limits;            // its bounds; start = the configured bitrate
  std::string log_name = "vtkstreamsink";  // prefix of the operator notes on stderr (the element's name)
  std::vector<JanusConfig> janus;       // RTP to Janus mountpoints (janus_forwarder.h); none by default
};

class WebService {
 public:
  struct Events {  // on the sink's context
    std::function<void(uint32_t peer, Role role, bool joined, size_t peers)> viewer;
    std::function<void(std::optional<uint32_t> controller)> control;
    std::function<void(RendererStatus state, const std::string& detail)> renderer;
  };
  struct Parts {  // what the element lends us; outlives the service
    GstBin* sink;
    Media* media;
    InputInjector* input;
  };

  WebService(const WebConfig& config, Parts parts, Events events);
  ~WebService();
  WebService(const WebService&) = delete;
  WebService& operator=(const WebService&) = delete;

  // Listens (on the calling thread's context, the sink's).
  bool start(std::string* err);
  std::string url() const { return http_->url(); }  // http://HOST:PORT/
  std::string control_link() const;
  std::string view_link() const;
  // Says bye to every peer and closes them, ends MJPEG responses, stops listening.
  void shutdown(ByeCode code, const std::string& reason);

  // A vtksrc-renderer notice arrived at the sink pad (or from the program that supervises it).
  void on_renderer_notice(const contract::RendererNotice& n);
  // The negotiated picture size changed.
  void on_size(int width, int height);

  std::string health_json(bool full = true) const;
  std::string metrics_text() const;  // web_service_reach.cpp
  size_t peer_count() const { return peers_.size() + (whep_ ? whep_->count() : 0); }

 private:
  void add_peer(SoupWebsocketConnection* ws, Role role);
  void remove_peer(uint32_t id);
  bool add_mjpeg_viewer(SoupServerMessage* msg, uint32_t peer);
  void mjpeg_first();
  void mjpeg_last();
  void broadcast_control();
  void on_input(uint32_t peer, const InputRecord& r);
  void on_control(uint32_t peer, const ControlRequest& req);
  void on_echoes(const std::vector<EchoTracker::Echo>& echoes, std::optional<uint32_t> rtp, uint64_t pts);
  void tick();
  void rates_changed();
  void send_interactive_cap();
  void set_renderer_state(RendererStatus state, const std::string& detail);
  void finish_closing(std::vector<SoupWebsocketConnection*>& closing);
  // WHEP (web_service_reach.cpp): a POSTed offer, and a slot and peer id for it.
  void whep_offer(SoupServerMessage* msg, const std::string& sdp);
  std::optional<uint32_t> admit_whep(std::string* why);
  std::unique_ptr<WhepSessions> make_whep();
  // The crisp still over HTTP (web_service_still.cpp): the route, a new still from the renderer,
  // its image ready, and who gets it.
  void setup_stills(HttpServer::Routes& routes);
  void on_still(uint64_t id);
  void encode_still(uint64_t id);
  static constexpr guint kStillQuietMs = 250;  // web_service_still.cpp
  void still_ready(const StillImages::Ready& r, bool lossless);
  bool wants_still(Peer& p) const;
  int64_t still_pace_of(Peer& p) const;
  bool affords_exact(Peer& p, size_t bytes) const;
  GstSample* still_sample(uint64_t id);
  // A viewer gets the lossless still when its pace carries it within this time: what issue 9's
  // 1 s after release leaves after the quiet time, the encode and the decode (docs/performance.md
  // "The unconstrained still at 40 dB").
  static constexpr double kExactMaxMs = 500;
  // A viewer whose pace carries less than this share of the last lossless image's size (per
  // pixel) within kExactMaxMs is not tried (web_service_still.cpp): when nobody is, the lossy
  // image is encoded at once, not after a lossless one nobody takes (20-30 ms at 1280x720, more
  // under load). Stills after drags of one scene differ by a few per cent; a simpler scene only
  // costs a lossy still where a lossless one would have fit.
  static constexpr double kExactGuessShare = 0.8;
  int64_t still_pace_bps(GHashTable* query) const;
  void update_still_wanted();

  WebConfig config_;
  Parts m_;
  Events events_;
  ServerInfo info_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<MjpegStreams> mjpeg_;
  std::unique_ptr<MjpegBranch> mjpeg_branch_;
  std::unique_ptr<SnapshotServer> snapshot_;  // /snapshot.png
  std::unique_ptr<StillImages> stills_;       // /still.webp (lossy)
  std::unique_ptr<StillImages> exact_stills_; // /still.webp?lossless=1
  struct {
    uint64_t id = 0;
    std::set<uint32_t> peers;  // told of the lossless image of still `id`: no lossy one for them
  } exact_sent_;
  double exact_bytes_per_pixel_ = 0;  // of the last lossless image: predicts the next one's size
  StillKeys still_keys_;                      // whose estimate paces a /still.webp download
  GSource* still_timer_ = nullptr;            // the quiet time before a still is encoded
  Auth auth_;
  ControlArbiter arbiter_;
  GSource* tick_ = nullptr;
  int64_t last_refusal_log_us_ = INT64_MIN / 2;
  // WebSocket video's branch and GOP cache per rung; declared before peers_, which use them.
  std::unique_ptr<WsVideoHubs> ws_hubs_ = std::make_unique<WsVideoHubs>(m_.sink, *m_.media, *m_.input);
  std::map<uint32_t, std::unique_ptr<Peer>> peers_;
  std::unique_ptr<RungPlanner> rungs_;
  adapt::CapTracker render_cap_;  // the interactive size cap upstream knows
  std::unique_ptr<WhepSessions> whep_;  // view-only WHEP viewers; they share the slots
  std::vector<std::unique_ptr<JanusForwarder>> janus_;  // the audience behind Janus, if configured
  uint32_t next_peer_ = 1;
  uint64_t peers_served_ = 0;
  int64_t last_input_us_ = 0;  // the last input forwarded to the renderer (g_get_monotonic_time)
  bool shutting_down_ = false;
  bool attached_ = false;  // the renderer is attached; "running" once a size is known too
  bool notices_ = false;   // the source sends renderer notices (it is vtksrc)
  int restarts_ = 0;       // "restarting" notices from a supervising program
  std::string shm_name_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vtkstream::sink
