#include "peer.h"

#include <gst/gst.h>

#include "main_context.h"
#include "media_factory.h"

GST_DEBUG_CATEGORY_STATIC(serve_peer_debug);
#define GST_CAT_DEFAULT serve_peer_debug

namespace vtkstream::serve {

Peer::Peer(uint32_t id, SoupWebsocketConnection* ws, Env env)
    : id_(id), ws_(SOUP_WEBSOCKET_CONNECTION(g_object_ref(ws))), env_(std::move(env)),
      handler_(id, env_.info) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(serve_peer_debug, "vtkserve-peer", 0, "vtkstream-serve signalling");
    g_once_init_leave(&once, 1);
  }
  // Messages above the protocol's limit close the socket (1009) before reaching us.
  soup_websocket_connection_set_max_incoming_payload_size(ws_, kMaxMessageBytes);
  // Browsers and tunnels drop idle sockets; a ping every 20 s keeps the signalling path alive.
  soup_websocket_connection_set_keepalive_interval(ws_, 20);
  message_id_ = g_signal_connect(ws_, "message",
                                 G_CALLBACK(+[](SoupWebsocketConnection*, gint type, GBytes* msg, gpointer d) {
                                   auto* self = static_cast<Peer*>(d);
                                   gsize n = 0;
                                   const char* p = static_cast<const char*>(g_bytes_get_data(msg, &n));
                                   if (type != SOUP_WEBSOCKET_DATA_TEXT) {
                                     self->send(error_message({ErrorCode::kBadJson, "binary messages are not part of the protocol"}));
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
  error_id_ = g_signal_connect(ws_, "error", G_CALLBACK(+[](SoupWebsocketConnection*, GError* e, gpointer d) {
                                 GST_INFO("peer %u: WebSocket error: %s", static_cast<Peer*>(d)->id_,
                                          e ? e->message : "?");
                               }),
                               this);
  env_.media->echo().set_transport(id_, Transport::kWebRtc);
  GST_INFO("peer %u: connected", id_);
}

Peer::~Peer() {
  stop_webrtc();
  env_.media->echo().remove_peer(id_);
  g_signal_handler_disconnect(ws_, message_id_);
  g_signal_handler_disconnect(ws_, closed_id_);
  g_signal_handler_disconnect(ws_, error_id_);
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
    } else if (std::get_if<action::StartMjpeg>(&a)) {
      env_.media->echo().set_transport(id_, Transport::kMjpeg);
    } else if (auto* in = std::get_if<action::Inject>(&a)) {
      GST_LOG("peer %u: input %s s=%" G_GUINT64_FORMAT, id_, input_kind_name(in->record.kind),
              static_cast<guint64>(in->record.seq));
      env_.media->inject(id_, in->record);
    }
  }
}

void Peer::start_webrtc(Codec codec) {
  WebRtcSession::Callbacks cb;
  cb.offer = [this](const std::string& sdp) { perform(handler_.on_offer(sdp)); };
  cb.candidate = [this](unsigned m, const std::string& c) { perform(handler_.on_local_candidate(m, c)); };
  cb.channel_text = [this](const std::string& t) { perform(handler_.on_channel_text(t)); };
  cb.failed = [this](const std::string& why) {
    GST_INFO("peer %u: WebRTC failed: %s", id_, why.c_str());
    // Not inside the session's own callback: perform() may destroy the session.
    post_to_main([alive = std::weak_ptr<bool>(alive_), this, why] {
      if (alive.lock()) perform(handler_.on_webrtc_failed(why));
    });
  };
  cb.answer_rejected = [this](const std::string& why) { perform(handler_.on_answer_rejected(why)); };
  std::string err;
  session_ = WebRtcSession::create(*env_.media, id_, codec, *env_.ice, std::move(cb), &err);
  if (!session_) {
    GST_WARNING("peer %u: %s", id_, err.c_str());
    perform(handler_.on_webrtc_failed(err));
  }
}

void Peer::stop_webrtc() { session_.reset(); }

void Peer::frame_echo(uint64_t seq, std::optional<uint32_t> rtp, uint64_t pts) {
  const std::string msg = frame_message(seq, rtp, pts);
  GST_LOG("peer %u: frame echo s=%" G_GUINT64_FORMAT, id_, static_cast<guint64>(seq));
  // WebRTC peers hear it on the data channel, next to their input; MJPEG peers on the socket.
  if (session_ && session_->send_channel_text(msg)) return;
  send(msg);
}

void Peer::renderer_changed(const std::string& state, const std::string& detail) {
  perform(handler_.on_renderer(state, detail));
}

void Peer::webrtc_failed(const std::string& why) { perform(handler_.on_webrtc_failed(why)); }

void Peer::say_bye(const std::string& reason) { send(bye_message(reason)); }

}  // namespace vtkstream::serve
