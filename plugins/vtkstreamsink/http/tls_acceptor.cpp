#include "tls_acceptor.h"

#include <gst/gst.h>

#include <cstring>

#include "sink_context.h"

GST_DEBUG_CATEGORY_EXTERN(sink_http_debug);
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

namespace {

// Every TLS connection starts with a handshake record (content type 22).
constexpr guint8 kTlsHandshakeRecord = 0x16;

constexpr char kPlainHttpAnswer[] =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Connection: close\r\n"
    "Content-Length: 86\r\n"
    "\r\n"
    "This vtkstream server speaks https only: open the same link with https:// instead.\r\n\r\n";
static_assert(sizeof("This vtkstream server speaks https only: open the same link with https:// instead.\r\n\r\n") - 1 == 86);

}  // namespace

struct TlsAcceptor::Pending {
  TlsAcceptor* owner;       // null once the acceptor is gone
  GSocketConnection* conn;  // ours
  GSocket* socket;          // of `conn`
  GCancellable* cancel;
  GIOStream* tls = nullptr;     // once the first byte said TLS
  GSource* deadline = nullptr;  // on the acceptor's context
  GSource* first_byte = nullptr;
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

void TlsAcceptor::finish(Pending* p) {
  if (p->owner) p->owner->pending_.erase(p);
  cancel_source(p->deadline);
  cancel_source(p->first_byte);
  g_socket_close(p->socket, nullptr);  // connections handed to libsoup never come here
  if (p->tls) g_object_unref(p->tls);
  g_object_unref(p->cancel);
  g_object_unref(p->conn);
  delete p;
}

// Waits for the client's first byte on the context (no thread is spent on a silent client),
// then either starts the handshake or answers a plain-HTTP request in words.
void TlsAcceptor::accept(GSocketConnection* conn) {
  auto* p = new Pending{this, G_SOCKET_CONNECTION(g_object_ref(conn)), g_socket_connection_get_socket(conn),
                        g_cancellable_new()};
  pending_.insert(p);
  if (deadline_s_)
    p->deadline = add_timeout(deadline_s_ * 1000u, [p] {
      GST_INFO("closing a connection: TLS handshake not done within the header timeout");
      stop(p);
      return false;
    });
  p->first_byte = g_socket_create_source(p->socket, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), p->cancel);
  g_source_set_callback(p->first_byte, G_SOURCE_FUNC(+[](GSocket*, GIOCondition, gpointer d) -> gboolean {
                          static_cast<Pending*>(d)->owner ? static_cast<Pending*>(d)->owner->on_first_byte(static_cast<Pending*>(d))
                                                          : finish(static_cast<Pending*>(d));
                          return G_SOURCE_REMOVE;
                        }),
                        p, nullptr);
  g_source_attach(p->first_byte, g_main_context_get_thread_default());
}

void TlsAcceptor::on_first_byte(Pending* p) {
  cancel_source(p->first_byte);  // this source; GLib keeps it alive until we return
  guint8 byte = 0;
  GInputVector v{&byte, 1};
  gint flags = G_SOCKET_MSG_PEEK;
  const gssize n = g_cancellable_is_cancelled(p->cancel)
                       ? -1
                       : g_socket_receive_message(p->socket, nullptr, &v, 1, nullptr, nullptr, &flags, nullptr, nullptr);
  if (n == 1 && byte == kTlsHandshakeRecord) {
    handshake(p);
    return;
  }
  if (n == 1) {
    // Someone typed http:// for an https link: say so rather than drop the connection. One
    // non-blocking send on a fresh connection; whatever does not fit is not worth waiting for.
    GST_DEBUG("plain HTTP on the TLS port: answered 400");
    g_socket_send(p->socket, kPlainHttpAnswer, sizeof(kPlainHttpAnswer) - 1, nullptr, nullptr);
    g_socket_shutdown(p->socket, FALSE, TRUE, nullptr);
  }
  finish(p);
}

void TlsAcceptor::handshake(Pending* p) {
  static const gchar* const kAlpn[] = {"http/1.1", "http/1.0", nullptr};
  GError* err = nullptr;
  p->tls = g_tls_server_connection_new(G_IO_STREAM(p->conn), cert_, &err);
  if (!p->tls) {
    GST_WARNING("cannot set up TLS on a connection: %s", err ? err->message : "?");
    g_clear_error(&err);
    finish(p);
    return;
  }
  // As libsoup sets up its own: HTTP/1.x over ALPN, no close_notify required (browsers just close).
  g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(p->tls), FALSE);
  g_tls_connection_set_advertised_protocols(G_TLS_CONNECTION(p->tls), kAlpn);
  g_tls_connection_handshake_async(G_TLS_CONNECTION(p->tls), G_PRIORITY_DEFAULT, p->cancel, on_handshake, p);
}

void TlsAcceptor::on_handshake(GObject* tls, GAsyncResult* res, gpointer d) {
  auto* p = static_cast<Pending*>(d);
  GError* err = nullptr;
  const bool ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(tls), res, &err);
  if (ok && p->owner) {
    p->owner->pending_.erase(p);
    cancel_source(p->deadline);
    p->owner->ready_(p->tls, p->conn);  // libsoup holds its own references from here on
    g_object_unref(p->tls);
    g_object_unref(p->cancel);
    g_object_unref(p->conn);
    delete p;
  } else {
    // Not TLS after all, a stalled client cut off at the deadline, or the server stopping.
    GST_DEBUG("TLS handshake failed: %s", err ? err->message : "server stopping");
    finish(p);
  }
  g_clear_error(&err);
}

}  // namespace vtkstream::sink
