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
// Before the handshake, the client's first TLS record (its ClientHello) is awaited on the context,
// peeked but not consumed: a client that says nothing or stalls mid-ClientHello costs no worker
// thread, and one that speaks plain HTTP (a link typed with http://) gets a 400 that says to use
// https:// instead of a dropped connection. At most kMaxHandshakes handshakes run at once; the
// rest wait for a slot under their deadline. A connection that negotiated less than TLS 1.2 is
// closed after its handshake (glib-networking has no per-connection protocol setting).
#pragma once

#include <gio/gio.h>

#include <functional>
#include <list>
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
  // Handshakes run on glib-networking's worker threads: at most this many at once, so a crowd of
  // clients that stall after their ClientHello cannot take every thread (and the memory of each).
  static constexpr unsigned kMaxHandshakes = 16;

  struct Pending;
  void wait_for(Pending* p, gsize need);
  void on_readable(Pending* p);
  void handshake(Pending* p);
  void start_waiting();
  bool is_waiting(Pending* p) const;  // starts queued handshakes while slots are free
  static void release(Pending* p);  // off our lists; frees its slot
  static void on_handshake(GObject* tls, GAsyncResult* res, gpointer pending);
  static void stop(Pending* p);    // cancel, and wake whatever waits on the socket
  static void finish(Pending* p);  // a connection that goes no further: closed and freed

  GTlsCertificate* cert_;
  unsigned deadline_s_;
  Ready ready_;
  std::set<Pending*> pending_;
  std::list<Pending*> waiting_;  // full ClientHello in, waiting for a slot (oldest first)
  unsigned in_flight_ = 0;
};

}  // namespace vtkstream::sink
