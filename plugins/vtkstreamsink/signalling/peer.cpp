#include "peer.h"

#include <gst/gst.h>

#include <algorithm>

#include "media.h"
#include "sink_context.h"
#include "ws_upgrade.h"

GST_DEBUG_CATEGORY_STATIC(sink_peer_debug);
#define GST_CAT_DEFAULT sink_peer_debug

namespace vtkstream::sink {

Peer::Peer(uint32_t id, SoupWebsocketConnection* ws, Env env)
    : id_(id), ws_(SOUP_WEBSOCKET_CONNECTION(g_object_ref(ws))), env_(std::move(env)),
      handler_(id, env_.info), limiter_(env_.max_input_rate),
      opened_us_(g_get_monotonic_time()), last_activity_us_(opened_us_) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_peer_debug, "vtkstreamsink-peer", 0, "vtkstreamsink signalling");
    g_once_init_leave(&once, 1);
  }
  // A message above the protocol's limit, whole or in fragments, closes the socket (1009) before
  // reaching us (ws_upgrade.h); we only log it.
  on_message_too_big(ws_, [this](uint64_t total) {
    log_limit_once("size", "a message reached " + std::to_string(total) + " bytes, over --max-message-bytes " +
                               std::to_string(env_.info->max_message_bytes) + "; closing (1009)");
  });
  // Browsers and tunnels drop idle sockets; a ping every 20 s keeps the signalling path alive.
  soup_websocket_connection_set_keepalive_interval(ws_, 20);
  message_id_ = g_signal_connect(ws_, "message",
                                 G_CALLBACK(+[](SoupWebsocketConnection*, gint type, GBytes* msg, gpointer d) {
                                   auto* self = static_cast<Peer*>(d);
                                   gsize n = 0;
                                   const char* p = static_cast<const char*>(g_bytes_get_data(msg, &n));
                                   if (type != SOUP_WEBSOCKET_DATA_TEXT) {
                                     self->on_binary(reinterpret_cast<const uint8_t*>(p), n);
                                     return;
                                   }
                                   self->perform(self->handler_.on_text(std::string_view(p ? p : "", n)));
                                 }),
                                 this);
  // "closed" is emitted once, also after an error; the server destroys us from an idle
  // callback, never inside libsoup's emission.
  closed_id_ = g_signal_connect(ws_, "closed", G_CALLBACK(+[](SoupWebsocketConnection*, gpointer d) {
                                  auto* self = static_cast<Peer*>(d);
                                  self->env_.closed(self->id_);
                                }),
                                this);
  // A tab vanishing mid-write (broken pipe) is routine and stays at info level.
  error_id_ = g_signal_connect(ws_, "error", G_CALLBACK(+[](SoupWebsocketConnection*, GError* e, gpointer d) {
                                 auto* self = static_cast<Peer*>(d);
                                 GST_INFO("peer %u: WebSocket error: %s", self->id_, e ? e->message : "?");
                               }),
                               this);
  env_.echo->set_transport(id_, Transport::kWebRtc);
  GST_INFO("peer %u: connected (%s)", id_, role_name(env_.role));
}

Peer::~Peer() {
  cancel_source(flush_source_);
  cancel_source(ws_start_source_);
  cancel_source(pin_source_);
  stop_ws_video();
  stop_webrtc();
  env_.echo->remove_peer(id_);
  g_signal_handler_disconnect(ws_, message_id_);
  g_signal_handler_disconnect(ws_, closed_id_);
  g_signal_handler_disconnect(ws_, error_id_);
  on_message_too_big(ws_, nullptr);
  if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
  g_object_unref(ws_);
  GST_INFO("peer %u: gone", id_);
}

void Peer::send(const std::string& text) {
  if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(ws_, text.c_str());
}

void Peer::perform(Actions actions) {
  for (Action& a : actions) {
    if (auto* s = std::get_if<action::Send>(&a)) {
      send(s->text);
    } else if (auto* w = std::get_if<action::StartWebRtc>(&a)) {
      start_webrtc(w->codec);
    } else if (auto* ans = std::get_if<action::ApplyAnswer>(&a)) {
      if (session_) session_->apply_answer(ans->sdp);
    } else if (auto* c = std::get_if<action::AddRemoteCandidate>(&a)) {
      if (session_) session_->add_remote_candidate(c->mline, c->candidate);
    } else if (std::get_if<action::StopWebRtc>(&a)) {
      stop_webrtc();
    } else if (auto* wv = std::get_if<action::StartWsVideo>(&a)) {
      want_ws_video(true, wv->codec);
    } else if (std::get_if<action::StopWsVideo>(&a)) {
      want_ws_video(false, {});
    } else if (std::get_if<action::StartMjpeg>(&a)) {
      env_.echo->set_transport(id_, Transport::kMjpeg);
    } else if (auto* in = std::get_if<action::Inject>(&a)) {
      note_activity();
      const int64_t now = last_activity_us_;
      InputLimiter::Out out = limiter_.offer(in->record, now);
      for (const InputRecord& r : out.forward) forward_input(r);
      if (out.dropped) {
        log_limit_once("rate", "input above --max-input-rate " + std::to_string(int(env_.max_input_rate)) +
                                   "/s; presses, wheel and keys over the rate are dropped");
        if (now - last_rate_error_us_ >= 2 * G_USEC_PER_SEC) {  // one error per burst
          last_rate_error_us_ = now;
          send(error_message({ErrorCode::kRateLimited, "more than " + std::to_string(int(env_.max_input_rate)) +
                                                           " input events per second; some were dropped"}));
        }
      }
      schedule_flush(now);
    } else if (auto* st = std::get_if<action::Stats>(&a)) {
      if (rate_ && session_) {
        const int64_t now = g_get_monotonic_time();
        if (stats_pacer_.offer(now)) {
          rate_->on_page(st->stats, *session_, [this] { estimate_changed(); });
        } else if (now - last_stats_error_us_ >= 2 * G_USEC_PER_SEC) {  // one error per burst
          last_stats_error_us_ = now;
          send(error_message({ErrorCode::kRateLimited, "stats: more than " +
                                                           std::to_string(int(adapt::ReportPacer::kPerSecond)) +
                                                           " reports per second; the extra ones are ignored"}));
        }
      }
    } else if (auto* q = std::get_if<action::Quality>(&a)) {
      const int64_t now = g_get_monotonic_time();
      if (pin_pacer_.offer(q->request.rung, now)) apply_pin(q->request.rung);
      else if (!pin_source_)
        pin_source_ = add_timeout(static_cast<guint>((pin_pacer_.due_us() - now) / 1000 + 1), [this] {
          cancel_source(pin_source_);
          apply_pin(pin_pacer_.take(g_get_monotonic_time()));
          return false;
        });
    } else if (auto* c = std::get_if<action::Control>(&a)) {
      note_activity();
      if (env_.control) env_.control(id_, c->request);
    } else if (std::get_if<action::Stay>(&a)) {
      note_activity();
    }
  }
  if (!hello_seen_ && handler_.state() != Handler::State::kAwaitHello) {
    hello_seen_ = true;
    if (env_.said_hello) env_.said_hello(id_);
  }
}

void Peer::apply_pin(std::optional<int> rung) {
  pinned_rung_ = rung;
  GST_INFO("peer %u: quality %s", id_, rung ? std::to_string(*rung).c_str() : "auto");
  if (env_.rate_changed) env_.rate_changed(id_);  // the rung policy runs now
}

void Peer::note_activity() {
  last_activity_us_ = g_get_monotonic_time();
  idle_warned_ = false;
}

void Peer::warn_idle(int seconds_left) {
  idle_warned_ = true;
  send(idle_warning_message(seconds_left));
}

void Peer::forward_input(const InputRecord& r) {
  GST_LOG("peer %u: input %s s=%" G_GUINT64_FORMAT, id_, input_kind_name(r.kind), static_cast<guint64>(r.seq));
  if (env_.input) env_.input(id_, r);
}

void Peer::flush_waiting_input() {
  const int64_t now = g_get_monotonic_time();
  for (const InputRecord& r : limiter_.take_due(now)) forward_input(r);
  schedule_flush(now);
}

// Input held back by the rate limiter goes out when its token is due.
void Peer::schedule_flush(int64_t now) {
  if (limiter_.has_waiting() && !flush_source_) {
    const guint ms = static_cast<guint>(std::max<int64_t>(1, limiter_.next_token_in_us(now) / 1000));
    flush_source_ = add_timeout(ms, [this] {
      cancel_source(flush_source_);
      flush_waiting_input();
      return false;
    });
  }
}

void Peer::log_limit_once(const std::string& kind, const std::string& detail) {
  if (std::find(limits_logged_.begin(), limits_logged_.end(), kind) != limits_logged_.end()) return;
  limits_logged_.push_back(kind);
  g_printerr("%s: peer %u: %s\n", env_.log_name.c_str(), id_, detail.c_str());
}

void Peer::close(ByeCode code, const std::string& reason) {
  log_limit_once("close", "closing: " + reason);
  say_bye(code, reason);
  if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason.substr(0, 100).c_str());
}

void Peer::start_webrtc(Codec codec) {
  WebRtcBranch::Callbacks cb;
  cb.offer = [this](const std::string& sdp) { perform(handler_.on_offer(sdp)); };
  cb.candidate = [this](unsigned m, const std::string& c) { perform(handler_.on_local_candidate(m, c)); };
  cb.channel_text = [this](const std::string& t) { perform(handler_.on_channel_text(t)); };
  cb.failed = [this](const std::string& why) {
    GST_INFO("peer %u: WebRTC failed: %s", id_, why.c_str());
    // Not inside the session's own callback: perform() may destroy the session.
    post_to(current_context(), [alive = std::weak_ptr<bool>(alive_), this, why] {
      if (alive.lock()) perform(handler_.on_webrtc_failed(why));
    });
  };
  cb.answer_rejected = [this](const std::string& why) { perform(handler_.on_answer_rejected(why)); };
  std::string err;
  session_ = WebRtcBranch::create(env_.sink, *env_.media, id_, codec, *env_.ice, std::move(cb), &err);
  if (!session_) {
    GST_WARNING("peer %u: %s", id_, err.c_str());
    perform(handler_.on_webrtc_failed(err));
    return;
  }
  if (env_.adaptive && !rate_) rate_ = std::make_unique<ViewerRate>(id_, env_.rate_limits);
}

void Peer::stop_webrtc() {
  if (!ws_on_) rate_.reset();  // WebSocket video keeps its controller
  session_.reset();
}

void Peer::rate_tick() {
  if (rate_ && (session_ || ws_on_))
    rate_->tick(session_.get(), [this] { estimate_changed(); });
}

void Peer::estimate_changed() {
  if (rate_ && session_) session_->set_estimate_kbps(rate_->target_kbps());
  if (env_.rate_changed) env_.rate_changed(id_);
}

void Peer::frame_echo(uint64_t seq, std::optional<uint32_t> rtp, uint64_t pts) {
  const std::string msg = frame_message(seq, rtp, pts);
  GST_LOG("peer %u: frame echo s=%" G_GUINT64_FORMAT, id_, static_cast<guint64>(seq));
  // WebRTC peers hear it on the data channel, next to their input; MJPEG peers on the socket.
  if (session_ && session_->send_channel_text(msg)) return;
  send(msg);
}

void Peer::renderer_changed(RendererStatus state, const std::string& detail) {
  perform(handler_.on_renderer(state, detail));
}

void Peer::webrtc_failed(const std::string& why) { perform(handler_.on_webrtc_failed(why)); }

void Peer::say_bye(ByeCode code, const std::string& reason) { send(bye_message(code, reason)); }

}  // namespace vtkstream::sink
