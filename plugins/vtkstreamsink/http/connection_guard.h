// Per-connection policy of the HTTP server, on top of what libsoup 3.2 does itself.
//
// One request per connection: every response but a WebSocket upgrade says `Connection: close`.
// libsoup 3.2.3 (Debian 12) never closes a kept-alive connection whose client hangs up between
// requests: after a response it prepares the next message without a completion callback, and
// when the read then hits EOF nothing disconnects the connection, so its socket stays in
// CLOSE-WAIT and its objects stay in the server's client list for the life of the process
// (fixed upstream in 3.3.0, "server: do not leak idle connections closed by the client").
// A response that is not kept alive is disconnected by libsoup itself, so with one request per
// connection that state is never reached. What it costs: a browser opens a few more TCP
// connections for the page's files (a loopback or LAN round trip each; a tunnel or reverse
// proxy keeps its own keep-alive to the browser).
//
// Timeouts: libsoup 3.2's SoupServer has none (no property, no timer: a client that sends one
// header byte every few seconds holds its connection forever). So each request gets timers on
// the sink's context, from "request-started" (for a connection's first request: as soon as it
// is accepted, before any byte):
//   header timeout  until its headers are complete;
//   idle timeout    afterwards, while nothing is read or written for that long (a body that
//                   trickles in, a client that stops reading the response).
// Streams are exempt once their headers are in (the WebSocket has its own handshake and idle
// timeouts; an MJPEG response is endless by design and paced by the sink). On expiry the
// connection is taken from libsoup (soup_server_message_steal_connection, its only public way
// to drop a connection) and closed.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace vtkstream::sink {

struct HttpTimeouts {
  unsigned header_s = 10;  // 0 = none
  unsigned idle_s = 60;    // 0 = none
};

class ConnectionGuard {
 public:
  // `is_stream(path)`: routes exempt from the idle timeout once their headers are in.
  ConnectionGuard(SoupServer* server, HttpTimeouts timeouts, std::function<bool(const char* path)> is_stream);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // For a handler that upgrades the connection (WebSocket): keep it open after the response.
  static void allow_upgrade(SoupServerMessage* msg);
  // For a handler that pauses a response while the server works on it (/snapshot.png): while
  // held, the idle timeout does not run (the handler bounds the wait itself); released, it
  // counts from now. No effect on a message the guard does not watch.
  static void hold(SoupServerMessage* msg, bool held);

 private:
  struct Watch;
  static void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer self);
  void arm(Watch* w, unsigned seconds, const char* what);
  void schedule(Watch* w, guint ms, unsigned seconds, const char* what);
  void expire(Watch* w, const char* what);
  static void on_message_gone(gpointer self, GObject* gone);
  void forget(SoupServerMessage* msg, bool alive = true);

  SoupServer* server_;
  HttpTimeouts timeouts_;
  std::function<bool(const char*)> is_stream_;
  gulong started_id_ = 0;
  std::map<SoupServerMessage*, std::unique_ptr<Watch>> watches_;
};

}  // namespace vtkstream::sink
