#include "web_service.h"

#include <json-glib/json-glib.h>

#include "idle_policy.h"
#include "shared_rate.h"
#include "sink_context.h"

GST_DEBUG_CATEGORY_STATIC(sink_service_debug);
#define GST_CAT_DEFAULT sink_service_debug

namespace vtkstream::sink {

WebService::WebService(const WebConfig& config, Parts parts, Events events)
    : config_(config), m_(parts), events_(std::move(events)), auth_(config.tokens),
      arbiter_(int64_t(config.control_idle_s) * 1000) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_service_debug, "vtkstreamsink", 0, "vtkstreamsink web service");
    g_once_init_leave(&once, 1);
  }
  info_.codec = m_.media->codec();
  info_.max_message_bytes = config.max_message_bytes;
  info_.ice_servers = config.browser_ice;
  info_.renderer_state = RendererStatus::kWaiting;
  info_.renderer_detail = "waiting for the video source";
  info_.width = m_.media->width();
  info_.height = m_.media->height();

  m_.input->start(current_context(), [alive = std::weak_ptr<bool>(alive_), this](
                                         const std::vector<EchoTracker::Echo>& e, std::optional<uint32_t> rtp,
                                         uint64_t pts) {
    if (alive.lock()) on_echoes(e, rtp, pts);
  });
  mjpeg_ = std::make_unique<MjpegStreams>([this] { mjpeg_first(); }, [this] { mjpeg_last(); });

  HttpServer::Routes routes;
  routes.web_root = config.web_root;
  routes.auth = &auth_;
  routes.max_message_bytes = config.max_message_bytes;
  routes.websocket = [this](SoupWebsocketConnection* ws, Role role) { add_peer(ws, role); };
  routes.mjpeg = [this](SoupServerMessage* msg, uint32_t peer) { return add_mjpeg_viewer(msg, peer); };
  routes.health = [this](bool full) { return health_json(full); };
  snapshot_ = std::make_unique<SnapshotServer>([media = m_.media](std::string* why) {
    return media->last_frame().sample(why);
  }, config.snapshot_timeout_s * GST_SECOND);
  routes.snapshot = [this](SoupServerMessage* msg) {
    if (snapshot_) snapshot_->serve(msg);
    else soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, nullptr);  // shutting down
  };
  setup_stills(routes);
  routes.metrics = [this] { return metrics_text(); };
  routes.whep.offer = [this](SoupServerMessage* msg, const std::string& sdp) { whep_offer(msg, sdp); };
  routes.whep.end = [this](const std::string& resource) { return whep_ && whep_->end(resource); };
  whep_ = make_whep();
  routes.timeouts = HttpTimeouts{config.http_header_timeout_s, config.http_idle_timeout_s};
  routes.rules = RequestRules{config.allowed_hosts, config.frame_ancestors};
  routes.tls = config.tls;
  http_ = std::make_unique<HttpServer>(std::move(routes));
  // A lower rung whose encoder failed: its viewers move to another rung now.
  m_.media->on_rung_failed([this](int rung) {
    for (auto& j : janus_) j->rung_failed(rung);
    rates_changed();
  });
}

WebService::~WebService() {
  m_.media->on_rung_failed(nullptr);
  m_.media->still_frame().set_listener(nullptr);
  *alive_ = false;
  shutdown(ByeCode::kShutdown, "server shutting down");
  m_.input->stop();
}

bool WebService::start(std::string* err) {
  if (!http_->listen(config_.address, config_.port, err)) return false;
  auth_.set_port(std::stoi(url().substr(url().rfind(':') + 1)));
  auth_.set_secure(config_.tls != nullptr);
  for (const JanusConfig& j : config_.janus) {
    janus_.push_back(JanusForwarder::start(j, {m_.sink, m_.media, config_.log_name}, err));
    if (!janus_.back()) return false;
  }
  tick_ = add_timeout(1000, [this] {
    tick();
    return true;
  });
  return true;
}

void WebService::shutdown(ByeCode code, const std::string& reason) {
  if (shutting_down_) return;
  shutting_down_ = true;
  cancel_source(tick_);
  std::vector<std::pair<uint32_t, Role>> gone;
  std::vector<SoupWebsocketConnection*> closing;  // our references
  for (auto& [id, peer] : peers_) {
    peer->say_bye(code, reason);
    gone.emplace_back(id, peer->role());
    closing.push_back(SOUP_WEBSOCKET_CONNECTION(g_object_ref(peer->websocket())));
  }
  peers_.clear();         // sends the close frames, removes branches
  whep_.reset();          // answers offers still waiting, removes the WHEP branches
  for (size_t i = 0; i < gone.size(); ++i)
    if (events_.viewer) events_.viewer(gone[i].first, gone[i].second, false, gone.size() - i - 1);
  finish_closing(closing);
  mjpeg_.reset();         // ends MJPEG responses
  mjpeg_branch_.reset();
  janus_.clear();
  snapshot_.reset();      // encodes still running answer nobody
  cancel_source(still_timer_);
  stills_.reset();
  exact_stills_.reset();
  http_.reset();
}

// The close handshakes need the context to run: the element stops it right after us, and a
// connection abandoned mid-handshake kept its socket open (the browser saw no close and the
// descriptor leaked; seen in SinkStates tests). A round trip is enough on any link a viewer can
// use; whatever has not finished within 1 s is closed hard.
void WebService::finish_closing(std::vector<SoupWebsocketConnection*>& closing) {
  auto all_closed = [&closing] {
    for (auto* ws : closing)
      if (soup_websocket_connection_get_state(ws) != SOUP_WEBSOCKET_STATE_CLOSED) return false;
    return true;
  };
  bool expired = false;
  GSource* deadline = add_timeout(1000, [&expired] {
    expired = true;
    return false;
  });
  while (!all_closed() && !expired) g_main_context_iteration(current_context(), TRUE);
  cancel_source(deadline);
  for (auto* ws : closing) {
    if (soup_websocket_connection_get_state(ws) != SOUP_WEBSOCKET_STATE_CLOSED)
      g_io_stream_close(soup_websocket_connection_get_io_stream(ws), nullptr, nullptr);
    g_object_unref(ws);
  }
  closing.clear();
}

std::string WebService::control_link() const {
  return auth_.enabled() ? url() + "?token=" + auth_.tokens().control : url();
}

std::string WebService::view_link() const {
  return auth_.enabled() && !auth_.tokens().view.empty() ? url() + "?token=" + auth_.tokens().view : "";
}

void WebService::add_peer(SoupWebsocketConnection* ws, Role role) {
  size_t view_peers = 0;
  for (const auto& [pid, p] : peers_) view_peers += p->role() == Role::kViewer;
  const size_t whep = whep_ ? whep_->count() : 0;  // WHEP viewers hold view-only slots
  const std::optional<std::string> full =
      refuse_peer(role, peers_.size() + whep, view_peers + whep, Slots{config_.max_peers, config_.owner_slots});
  if (shutting_down_ || full) {
    const int64_t now = g_get_monotonic_time();
    if (!shutting_down_ && now - last_refusal_log_us_ > 10 * G_USEC_PER_SEC) {  // a flood logs once per 10 s
      last_refusal_log_us_ = now;
      g_printerr("%s: refusing a %s peer: %s\n", config_.log_name.c_str(), role_name(role), full->c_str());
    }
    const ByeCode code = shutting_down_ ? ByeCode::kShutdown : ByeCode::kTooManyPeers;
    soup_websocket_connection_send_text(ws, bye_message(code, shutting_down_ ? "shutting down" : *full).c_str());
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, nullptr);
    return;
  }
  const uint32_t id = next_peer_++;
  ++peers_served_;
  info_.codec = m_.media->codec();  // pass-through input decides it at the first caps
  Peer::Env env;
  env.sink = m_.sink;
  env.media = m_.media;
  env.echo = &m_.input->echo();
  env.injector = m_.input;
  env.ws_hubs = ws_hubs_.get();
  env.info = &info_;
  env.ice = &config_.ice;
  env.role = role;
  env.max_input_rate = config_.max_input_rate;
  env.log_name = config_.log_name;
  env.input = [this](uint32_t peer, const InputRecord& r) { on_input(peer, r); };
  env.control = [this](uint32_t peer, const ControlRequest& c) { on_control(peer, c); };
  env.adaptive = config_.adaptive;
  env.rate_limits = config_.rate_limits;
  env.rate_changed = [this](uint32_t) { rates_changed(); };
  env.said_hello = [this](uint32_t peer) {
    update_still_wanted();  // a viewer showing stills: its first still is taken (before it hears more)
    if (auto it = peers_.find(peer); it != peers_.end()) it->second->send(arbiter_.message_for(peer));
  };
  env.closed = [this, alive = std::weak_ptr<bool>(alive_)](uint32_t peer) {
    // Not inside libsoup's "closed" emission: destroying the peer drops the connection.
    post_to(current_context(), [this, alive, peer] {
      if (auto a = alive.lock(); a && *a) remove_peer(peer);
    });
  };
  peers_.emplace(id, std::make_unique<Peer>(id, ws, std::move(env)));
  if (events_.viewer) events_.viewer(id, role, true, peers_.size());
  if (arbiter_.join(id, role, g_get_monotonic_time() / 1000)) broadcast_control();
}

void WebService::remove_peer(uint32_t id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  const Role role = it->second->role();
  if (mjpeg_) mjpeg_->end_peer(id);
  still_keys_.forget(id);
  peers_.erase(it);
  if (events_.viewer) events_.viewer(id, role, false, peers_.size());
  if (arbiter_.leave(id, g_get_monotonic_time() / 1000)) broadcast_control();
  else rates_changed();  // a lone remaining viewer now sets the encoder
}

bool WebService::add_mjpeg_viewer(SoupServerMessage* msg, uint32_t peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second->mjpeg() || !mjpeg_) return false;
  mjpeg_->add(msg, peer);
  m_.media->repeat_now();  // its first picture now, not at the idle renderer's next one
  return true;
}

void WebService::mjpeg_first() {
  std::string err;
  mjpeg_branch_ = MjpegBranch::create(
      m_.sink, *m_.media, *m_.input,
      [this, alive = std::weak_ptr<bool>(alive_)](GBytes* jpeg) {
        if (alive.lock() && mjpeg_) {
          m_.media->metrics().mjpeg_sent_bytes.add(g_bytes_get_size(jpeg) * mjpeg_->count());
          mjpeg_->broadcast(jpeg);
        }
      },
      [this](const std::string& why) {
        // E.g. no decoder for pass-through input: say so, end the responses, and let the next
        // MJPEG viewer try again.
        g_printerr("%s: MJPEG encoder failed: %s\n", config_.log_name.c_str(), why.c_str());
        mjpeg_branch_.reset();
        if (mjpeg_) mjpeg_->end_all();
      },
      &err);
  if (mjpeg_branch_) {
    GST_INFO("MJPEG encoder added");
    return;
  }
  g_printerr("%s: cannot add the MJPEG encoder: %s\n", config_.log_name.c_str(), err.c_str());
  // Nothing will come: end the responses now (not inside MjpegStreams::add, which called us)
  // rather than leave the viewers waiting forever.
  post_to(current_context(), [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.lock() && mjpeg_) mjpeg_->end_all();
  });
}

void WebService::mjpeg_last() {
  mjpeg_branch_.reset();
  GST_INFO("MJPEG encoder removed");
}

void WebService::broadcast_control() {
  for (auto& [id, peer] : peers_) peer->handler().set_controlling(arbiter_.controller() == id);
  // Peers that have not said hello yet get the state right after their welcome.
  for (auto& [id, peer] : peers_)
    if (peer->handler().state() != Handler::State::kAwaitHello) peer->send(arbiter_.message_for(id));
  if (events_.control) events_.control(arbiter_.controller());
  rates_changed();  // the encoder follows the new controller's estimate
}

void WebService::rates_changed() {
  if (!rungs_) rungs_ = std::make_unique<RungPlanner>(config_.rate_limits.max_kbps);
  rungs_->apply(peers_, arbiter_.controller(), *m_.media, g_get_monotonic_time());
  send_interactive_cap();
  update_still_wanted();
}

// The controller's rung bounds the render size while it interacts (adapt/interactive_cap.h).
void WebService::send_interactive_cap() {
  const auto c = arbiter_.controller();
  const adapt::CapSize want =
      adapt::interactive_cap(m_.media->ladder(config_.rate_limits.max_kbps), c ? rungs_->rung_of(*c) : -1);
  const auto due = render_cap_.due(want);
  if (!due) return;
  GstPad* pad = gst_element_get_static_pad(GST_ELEMENT(m_.sink), "sink");
  const bool ok = pad && gst_pad_push_event(pad, contract::interactive_cap_event(due->width, due->height));
  if (pad) gst_object_unref(pad);
  GST_INFO("interactive size cap %ux%u%s", due->width, due->height, ok ? "" : " (the source ignored it)");
  render_cap_.sent(*due);
}

void WebService::on_input(uint32_t peer, const InputRecord& r) {
  const auto res = arbiter_.on_input(peer, r.kind, g_get_monotonic_time() / 1000);
  if (res.changed) broadcast_control();
  const auto kind = static_cast<size_t>(r.kind);
  SinkMetrics& metrics = m_.media->metrics();
  if (kind < SinkMetrics::kInputKinds)
    (res.verdict == ControlArbiter::Verdict::kForward ? metrics.input_forwarded : metrics.input_dropped)[kind].add();
  if (res.verdict == ControlArbiter::Verdict::kForward) {
    last_input_us_ = g_get_monotonic_time();  // a still older than this is not encoded
    m_.input->inject(peer, r, m_.media->width(), m_.media->height());
    return;
  }
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  it->second->log_limit_once("control", "input dropped: not in control");
  if (res.verdict == ControlArbiter::Verdict::kDropWithError) {
    const auto c = arbiter_.controller();
    it->second->send(error_message(
        {ErrorCode::kForbidden, std::string("input ignored: ") +
                                    (c ? "peer " + std::to_string(*c) + " is in control" : "nobody is in control") +
                                    (it->second->role() == Role::kOwner ? "; send take" : "; send request")}));
  }
}

void WebService::on_control(uint32_t peer, const ControlRequest& req) {
  const auto res = arbiter_.on_control(peer, req, g_get_monotonic_time() / 1000);
  if (res.error)
    if (auto it = peers_.find(peer); it != peers_.end()) it->second->send(error_message(*res.error));
  if (res.changed) {
    const auto c = arbiter_.controller();
    GST_INFO("control: %s", c ? std::to_string(*c).c_str() : "nobody");
    broadcast_control();
  }
}

void WebService::on_echoes(const std::vector<EchoTracker::Echo>& echoes, std::optional<uint32_t> rtp, uint64_t pts) {
  for (const auto& e : echoes)
    if (auto it = peers_.find(e.peer); it != peers_.end()) it->second->frame_echo(e.client_seq, rtp, pts);
}

void WebService::tick() {
  const int64_t now = g_get_monotonic_time();
  m_.media->metrics().tick(now);
  if (whep_) whep_->tick(now);
  if (arbiter_.tick(now / 1000)) broadcast_control();
  for (auto& [id, peer] : peers_) {
    if (config_.handshake_timeout_s > 0 && peer->handler().state() == Handler::State::kAwaitHello &&
        now - peer->opened_us() >= int64_t(config_.handshake_timeout_s) * G_USEC_PER_SEC)
      peer->close(ByeCode::kHandshakeTimeout,
                  "no hello within " + std::to_string(config_.handshake_timeout_s) + " s (--handshake-timeout)");
    else if (const IdleStep idle = idle_step(config_.idle_timeout_s, now - peer->last_activity_us(), peer->idle_warned());
             idle.kind == IdleStep::Kind::kClose)
      peer->close(ByeCode::kIdle, "idle for " + std::to_string(config_.idle_timeout_s) + " s (--idle-timeout)");
    else if (idle.kind == IdleStep::Kind::kWarn && peer->handler().state() != Handler::State::kAwaitHello)
      peer->warn_idle(idle.seconds_left);
    peer->rate_tick();
  }
  rates_changed();  // a rung move up waits for a held estimate, which needs time to pass
}

void WebService::set_renderer_state(RendererStatus state, const std::string& detail) {
  if (state == info_.renderer_state && detail == info_.renderer_detail) return;
  info_.renderer_state = state;
  info_.renderer_detail = detail;
  if (events_.renderer) events_.renderer(state, detail);
  for (auto& [id, peer] : peers_) peer->renderer_changed(state, detail);
}

void WebService::on_size(int width, int height) {
  info_.width = width;
  info_.height = height;
  for (auto& [id, peer] : peers_) peer->media_ready();
  for (auto& j : janus_) j->media_changed();  // lower rungs exist from the first caps on
  // "running" promises pictures and a size for input: it waits for the caps of a first attach.
  // A source that is not vtksrc (videotestsrc, a camera) sends no notices: its caps are enough.
  if (!notices_) set_renderer_state(RendererStatus::kRunning, "video source running");
  else if (attached_ && info_.renderer_state != RendererStatus::kRunning)
    set_renderer_state(RendererStatus::kRunning, "renderer attached (shm " + shm_name_ + ")");
}

void WebService::on_renderer_notice(const contract::RendererNotice& n) {
  using S = contract::RendererState;
  notices_ = true;
  if (!n.shm_name.empty()) shm_name_ = n.shm_name;
  const std::string shm = " (shm " + shm_name_ + ")";
  switch (n.state) {
    case S::kAttached:
      attached_ = true;
      if (info_.width > 0 && info_.height > 0) set_renderer_state(RendererStatus::kRunning, "renderer attached" + shm);
      break;
    case S::kLost:
      attached_ = false;
      m_.media->metrics().renderer_lost.add();
      if (n.reason == contract::kLostDamaged)  // the renderer republishes by itself
        set_renderer_state(RendererStatus::kWaiting, "the renderer's shared memory was damaged; waiting for a new one" + shm);
      else if (config_.renderer_supervised)
        set_renderer_state(RendererStatus::kRestarting, "renderer stopped; restarting it");
      else
        set_renderer_state(RendererStatus::kWaiting, "renderer stopped; waiting for it" + shm);
      break;
    case S::kRestarting:
      attached_ = false;
      ++restarts_;
      m_.media->metrics().renderer_restarts.add();
      set_renderer_state(RendererStatus::kRestarting, n.detail.empty() ? "renderer restarting" : n.detail);
      break;
    case S::kWaiting:
      attached_ = false;
      // A supervisor's "restarting" says more than the source's "waiting" that follows it.
      if (info_.renderer_state != RendererStatus::kRestarting)
        set_renderer_state(RendererStatus::kWaiting, n.detail.empty() ? "waiting for the renderer" + shm : n.detail);
      break;
  }
}

std::string WebService::health_json(bool full) const {
  if (!full) return R"({"status":"ok"})";
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "status");
  json_builder_add_string_value(b, "ok");
  json_builder_set_member_name(b, "renderer");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, renderer_status_name(info_.renderer_state));
  json_builder_set_member_name(b, "detail");
  json_builder_add_string_value(b, info_.renderer_detail.c_str());
  json_builder_set_member_name(b, "supervised");
  json_builder_add_boolean_value(b, config_.renderer_supervised);
  json_builder_set_member_name(b, "restarts");
  json_builder_add_int_value(b, restarts_);
  json_builder_end_object(b);
  int webrtc = 0, mjpeg = 0;
  for (const auto& [id, p] : peers_) {
    webrtc += p->webrtc();
    mjpeg += p->mjpeg();
  }
  json_builder_set_member_name(b, "peers");
  json_builder_add_int_value(b, static_cast<gint64>(peers_.size()));
  json_builder_set_member_name(b, "webrtc_peers");
  json_builder_add_int_value(b, webrtc);
  json_builder_set_member_name(b, "mjpeg_peers");
  json_builder_add_int_value(b, mjpeg);
  json_builder_set_member_name(b, "whep_peers");
  json_builder_add_int_value(b, whep_ ? static_cast<gint64>(whep_->count()) : 0);
  json_builder_set_member_name(b, "mjpeg_streams");
  json_builder_add_int_value(b, mjpeg_ ? static_cast<gint64>(mjpeg_->count()) : 0);
  json_builder_set_member_name(b, "peers_served");
  json_builder_add_int_value(b, static_cast<gint64>(peers_served_));
  json_builder_set_member_name(b, "codec");
  json_builder_add_string_value(b, codec_name(m_.media->codec()));
  json_builder_set_member_name(b, "width");
  json_builder_add_int_value(b, info_.width);
  json_builder_set_member_name(b, "height");
  json_builder_add_int_value(b, info_.height);
  add_rate_health(b, peers_, arbiter_.controller(), *m_.media);
  json_builder_end_object(b);
  JsonNode* root = json_builder_get_root(b);
  gchar* s = json_to_string(root, FALSE);
  std::string out(s);
  g_free(s);
  json_node_unref(root);
  g_object_unref(b);
  return out;
}

}  // namespace vtkstream::sink
