// The listening socket of the HTTP server, owned by us rather than by soup_server_listen().
//
// libsoup 3.2.3 (Debian 12) leaks the GSocket of every connection it accepts itself: its
// listener never drops the reference g_socket_accept() returned (fixed upstream in 3.4.0,
// "soup-listener: Plug a leak"). That is ~340 bytes of RSS per connection for the life of the
// process: 1.7 MB per 5000 requests, unbounded on a public link. A GSocketService of ours
// accepts instead and hands each connection to soup_server_accept_iostream(), which keeps only
// the GIOStream. A side effect we rely on: a SoupServer without listeners of its own disconnects
// every HTTP/1 connection after its response (see connection_guard.h).
//
// TLS: with a certificate, accepted connections go through a TlsAcceptor (tls_acceptor.h) first,
// which hands them over once their handshake is done.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <memory>
#include <string>

#include "tls_acceptor.h"

namespace vtkstream::sink {

class Listener {
 public:
  // `tls`: serve TLS with this certificate (and its key); null: plain HTTP. `handshake_s`: the
  // time a client has for its TLS handshake (0 = no limit).
  Listener(SoupServer* server, GTlsCertificate* tls, unsigned handshake_s);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Listens on `address` (numeric) and `port` (0: a free one), on the calling thread's context.
  bool listen(GInetAddress* address, int port, std::string* err);
  int port() const { return port_; }

 private:
  static gboolean on_incoming(GSocketService*, GSocketConnection* conn, GObject*, gpointer self);
  void hand_over(GIOStream* stream, GSocketConnection* conn);  // to libsoup; `conn` is under `stream`

  SoupServer* server_;
  std::unique_ptr<TlsAcceptor> tls_;  // null: plain HTTP
  GSocketService* service_ = nullptr;
  int port_ = 0;
};

}  // namespace vtkstream::sink
