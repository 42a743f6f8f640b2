#include "connection_guard.h"

#include <gst/gst.h>

#include "sink_context.h"

GST_DEBUG_CATEGORY_EXTERN(sink_http_debug);
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

struct ConnectionGuard::Watch {
  ConnectionGuard* guard;
  SoupServerMessage* msg;  // not owned: a weak reference removes the watch
  GSource* timer = nullptr;
  gint64 last_activity_us = 0;
  bool held = false;  // the server, not the client, is what the response waits for
};

namespace {
constexpr const char* kWatchKey = "vtkstream-connection-guard-watch";
}  // namespace

ConnectionGuard::ConnectionGuard(SoupServer* server, HttpTimeouts timeouts, std::function<bool(const char*)> is_stream)
    : server_(server), timeouts_(timeouts), is_stream_(std::move(is_stream)) {
  // "request-started" comes for a connection's first message as soon as it is accepted (before
  // any byte), and for later messages with their first byte.
  started_id_ = g_signal_connect(server_, "request-started", G_CALLBACK(on_request_started), this);
}

ConnectionGuard::~ConnectionGuard() {
  if (started_id_) g_signal_handler_disconnect(server_, started_id_);
  while (!watches_.empty()) forget(watches_.begin()->first);
}

void ConnectionGuard::allow_upgrade(SoupServerMessage* msg) {
  // libsoup appends "Connection: Upgrade" to a 101 response; "close, Upgrade" would refuse it.
  soup_message_headers_remove(soup_server_message_get_response_headers(msg), "Connection");
}

void ConnectionGuard::hold(SoupServerMessage* msg, bool held) {
  if (auto* w = static_cast<Watch*>(g_object_get_data(G_OBJECT(msg), kWatchKey))) {
    w->held = held;
    if (w->last_activity_us) w->last_activity_us = g_get_monotonic_time();
  }
}

void ConnectionGuard::on_request_started(SoupServer*, SoupServerMessage* msg, gpointer d) {
  auto* self = static_cast<ConnectionGuard*>(d);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
  if (!self->timeouts_.header_s && !self->timeouts_.idle_s) return;
  auto w = std::make_unique<Watch>(Watch{self, msg});
  Watch* watch = w.get();
  self->watches_[msg] = std::move(w);
  g_object_weak_ref(G_OBJECT(msg), on_message_gone, self);
  g_object_set_data(G_OBJECT(msg), kWatchKey, watch);
  // Connected after libsoup's own got-headers handler, which runs the early handlers.
  g_signal_connect(msg, "got-headers", G_CALLBACK(+[](SoupServerMessage* m, gpointer d) {
    auto* w = static_cast<Watch*>(d);
    GUri* uri = soup_server_message_get_uri(m);
    if (w->guard->is_stream_ && uri && w->guard->is_stream_(g_uri_get_path(uri))) {
      cancel_source(w->timer);  // exempt: the stream has its own limits
      return;
    }
    w->last_activity_us = g_get_monotonic_time();
    w->guard->arm(w, w->guard->timeouts_.idle_s, "idle");
  }), watch);
  g_signal_connect(msg, "got-chunk", G_CALLBACK(+[](SoupServerMessage*, GBytes*, gpointer d) {
    static_cast<Watch*>(d)->last_activity_us = g_get_monotonic_time();
  }), watch);
  g_signal_connect(msg, "wrote-body-data", G_CALLBACK(+[](SoupServerMessage*, guint, gpointer d) {
    static_cast<Watch*>(d)->last_activity_us = g_get_monotonic_time();
  }), watch);
  g_signal_connect(msg, "finished", G_CALLBACK(+[](SoupServerMessage* m, gpointer d) {
    static_cast<Watch*>(d)->guard->forget(m);
  }), watch);
  self->arm(watch, self->timeouts_.header_s, "header");
}

void ConnectionGuard::arm(Watch* w, unsigned seconds, const char* what) {
  cancel_source(w->timer);
  if (seconds) schedule(w, seconds * 1000u, seconds, what);
}

// Each expiry re-checks: a held response (the server is busy) counts as active, and bytes moved
// since the timer was set push the end back; only silence for the whole period closes.
void ConnectionGuard::schedule(Watch* w, guint ms, unsigned seconds, const char* what) {
  GSource* timer = add_timeout(ms, [this, w, what, seconds] {
    if (w->last_activity_us && w->held) w->last_activity_us = g_get_monotonic_time();
    if (w->last_activity_us) {  // idle: re-arm for what is left since the last byte
      const gint64 left_ms = (w->last_activity_us + gint64(seconds) * G_USEC_PER_SEC - g_get_monotonic_time()) / 1000;
      if (left_ms > 0) {
        schedule(w, static_cast<guint>(left_ms), seconds, what);  // replaces this source; GLib keeps it until we return
        return false;
      }
    }
    expire(w, what);
    return false;
  });
  cancel_source(w->timer);
  w->timer = timer;
}

void ConnectionGuard::expire(Watch* w, const char* what) {
  SoupServerMessage* msg = SOUP_SERVER_MESSAGE(g_object_ref(w->msg));
  GST_INFO("closing a connection: %s timeout", what);
  forget(msg);  // w is gone from here on
  if (GIOStream* stream = soup_server_message_steal_connection(msg)) {
    g_io_stream_close(stream, nullptr, nullptr);
    g_object_unref(stream);
  }
  g_object_unref(msg);
}

void ConnectionGuard::on_message_gone(gpointer self, GObject* gone) {
  // Stolen connections (WebSocket, refused bodies) end here rather than with "finished".
  static_cast<ConnectionGuard*>(self)->forget(reinterpret_cast<SoupServerMessage*>(gone), false);
}

void ConnectionGuard::forget(SoupServerMessage* msg, bool alive) {
  auto it = watches_.find(msg);
  if (it == watches_.end()) return;
  std::unique_ptr<Watch> w = std::move(it->second);
  watches_.erase(it);
  cancel_source(w->timer);
  if (!alive) return;  // finalizing: its handlers, data and weak references go with it
  g_object_set_data(G_OBJECT(msg), kWatchKey, nullptr);
  g_signal_handlers_disconnect_by_data(msg, w.get());
  g_object_weak_unref(G_OBJECT(msg), on_message_gone, this);
}

}  // namespace vtkstream::sink
