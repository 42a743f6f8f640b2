#include "listener.h"

#include <gio/gnetworking.h>
#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(sink_http_debug);
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

Listener::~Listener() {
  if (!service_) return;
  g_signal_handlers_disconnect_by_data(service_, this);
  g_socket_service_stop(service_);
  g_socket_listener_close(G_SOCKET_LISTENER(service_));
  g_object_unref(service_);
}

bool Listener::listen(GInetAddress* address, int port, std::string* err) {
  service_ = g_socket_service_new();
  // GLib's default backlog is 10: a burst of connections (a page's files, many viewers at once,
  // or slow clients that have not been timed out yet) would have new ones wait for SYN retries.
  g_socket_listener_set_backlog(G_SOCKET_LISTENER(service_), 511);
  GSocketAddress* sa = g_inet_socket_address_new(address, static_cast<guint16>(port));
  GSocketAddress* effective = nullptr;
  GError* gerr = nullptr;
  const bool ok = g_socket_listener_add_address(G_SOCKET_LISTENER(service_), sa, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, nullptr, &effective, &gerr);
  g_object_unref(sa);
  if (!ok) {
    *err = gerr ? gerr->message : "?";
    g_clear_error(&gerr);
    return false;
  }
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
  g_object_unref(effective);
  g_signal_connect(service_, "incoming", G_CALLBACK(on_incoming), this);
  g_socket_service_start(service_);
  return true;
}

namespace {

// The TLS side of one accepted connection, as libsoup sets up its own: HTTP/1.x over ALPN, and no
// close_notify required (browsers often just close).
GIOStream* tls_stream(GSocketConnection* conn, GTlsCertificate* cert, GError** err) {
  static const gchar* const kAlpn[] = {"http/1.1", "http/1.0", nullptr};
  GIOStream* tls = g_tls_server_connection_new(G_IO_STREAM(conn), cert, err);
  if (!tls) return nullptr;
  g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(tls), FALSE);
  g_tls_connection_set_advertised_protocols(G_TLS_CONNECTION(tls), kAlpn);
  return tls;
}

}  // namespace

gboolean Listener::on_incoming(GSocketService*, GSocketConnection* conn, GObject*, gpointer d) {
  auto* self = static_cast<Listener*>(d);
  GSocket* sock = g_socket_connection_get_socket(conn);
  g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, TRUE, nullptr);  // as libsoup's listener does
  GSocketAddress* local = g_socket_connection_get_local_address(conn, nullptr);
  GSocketAddress* remote = g_socket_connection_get_remote_address(conn, nullptr);
  GError* gerr = nullptr;
  // libsoup takes its own reference to the stream; ours (the TLS wrapper) goes at the end.
  GIOStream* stream = self->tls_ ? tls_stream(conn, self->tls_, &gerr) : G_IO_STREAM(g_object_ref(conn));
  if (!local || !remote || !stream ||
      !soup_server_accept_iostream(self->server_, stream, local, remote, &gerr)) {
    // The peer already left (no addresses), TLS could not be set up, or libsoup refused it.
    GST_DEBUG("connection not accepted: %s", gerr ? gerr->message : "peer gone");
    g_clear_error(&gerr);
    g_io_stream_close(stream ? stream : G_IO_STREAM(conn), nullptr, nullptr);
  }
  g_clear_object(&stream);
  g_clear_object(&local);
  g_clear_object(&remote);
  return TRUE;
}

}  // namespace vtkstream::sink
