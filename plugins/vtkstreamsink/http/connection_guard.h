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
#pragma once

#include <libsoup/soup.h>

namespace vtkstream::sink {

class ConnectionGuard {
 public:
  explicit ConnectionGuard(SoupServer* server);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // For a handler that upgrades the connection (WebSocket): keep it open after the response.
  static void allow_upgrade(SoupServerMessage* msg);

 private:
  static void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer self);

  SoupServer* server_;
  gulong started_id_ = 0;
};

}  // namespace vtkstream::sink
