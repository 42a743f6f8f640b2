// The web service's WHEP viewers and /metrics: kept apart from web_service.cpp, which is the
// WebSocket peers' home.
#include <libsoup/soup.h>

#include <algorithm>

#include "sink_context.h"
#include "sink_families.h"
#include "web_service.h"
#include "whep_routes.h"

namespace vtkstream::sink {

std::unique_ptr<WhepSessions> WebService::make_whep() {
  WhepSessions::Env env;
  env.sink = m_.sink;
  env.media = m_.media;
  env.ice = &config_.ice;
  env.admit = [this](std::string* why) { return admit_whep(why); };
  env.changed = [this](uint32_t peer, bool joined) {
    if (events_.viewer) events_.viewer(peer, Role::kViewer, joined, peer_count());
  };
  // As long as a WebSocket peer may take to say hello: a viewer that cannot connect by then won't.
  env.connect_timeout_s = config_.handshake_timeout_s > 0 ? std::max(config_.handshake_timeout_s, 15) : 0;
  env.log_name = config_.log_name;
  return std::make_unique<WhepSessions>(std::move(env));
}

std::optional<uint32_t> WebService::admit_whep(std::string* why) {
  if (shutting_down_) {
    *why = "the server is shutting down";
    return std::nullopt;
  }
  size_t view_peers = 0;
  for (const auto& [pid, p] : peers_) view_peers += p->role() == Role::kViewer;
  const size_t whep = whep_ ? whep_->count() : 0;
  if (auto full = refuse_peer(Role::kViewer, peers_.size() + whep, view_peers + whep,
                              Slots{config_.max_peers, config_.owner_slots})) {
    *why = *full;
    return std::nullopt;
  }
  return next_peer_++;
}

namespace {

// An offer whose HTTP request is paused until the answer (with candidates) is ready.
struct PendingOffer {
  SoupServerMessage* msg;  // our reference
  gulong disconnected = 0;
  bool gone = false;  // the client hung up before the answer
};

}  // namespace

void WebService::whep_offer(SoupServerMessage* msg, const std::string& sdp) {
  auto pending = std::make_shared<PendingOffer>();
  pending->msg = SOUP_SERVER_MESSAGE(g_object_ref(msg));
  pending->disconnected = g_signal_connect(msg, "disconnected", G_CALLBACK(+[](SoupServerMessage*, gpointer d) {
                                             static_cast<PendingOffer*>(d)->gone = true;
                                           }),
                                           pending.get());
  soup_server_message_pause(msg);
  std::weak_ptr<bool> alive = alive_;
  whep_->offer(sdp, [this, pending, alive](const WhepSessions::Reply& r) {
    g_signal_handler_disconnect(pending->msg, pending->disconnected);
    if (pending->gone) {
      // Nobody will learn the resource: end the session at once (not inside WhepSessions' call).
      if (r.status == SOUP_STATUS_CREATED)
        post_to(current_context(), [this, alive, res = r.resource] {
          if (alive.lock() && whep_) whep_->abandon(res);
        });
    } else {
      whep_reply(pending->msg, r.status, r.body, r.resource);
      soup_server_message_unpause(pending->msg);
    }
    g_object_unref(pending->msg);
  });
}

std::string WebService::metrics_text() const {
  ScrapeState s;
  for (const auto& [id, p] : peers_) {
    // WebSocket video counts first: while a page moves to WebRTC, it is what the page shows.
    const char* transport = p->ws_video() ? "ws" : p->webrtc() ? "webrtc" : p->mjpeg() ? "mjpeg" : "none";
    ++s.peers[{transport, role_name(p->role())}];
    s.ws_in_flight_bytes += p->ws_in_flight_bytes();
  }
  if (whep_) s.peers[{"whep", "viewer"}] = whep_->count();
  s.peers_served = peers_served_;
  s.renderer_running = info_.renderer_state == RendererStatus::kRunning;
  s.width = info_.width;
  s.height = info_.height;
  std::vector<MetricFamily> families = sink_families(m_.media->metrics(), s);
  if (!janus_.empty())
    for (auto& f : JanusForwarder::families(janus_)) families.push_back(std::move(f));
  return format_exposition(families);
}

}  // namespace vtkstream::sink
