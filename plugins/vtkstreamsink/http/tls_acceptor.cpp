#include "tls_acceptor.h"

#include <gst/gst.h>

#include "sink_context.h"

GST_DEBUG_CATEGORY_EXTERN(sink_http_debug);
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

struct TlsAcceptor::Pending {
  TlsAcceptor* owner;  // null once the acceptor is gone
  GIOStream* tls;
  GSocketConnection* conn;  // under `tls` (owned by it)
  GSocket* socket;          // of `conn`
  GCancellable* cancel;
  GSource* deadline = nullptr;
};

TlsAcceptor::~TlsAcceptor() {
  // The callbacks still come (with an error) and free their Pending; they must not reach us.
  for (Pending* p : pending_) {
    p->owner = nullptr;
    cancel_source(p->deadline);
    stop(p);
  }
}

void TlsAcceptor::stop(Pending* p) {
  g_cancellable_cancel(p->cancel);
  // The handshake thread sits in a blocking wait on the socket; a shutdown wakes it (EOF).
  g_socket_shutdown(p->socket, TRUE, TRUE, nullptr);
}

void TlsAcceptor::accept(GSocketConnection* conn) {
  static const gchar* const kAlpn[] = {"http/1.1", "http/1.0", nullptr};
  GError* err = nullptr;
  GIOStream* tls = g_tls_server_connection_new(G_IO_STREAM(conn), cert_, &err);
  if (!tls) {
    GST_WARNING("cannot set up TLS on a connection: %s", err ? err->message : "?");
    g_clear_error(&err);
    g_io_stream_close(G_IO_STREAM(conn), nullptr, nullptr);
    return;
  }
  g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(tls), FALSE);
  g_tls_connection_set_advertised_protocols(G_TLS_CONNECTION(tls), kAlpn);
  auto* p = new Pending{this, tls, conn, g_socket_connection_get_socket(conn), g_cancellable_new()};
  pending_.insert(p);
  if (deadline_s_)
    p->deadline = add_timeout(deadline_s_ * 1000u, [p] {
      GST_INFO("closing a connection: TLS handshake not done within the header timeout");
      stop(p);
      return false;
    });
  g_tls_connection_handshake_async(G_TLS_CONNECTION(tls), G_PRIORITY_DEFAULT, p->cancel, on_handshake, p);
}

void TlsAcceptor::on_handshake(GObject* tls, GAsyncResult* res, gpointer d) {
  auto* p = static_cast<Pending*>(d);
  GError* err = nullptr;
  const bool ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(tls), res, &err);
  if (p->owner) {
    p->owner->pending_.erase(p);
    cancel_source(p->deadline);
  }
  if (ok && p->owner) {
    p->owner->ready_(p->tls, p->conn);
  } else {
    // A client that is not speaking TLS (plain HTTP on this port), a stalled one, or shutdown.
    GST_DEBUG("TLS handshake failed: %s", err ? err->message : "server stopping");
    g_socket_close(p->socket, nullptr);
  }
  g_clear_error(&err);
  g_object_unref(p->cancel);
  g_object_unref(p->tls);
  delete p;
}

}  // namespace vtkstream::sink
