#include "web_probe.h"

#include <gio/gio.h>

#include <cstring>

namespace vtkstream::serve {

// Shared with the callbacks in flight: GIO calls them (cancelled) after the probe is gone.
struct WebProbe::State {
  GSocketClient* client = nullptr;
  GCancellable* cancel = nullptr;
  std::string host, request;
  guint16 port = 0;
  gint64 last_answer_us = 0;
  bool in_flight = false;
  GSocketConnection* conn = nullptr;
  char buf[64];
  gsize got = 0;
  ~State() {
    g_clear_object(&conn);
    g_clear_object(&cancel);
    g_clear_object(&client);
  }
};

namespace {

using Ref = std::shared_ptr<WebProbe::State>;

void finish(Ref* ref, bool answered) {
  auto& s = **ref;
  // "HTTP/1.1 200 OK": the status line of an answer the web thread produced.
  if (answered) s.last_answer_us = g_get_monotonic_time();
  s.in_flight = false;
  g_clear_object(&s.conn);
  delete ref;
}

void on_read(GObject* stream, GAsyncResult* res, gpointer data) {
  auto* ref = static_cast<Ref*>(data);
  auto& s = **ref;
  const gssize n = g_input_stream_read_finish(G_INPUT_STREAM(stream), res, nullptr);
  if (n <= 0) return finish(ref, false);
  s.got += static_cast<gsize>(n);
  if (s.got < 12 && s.got < sizeof(s.buf) - 1) {  // the status code not here yet
    g_input_stream_read_async(G_INPUT_STREAM(stream), s.buf + s.got, sizeof(s.buf) - 1 - s.got, G_PRIORITY_DEFAULT,
                              s.cancel, on_read, ref);
    return;
  }
  s.buf[s.got] = '\0';
  finish(ref, g_str_has_prefix(s.buf, "HTTP/1.") && std::strncmp(s.buf + 8, " 200", 4) == 0);
}

void on_written(GObject* stream, GAsyncResult* res, gpointer data) {
  auto* ref = static_cast<Ref*>(data);
  auto& s = **ref;
  if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(stream), res, nullptr, nullptr)) return finish(ref, false);
  s.got = 0;
  g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(s.conn)), s.buf, sizeof(s.buf) - 1,
                            G_PRIORITY_DEFAULT, s.cancel, on_read, ref);
}

void on_connected(GObject* client, GAsyncResult* res, gpointer data) {
  auto* ref = static_cast<Ref*>(data);
  auto& s = **ref;
  s.conn = g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(client), res, nullptr);
  if (!s.conn) return finish(ref, false);
  g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(s.conn)), s.request.data(),
                                  s.request.size(), G_PRIORITY_DEFAULT, s.cancel, on_written, ref);
}

}  // namespace

WebProbe::WebProbe(const std::string& url, guint timeout_s) : state_(std::make_shared<State>()) {
  auto& s = *state_;
  s.last_answer_us = g_get_monotonic_time();
  s.cancel = g_cancellable_new();
  s.client = g_socket_client_new();
  g_socket_client_set_timeout(s.client, timeout_s);  // connect and each read/write
  if (GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, nullptr)) {
    s.host = g_uri_get_host(uri) ? g_uri_get_host(uri) : "";
    s.port = static_cast<guint16>(g_uri_get_port(uri) > 0 ? g_uri_get_port(uri) : 80);
    g_uri_unref(uri);
  }
  const bool v6 = s.host.find(':') != std::string::npos;
  s.request = "GET /healthz HTTP/1.1\r\nHost: " + (v6 ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.port) +
              "\r\nConnection: close\r\n\r\n";
}

WebProbe::~WebProbe() { g_cancellable_cancel(state_->cancel); }

void WebProbe::start() {
  auto& s = *state_;
  if (s.in_flight || s.host.empty()) return;
  s.in_flight = true;
  g_socket_client_connect_to_host_async(s.client, s.host.c_str(), s.port, s.cancel, on_connected, new Ref(state_));
}

gint64 WebProbe::usec_since_answer() const { return g_get_monotonic_time() - state_->last_answer_us; }

}  // namespace vtkstream::serve
