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
// TLS: a SoupServer's own "tls-certificate" applies only to connections its own listener accepts
// (soup_server_accept_iostream makes a connection without it), so with a certificate we wrap each
// accepted connection in a GTlsServerConnection ourselves, set up as libsoup sets up its own, and
// hand that over. The handshake runs on the first read, under the connection guard's header
// timeout, so a client that stalls it is closed like any slow client.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <string>

namespace vtkstream::sink {

class Listener {
 public:
  // `tls`: serve TLS with this certificate (and its key); null: plain HTTP.
  Listener(SoupServer* server, GTlsCertificate* tls) : server_(server), tls_(tls) {}
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Listens on `address` (numeric) and `port` (0: a free one), on the calling thread's context.
  bool listen(GInetAddress* address, int port, std::string* err);
  int port() const { return port_; }

 private:
  static gboolean on_incoming(GSocketService*, GSocketConnection* conn, GObject*, gpointer self);

  SoupServer* server_;
  GTlsCertificate* tls_;  // the HttpServer's reference
  GSocketService* service_ = nullptr;
  int port_ = 0;
};

}  // namespace vtkstream::sink
