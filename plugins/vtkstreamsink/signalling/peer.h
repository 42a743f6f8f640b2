// One browser tab: its WebSocket, its signalling Handler and, while it streams over WebRTC, its
// WebRtcBranch. The peer performs the handler's actions; the Server owns the peer and
// destroying it (WebSocket closed, error, shutdown) frees everything the tab used. Its input
// passes its own rate limit (InputLimiter) before the server's ControlArbiter decides whether it
// reaches the renderer.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth.h"
#include "handler.h"
#include "input_limiter.h"
#include "report_pacer.h"
#include "rung_policy.h"
#include "echo_tracker.h"
#include "viewer_rate.h"
#include "webrtc_branch.h"
#include "ws_video_hubs.h"
#include "ws_video_flow.h"

namespace vtkstream::sink {

class Media;

class Peer {
 public:
  struct Env {
    GstBin* sink;        // where the viewer's branch goes
    Media* media;
    EchoTracker* echo;
    InputInjector* injector = nullptr;  // WebSocket video echoes input per viewer
    WsVideoHubs* ws_hubs = nullptr;     // WebSocket video's frames per rung (none: no WebSocket video)
    const ServerInfo* info;
    const IceConfig* ice;
    std::function<void(uint32_t peer)> closed;  // the WebSocket ended: the server drops us
    // Input within the rate limit: the server lets it through if this peer steers.
    std::function<void(uint32_t peer, const InputRecord&)> input;
    std::function<void(uint32_t peer, const ControlRequest&)> control;
    std::function<void(uint32_t peer)> said_hello;  // the welcome went out
    // This WebRTC viewer's bandwidth estimate may have changed (adapt/viewer_rate.h).
    std::function<void(uint32_t peer)> rate_changed;
    bool adaptive = true;        // congestion control on (the sink's adaptive-bitrate)
    adapt::Limits rate_limits;
    Role role = Role::kOwner;
    double max_input_rate = 0;  // events/s, 0 = unlimited
    std::string log_name = "vtkstreamsink";  // prefix of our notes on stderr
  };

  Peer(uint32_t id, SoupWebsocketConnection* ws, Env env);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  uint32_t id() const { return id_; }
  SoupWebsocketConnection* websocket() const { return ws_; }
  Handler& handler() { return handler_; }
  bool webrtc() const { return session_ != nullptr; }
  bool mjpeg() const { return handler_.state() == Handler::State::kMjpeg; }
  bool ws_video() const { return ws_on_; }
  size_t ws_in_flight_bytes() const { return ws_flow_ ? ws_flow_->in_flight_bytes() : 0; }

  void send(const std::string& text);  // WebSocket
  // A frame reflecting this peer's input `seq` left the encoder.
  void frame_echo(uint64_t seq, std::optional<uint32_t> rtp, uint64_t pts);
  void renderer_changed(RendererStatus state, const std::string& detail);
  void say_bye(ByeCode code, const std::string& reason);
  // Sends bye and closes (policy violation); the reason is logged once on stderr.
  void close(ByeCode code, const std::string& reason);
  // A limit was hit: log it once per peer and limit kind.
  void log_limit_once(const std::string& kind, const std::string& detail);
  Role role() const { return env_.role; }
  int64_t opened_us() const { return opened_us_; }
  int64_t last_activity_us() const { return last_activity_us_; }
  // `idle-warning` (once per quiet spell: input, control or stay re-arms it).
  void warn_idle(int seconds_left);
  bool idle_warned() const { return idle_warned_; }
  // Congestion control of this WebRTC viewer; nullptr without WebRTC or with adaptation off.
  const ViewerRate* rate() const { return rate_.get(); }
  ViewerRate* rate() { return rate_.get(); }
  // The sink's 1 s tick: estimate decay, receiver reports.
  void rate_tick();
  // The last `estimate` message sent, so the server sends only changes.
  std::string& last_estimate() { return last_estimate_; }
  // The WebRTC branch (nullptr without WebRTC), the rung the viewer pinned in its quality menu
  // (nullopt: auto), and the last `rung` message sent.
  WebRtcBranch* session() { return session_.get(); }
  std::optional<int> pinned_rung() const { return pinned_rung_; }
  std::string& last_rung() { return last_rung_; }
  // Whether the rung policy places this viewer (it receives WebRTC or WebSocket video), the rung
  // it receives now (a move ends at the new rung's keyframe), and a move there (both transports
  // while the page has both). Moves completed, for /healthz.
  bool on_rungs() const { return session_ || ws_on_; }
  int rung_now() const;
  void move_to_rung(int rung);
  int rung_moves() const;
  // The encode's input is known (first caps): a WebSocket video asked for before starts now.
  void media_ready();
  // The pipeline reported an error inside this peer's branch.
  void webrtc_failed(const std::string& why);

 private:
  void perform(Actions actions);
  void forward_input(const InputRecord& r);
  void flush_waiting_input();
  void schedule_flush(int64_t now);
  void start_webrtc(Codec codec);
  void stop_webrtc();
  void note_activity();
  void estimate_changed();
  void apply_pin(std::optional<int> rung);  // a `quality` request, paced by pin_pacer_
  // WebSocket video (peer_ws_video.cpp).
  // What the page asked for (ws-video on/off); starts are rate-limited (kMinWsStartUs).
  void want_ws_video(bool on, Codec codec);
  void start_ws_video(Codec codec);
  void stop_ws_video();
  void on_binary(const uint8_t* data, size_t n);
  void ws_frame(const WsVideoBranch::Frame& f);
  void ws_frame_of(int rung, const WsVideoBranch::Frame& f);  // from rung's hub
  bool ws_subscribe(int rung, bool join, std::string* err);
  void ws_unsubscribe(int rung);
  void move_ws_rung(int rung);
  void ws_replay(const std::deque<GopCache::Frame>& gop);
  void ws_send(bool keyframe, bool cached, uint32_t frame_id, uint64_t seq, uint64_t pts_ns, GBytes* data);
  void ws_report(int64_t now_us);

  uint32_t id_;
  SoupWebsocketConnection* ws_;  // a reference of our own (libsoup drops its reference early)
  Env env_;
  Handler handler_;
  std::unique_ptr<WebRtcBranch> session_;
  bool ws_on_ = false;                      // subscribed to the hub of ws_rung_
  int ws_rung_ = 0;                         // the rung whose frames go out
  std::optional<int> ws_next_rung_;         // subscribed too, until its first keyframe
  int ws_moves_ = 0;
  std::unique_ptr<WsVideoFlow> ws_flow_;
  Codec ws_codec_ = Codec::kVP8;
  bool ws_pending_ = false;                 // asked for before the first caps (media_ready)
  int64_t ws_started_us_ = INT64_MIN / 2;   // the last branch built
  GSource* ws_start_source_ = nullptr;      // a start held back by the rate limit
  int64_t ws_report_us_ = 0;                // the last ack report to the rate controller
  std::optional<int64_t> ws_min_rtt_us_;    // smallest ack round trip since then
  std::unique_ptr<ViewerRate> rate_;     // declared after session_: destroyed first
  std::string last_estimate_;
  std::string last_rung_;
  std::optional<int> pinned_rung_;
  adapt::PinPacer pin_pacer_;
  GSource* pin_source_ = nullptr;       // a held pin applies when this fires
  gulong message_id_ = 0, closed_id_ = 0, error_id_ = 0;
  InputLimiter limiter_;
  GSource* flush_source_ = nullptr;     // pending coalesced moves go out when this fires
  int64_t last_rate_error_us_ = INT64_MIN / 2;
  adapt::ReportPacer stats_pacer_;  // page reports fed to rate_ (adapt/report_pacer.h)
  int64_t last_stats_error_us_ = INT64_MIN / 2;
  int64_t opened_us_ = 0, last_activity_us_ = 0;
  std::vector<std::string> limits_logged_;
  bool hello_seen_ = false;
  bool idle_warned_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for deferred work on us
};

}  // namespace vtkstream::sink
