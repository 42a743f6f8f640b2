#include "tls_acceptor.h"

#include <gst/gst.h>

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "sink_context.h"
#include "tls.h"

GST_DEBUG_CATEGORY_EXTERN(sink_http_debug);
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

namespace {

// Every TLS connection starts with a handshake record (content type 22) holding the ClientHello:
// a 5-byte header (type, version, 16-bit length), then the body. 16 KiB is the largest record
// body TLS allows (RFC 8446 5.1); a ClientHello that claims more is not one.
constexpr guint8 kTlsHandshakeRecord = 0x16;
constexpr gsize kRecordHeader = 5;
constexpr gsize kMaxRecordBody = 16384;

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
  GSource* first_byte = nullptr;  // waits for the next `need` bytes of the ClientHello
  gsize need = 1;                 // bytes that must be queued on the socket before we look again
  bool in_flight = false;         // holds one of the handshake slots
};

TlsAcceptor::~TlsAcceptor() {
  // The callbacks still come (with an error) and free their Pending; they must not reach us.
  std::list<Pending*> waiting;
  waiting.swap(waiting_);
  for (Pending* p : waiting) {  // no handshake and no source: nothing else would free them
    pending_.erase(p);
    p->owner = nullptr;
    finish(p);
  }
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

void TlsAcceptor::release(Pending* p) {
  if (p->owner) {
    p->owner->pending_.erase(p);
    p->owner->waiting_.remove(p);
    if (p->in_flight) {
      --p->owner->in_flight_;
      p->owner->start_waiting();
    }
  }
  p->in_flight = false;
}

bool TlsAcceptor::is_waiting(Pending* p) const {
  return std::find(waiting_.begin(), waiting_.end(), p) != waiting_.end();
}

void TlsAcceptor::start_waiting() {
  while (in_flight_ < kMaxHandshakes && !waiting_.empty()) {
    Pending* next = waiting_.front();
    waiting_.pop_front();
    handshake(next);
  }
}

void TlsAcceptor::finish(Pending* p) {
  release(p);
  cancel_source(p->deadline);
  cancel_source(p->first_byte);
  g_socket_close(p->socket, nullptr);  // connections handed to libsoup never come here
  if (p->tls) g_object_unref(p->tls);
  g_object_unref(p->cancel);
  g_object_unref(p->conn);
  delete p;
}

// Waits for the client's ClientHello on the context (no thread is spent on a silent or stalled
// client), then either starts the handshake or answers a plain-HTTP request in words.
void TlsAcceptor::accept(GSocketConnection* conn) {
  auto* p = new Pending{this, G_SOCKET_CONNECTION(g_object_ref(conn)), g_socket_connection_get_socket(conn),
                        g_cancellable_new()};
  pending_.insert(p);
  if (deadline_s_)
    p->deadline = add_timeout(deadline_s_ * 1000u, [p] {
      GST_INFO("closing a connection: TLS handshake not done within the header timeout");
      if (p->in_flight || !p->owner || !p->owner->is_waiting(p)) {
        stop(p);  // its handshake or its wait for bytes ends with an error, which frees it
      } else {
        finish(p);  // queued for a slot: nothing else will come for it
      }
      return false;
    });
  wait_for(p, 1);
}

// SO_RCVLOWAT makes the socket readable only once `need` bytes are queued, so a client that sends
// part of its ClientHello and stops wakes nothing and costs no thread until the deadline.
void TlsAcceptor::wait_for(Pending* p, gsize need) {
  p->need = need;
  const int lowat = int(need);
  setsockopt(g_socket_get_fd(p->socket), SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
  p->first_byte = g_socket_create_source(p->socket, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), p->cancel);
  g_source_set_callback(p->first_byte, G_SOURCE_FUNC(+[](GSocket*, GIOCondition, gpointer d) -> gboolean {
                          static_cast<Pending*>(d)->owner ? static_cast<Pending*>(d)->owner->on_readable(static_cast<Pending*>(d))
                                                          : finish(static_cast<Pending*>(d));
                          return G_SOURCE_REMOVE;
                        }),
                        p, nullptr);
  g_source_attach(p->first_byte, g_main_context_get_thread_default());
}

// Peeks what has arrived (nothing is consumed: GnuTLS reads the same bytes later). Woken with
// fewer than `need` bytes means the client closed or failed.
void TlsAcceptor::on_readable(Pending* p) {
  cancel_source(p->first_byte);  // this source; GLib keeps it alive until we return
  std::vector<guint8> buf(kRecordHeader + kMaxRecordBody);
  GInputVector v{buf.data(), p->need};
  gint flags = G_SOCKET_MSG_PEEK;
  const gssize n = g_cancellable_is_cancelled(p->cancel)
                       ? -1
                       : g_socket_receive_message(p->socket, nullptr, &v, 1, nullptr, nullptr, &flags, nullptr, nullptr);
  if (n < gssize(p->need)) {
    finish(p);
    return;
  }
  if (buf[0] != kTlsHandshakeRecord) {
    // Someone typed http:// for an https link: say so rather than drop the connection. One
    // non-blocking send on a fresh connection; whatever does not fit is not worth waiting for.
    GST_DEBUG("plain HTTP on the TLS port: answered 400");
    g_socket_send(p->socket, kPlainHttpAnswer, sizeof(kPlainHttpAnswer) - 1, nullptr, nullptr);
    g_socket_shutdown(p->socket, FALSE, TRUE, nullptr);
    finish(p);
    return;
  }
  if (p->need < kRecordHeader) {
    wait_for(p, kRecordHeader);
    return;
  }
  const gsize body = (gsize(buf[3]) << 8) | buf[4];
  if (body == 0 || body > kMaxRecordBody) {
    GST_DEBUG("closing a connection: its first TLS record claims %" G_GSIZE_FORMAT " bytes", body);
    finish(p);
    return;
  }
  if (p->need < kRecordHeader + body) {
    wait_for(p, kRecordHeader + body);
    return;
  }
  const int one = 1;  // GnuTLS reads record by record from here on
  setsockopt(g_socket_get_fd(p->socket), SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  if (in_flight_ >= kMaxHandshakes) {
    waiting_.push_back(p);  // started when a slot frees, or closed by the deadline
    return;
  }
  handshake(p);
}

void TlsAcceptor::handshake(Pending* p) {
  static const gchar* const kAlpn[] = {"http/1.1", "http/1.0", nullptr};
  p->in_flight = true;
  ++in_flight_;
  GError* err = nullptr;
  p->tls = new_tls_server_connection(G_IO_STREAM(p->conn), cert_, &err);  // no trust store read (tls.h)
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
  bool ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(tls), res, &err);
  if (ok && g_tls_connection_get_protocol_version(G_TLS_CONNECTION(tls)) < G_TLS_PROTOCOL_VERSION_TLS_1_2) {
    // glib-networking offers no per-connection priority string (only a process-wide environment
    // variable), so an old protocol is refused here, before any request is read.
    GST_INFO("closing a connection: it negotiated %s, older than TLS 1.2",
             g_tls_connection_get_ciphersuite_name(G_TLS_CONNECTION(tls)));
    ok = false;
  }
  if (ok && p->owner) {
    release(p);
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
