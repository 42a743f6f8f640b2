#include "server.h"

#include <json-glib/json-glib.h>

#include "main_context.h"

GST_DEBUG_CATEGORY_STATIC(serve_server_debug);
#define GST_CAT_DEFAULT serve_server_debug

namespace vtkstream::serve {

std::unique_ptr<Server> Server::create(const ServerConfig& config, std::string* err) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(serve_server_debug, "vtkserve", 0, "vtkstream-serve");
    g_once_init_leave(&once, 1);
  }
  std::unique_ptr<Server> s(new Server(config));
  s->info_.codec = config.media.codec;
  s->info_.max_message_bytes = config.max_message_bytes;
  s->info_.ice_servers = config.browser_ice;
  s->info_.renderer_state = "waiting";
  s->info_.renderer_detail = "waiting for the renderer (shm " + config.media.shm_name + ")";

  Server* self = s.get();
  MediaFactory::Callbacks cb;
  cb.renderer = [self](const std::string& st) { self->on_vtksrc_state(st); };
  cb.size = [self](int w, int h) {
    self->info_.width = w;
    self->info_.height = h;
    if (self->running_when_sized_) {
      self->running_when_sized_ = false;
      self->set_renderer_state("running", "renderer attached (shm " + self->config_.media.shm_name + ")");
    }
  };
  cb.echoes = [self](const std::vector<EchoTracker::Echo>& echoes, std::optional<uint32_t> rtp, uint64_t pts) {
    for (const auto& e : echoes)
      if (auto it = self->peers_.find(e.peer); it != self->peers_.end())
        it->second->frame_echo(e.client_seq, rtp, pts);
  };
  cb.jpeg = [self](GBytes* jpeg) {
    if (self->mjpeg_) self->mjpeg_->broadcast(jpeg);
  };
  cb.error = [self](std::optional<uint32_t> peer, const std::string& message) {
    if (peer) {
      GST_WARNING("peer %u: pipeline error: %s", *peer, message.c_str());
      if (auto it = self->peers_.find(*peer); it != self->peers_.end()) it->second->webrtc_failed(message);
      return;
    }
    if (self->on_fatal) self->on_fatal(message);
  };
  s->media_ = MediaFactory::create(config.media, std::move(cb), err);
  if (!s->media_) return nullptr;

  s->mjpeg_ = std::make_unique<MjpegStreams>([self] { self->media_->mjpeg_add_viewer(); },
                                             [self] { self->media_->mjpeg_remove_viewer(); });

  HttpServer::Routes routes;
  routes.web_root = config.web_root;
  routes.auth = &s->auth_;
  routes.websocket = [self](SoupWebsocketConnection* ws, Role role) { self->add_peer(ws, role); };
  routes.mjpeg = [self](SoupServerMessage* msg, uint32_t peer) { return self->add_mjpeg_viewer(msg, peer); };
  routes.health = [self](bool full) { return self->health_json(full); };
  s->http_ = std::make_unique<HttpServer>(std::move(routes));

  if (!config.renderer.empty())
    s->supervisor_ = std::make_unique<Supervisor>(
        config.renderer, [self](const std::string& st, const std::string& d) { self->on_supervisor_state(st, d); });
  return s;
}

Server::~Server() {
  *alive_ = false;
  shutdown("server shutting down");
}

bool Server::start(std::string* err) {
  if (!http_->listen(config_.bind, config_.port, err)) return false;
  auth_.set_port(std::stoi(url().substr(url().rfind(':') + 1)));
  tick_source_ = g_timeout_add_seconds(1, [](gpointer d) -> gboolean {
    static_cast<Server*>(d)->tick();
    return G_SOURCE_CONTINUE;
  }, this);
  if (!media_->play(err)) return false;
  if (supervisor_ && !supervisor_->start(err)) return false;
  return true;
}

void Server::shutdown(const std::string& reason) {
  if (shutting_down_) return;
  shutting_down_ = true;
  if (tick_source_) g_source_remove(tick_source_);
  tick_source_ = 0;
  for (auto& [id, peer] : peers_) peer->say_bye(reason);
  peers_.clear();   // closes sockets, removes branches
  mjpeg_.reset();   // ends MJPEG responses
  if (supervisor_) supervisor_->stop();
  if (media_) media_->stop();
  http_.reset();
}

std::string Server::control_link() const {
  return auth_.enabled() ? url() + "?token=" + auth_.tokens().control : url();
}

std::string Server::view_link() const {
  return auth_.enabled() && !auth_.tokens().view.empty() ? url() + "?token=" + auth_.tokens().view : "";
}

void Server::add_peer(SoupWebsocketConnection* ws, Role role) {
  if (shutting_down_ || peers_.size() >= config_.max_peers) {
    const int64_t now = g_get_monotonic_time();
    if (!shutting_down_ && now - last_refusal_log_us_ > 10 * G_USEC_PER_SEC) {  // a flood logs once per 10 s
      last_refusal_log_us_ = now;
      g_printerr("vtkstream-serve: refusing a peer: --max-peers %zu reached\n", config_.max_peers);
    }
    soup_websocket_connection_send_text(ws, bye_message(shutting_down_ ? "shutting down" : "too many peers").c_str());
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, nullptr);
    return;
  }
  const uint32_t id = next_peer_++;
  ++peers_served_;
  Peer::Env env;
  env.media = media_.get();
  env.info = &info_;
  env.ice = &config_.ice;
  env.role = role;
  env.max_input_rate = config_.max_input_rate;
  env.input = [this](uint32_t peer, const InputRecord& r) { on_input(peer, r); };
  env.control = [this](uint32_t peer, const ControlRequest& c) { on_control(peer, c); };
  env.said_hello = [this](uint32_t peer) {
    if (auto it = peers_.find(peer); it != peers_.end()) it->second->send(arbiter_.message_for(peer));
  };
  env.closed = [this, alive = std::weak_ptr<bool>(alive_)](uint32_t peer) {
    // Not inside libsoup's "closed" emission: destroying the peer drops the connection.
    post_to_main([this, alive, peer] {
      if (auto a = alive.lock(); a && *a) remove_peer(peer);
    });
  };
  peers_.emplace(id, std::make_unique<Peer>(id, ws, std::move(env)));
  if (arbiter_.join(id, role, g_get_monotonic_time() / 1000)) broadcast_control();
}

void Server::remove_peer(uint32_t id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  if (mjpeg_) mjpeg_->end_peer(id);
  peers_.erase(it);
  if (arbiter_.leave(id, g_get_monotonic_time() / 1000)) broadcast_control();
}

bool Server::add_mjpeg_viewer(SoupServerMessage* msg, uint32_t peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second->mjpeg() || !mjpeg_) return false;
  mjpeg_->add(msg, peer);
  return true;
}

void Server::update_controlling() {
  for (auto& [id, peer] : peers_) peer->handler().set_controlling(arbiter_.controller() == id);
}

void Server::broadcast_control() {
  update_controlling();
  // Peers that have not said hello yet get the state right after their welcome.
  for (auto& [id, peer] : peers_)
    if (peer->handler().state() != Handler::State::kAwaitHello) peer->send(arbiter_.message_for(id));
}

void Server::on_input(uint32_t peer, const InputRecord& r) {
  const auto res = arbiter_.on_input(peer, r.kind, g_get_monotonic_time() / 1000);
  if (res.changed) broadcast_control();
  if (res.verdict == ControlArbiter::Verdict::kForward) {
    media_->inject(peer, r);
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

void Server::on_control(uint32_t peer, const ControlRequest& req) {
  const auto res = arbiter_.on_control(peer, req, g_get_monotonic_time() / 1000);
  if (res.error)
    if (auto it = peers_.find(peer); it != peers_.end()) it->second->send(error_message(*res.error));
  if (res.changed) {
    const auto c = arbiter_.controller();
    GST_INFO("control: %s", c ? std::to_string(*c).c_str() : "nobody");
    broadcast_control();
  }
}

void Server::tick() {
  const int64_t now = g_get_monotonic_time();
  if (arbiter_.tick(now / 1000)) broadcast_control();
  for (auto& [id, peer] : peers_) {
    if (config_.handshake_timeout_s > 0 && peer->handler().state() == Handler::State::kAwaitHello &&
        now - peer->opened_us() >= int64_t(config_.handshake_timeout_s) * G_USEC_PER_SEC)
      peer->close("no hello within " + std::to_string(config_.handshake_timeout_s) + " s (--handshake-timeout)");
    else if (config_.idle_timeout_s > 0 &&
             now - peer->last_activity_us() >= int64_t(config_.idle_timeout_s) * G_USEC_PER_SEC)
      peer->close("idle for " + std::to_string(config_.idle_timeout_s) + " s (--idle-timeout)");
  }
}

void Server::set_renderer_state(const std::string& state, const std::string& detail) {
  if (state == info_.renderer_state && detail == info_.renderer_detail) return;
  info_.renderer_state = state;
  info_.renderer_detail = detail;
  g_printerr("vtkstream-serve: renderer %s: %s\n", state.c_str(), detail.c_str());
  for (auto& [id, peer] : peers_) peer->renderer_changed(state, detail);
}

void Server::on_vtksrc_state(const std::string& st) {
  const std::string& shm = config_.media.shm_name;
  running_when_sized_ = false;
  if (st == "attached") {
    // "running" promises pictures and a size for input: wait for the caps of a first attach.
    if (media_->has_caps())
      set_renderer_state("running", "renderer attached (shm " + shm + ")");
    else
      running_when_sized_ = true;
  } else if (st == "lost")
    set_renderer_state(supervisor_ ? "restarting" : "waiting",
                       "renderer stopped" + std::string(supervisor_ ? "; restarting it" : "; waiting for it (shm " + shm + ")"));
  else if (st == "waiting" && info_.renderer_state != "restarting")
    set_renderer_state("waiting", "waiting for the renderer (shm " + shm + ")");
}

void Server::on_supervisor_state(const std::string& st, const std::string& detail) {
  if (st == "restarting")
    set_renderer_state("restarting", detail);
  else if (st == "failed")
    set_renderer_state("waiting", detail);
  // "starting": the renderer announces itself through vtksrc once it publishes.
}

std::string Server::health_json(bool full) const {
  if (!full) return R"({"status":"ok"})";
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "status");
  json_builder_add_string_value(b, "ok");
  json_builder_set_member_name(b, "renderer");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, info_.renderer_state.c_str());
  json_builder_set_member_name(b, "detail");
  json_builder_add_string_value(b, info_.renderer_detail.c_str());
  json_builder_set_member_name(b, "supervised");
  json_builder_add_boolean_value(b, supervisor_ != nullptr);
  json_builder_set_member_name(b, "restarts");
  json_builder_add_int_value(b, supervisor_ ? supervisor_->restarts() : 0);
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
  json_builder_set_member_name(b, "mjpeg_streams");
  json_builder_add_int_value(b, mjpeg_ ? static_cast<gint64>(mjpeg_->count()) : 0);
  json_builder_set_member_name(b, "peers_served");
  json_builder_add_int_value(b, static_cast<gint64>(peers_served_));
  json_builder_set_member_name(b, "codec");
  json_builder_add_string_value(b, codec_name(info_.codec));
  json_builder_set_member_name(b, "width");
  json_builder_add_int_value(b, info_.width);
  json_builder_set_member_name(b, "height");
  json_builder_add_int_value(b, info_.height);
  json_builder_end_object(b);
  JsonNode* root = json_builder_get_root(b);
  gchar* s = json_to_string(root, FALSE);
  std::string out(s);
  g_free(s);
  json_node_unref(root);
  g_object_unref(b);
  return out;
}

}  // namespace vtkstream::serve
