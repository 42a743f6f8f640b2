// The TLS side of accepted connections: each is wrapped in a GTlsServerConnection (set up as
// libsoup sets up its own: HTTP/1.x over ALPN, no close_notify required) and its handshake is
// completed here, under a deadline, before libsoup sees the connection.
//
// Why before libsoup: a SoupServer's "tls-certificate" applies only to connections its own
// listener accepts (soup_server_accept_iostream makes one without it, see listener.h), and a
// handshake left to libsoup's first read cannot be cut short cleanly. glib-networking runs a
// handshake on a worker thread blocked on the socket: closing the stream does not wake it (the
// client never saw the connection close), and a connection taken from libsoup mid-handshake left
// about 2 MB behind each time (measured: +150 MB of RSS for 60 stalled clients). Here a stalled
// handshake is cancelled and its socket shut down at the deadline, which ends it with an error,
// and nothing of it outlives the callback.
//
// Before the handshake, the first byte is peeked on the context: a client that says nothing costs
// no worker thread, and one that speaks plain HTTP (a link typed with http://) gets a 400 that
// says to use https:// instead of a dropped connection.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <set>

namespace vtkstream::sink {

class TlsAcceptor {
 public:
  // `deadline_s`: seconds a client has to complete its handshake (0 = no limit).
  // `ready(tls, conn)`: a connection whose handshake succeeded, and the connection under it (the
  // callee takes its own references).
  using Ready = std::function<void(GIOStream* tls, GSocketConnection* conn)>;
  TlsAcceptor(GTlsCertificate* cert, unsigned deadline_s, Ready ready)
      : cert_(cert), deadline_s_(deadline_s), ready_(std::move(ready)) {}
  ~TlsAcceptor();  // cancels the handshakes still running
  TlsAcceptor(const TlsAcceptor&) = delete;
  TlsAcceptor& operator=(const TlsAcceptor&) = delete;

  // Starts the handshake of `conn` on the calling thread's context.
  void accept(GSocketConnection* conn);

 private:
  struct Pending;
  void on_first_byte(Pending* p);
  void handshake(Pending* p);
  static void on_handshake(GObject* tls, GAsyncResult* res, gpointer pending);
  static void stop(Pending* p);    // cancel, and wake whatever waits on the socket
  static void finish(Pending* p);  // a connection that goes no further: closed and freed

  GTlsCertificate* cert_;
  unsigned deadline_s_;
  Ready ready_;
  std::set<Pending*> pending_;
};

}  // namespace vtkstream::sink
