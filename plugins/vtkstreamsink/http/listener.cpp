#include "listener.h"

#include <gio/gnetworking.h>
#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(sink_http_debug);
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

Listener::Listener(SoupServer* server, GTlsCertificate* tls, unsigned handshake_s) : server_(server) {
  if (tls) tls_ = std::make_unique<TlsAcceptor>(tls, handshake_s, [this](GIOStream* s, GSocketConnection* c) { hand_over(s, c); });
}

Listener::~Listener() {
  tls_.reset();
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

void Listener::hand_over(GIOStream* stream, GSocketConnection* conn) {
  GSocketAddress* local = g_socket_connection_get_local_address(conn, nullptr);
  GSocketAddress* remote = g_socket_connection_get_remote_address(conn, nullptr);
  GError* gerr = nullptr;
  // libsoup takes its own reference to the stream.
  if (!local || !remote || !soup_server_accept_iostream(server_, stream, local, remote, &gerr)) {
    // The peer already left (no addresses) or libsoup refused it: nothing to serve.
    GST_DEBUG("connection not accepted: %s", gerr ? gerr->message : "peer gone");
    g_clear_error(&gerr);
    g_io_stream_close(stream, nullptr, nullptr);
  }
  g_clear_object(&local);
  g_clear_object(&remote);
}

gboolean Listener::on_incoming(GSocketService*, GSocketConnection* conn, GObject*, gpointer d) {
  auto* self = static_cast<Listener*>(d);
  GSocket* sock = g_socket_connection_get_socket(conn);
  g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, TRUE, nullptr);  // as libsoup's listener does
  if (self->tls_) self->tls_->accept(conn);
  else self->hand_over(G_IO_STREAM(conn), conn);
  return TRUE;
}

}  // namespace vtkstream::sink
