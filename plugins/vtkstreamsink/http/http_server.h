// The HTTP side: one libsoup 3 server on one port. It only routes (STYLE item 8):
//   /            web/index.html          /ws       signalling WebSocket -> Routes::websocket
//   /<file>      static files under web/ /mjpeg    ?peer=ID fallback stream -> Routes::mjpeg
//   /healthz     JSON status             /snapshot.png  the newest raw frame -> Routes::snapshot
//   /still.webp  the newest still, for viewers on a lower rung -> Routes::still (still_image.h)
//   /metrics     Prometheus text (token, or Bearer)
//   /whep        WHEP (whep_routes.h)    anything else: 404
// With access tokens on (auth.h), every route but /healthz needs a valid token (`?token=` or the
// cookie set when the page loads): / answers 401 with a short "token required" page, the rest
// 401 in plain text; /healthz says only {"status":"ok"} without one. Before any of that, every
// request passes RequestPolicy (request_policy.h: Host, method, body) in an early handler.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth.h"
#include "connection_guard.h"
#include "listener.h"
#include "request_policy.h"
#include "static_files.h"
#include "whep_routes.h"
#include "tls.h"

namespace vtkstream::sink {

class HttpServer {
 public:
  struct Routes {
    std::string web_root;  // canonical directory of the web client
    const Auth* auth = nullptr;  // required
    std::function<void(SoupWebsocketConnection*, Role)> websocket;
    // Largest WebSocket message, all its fragments together; more closes the socket (1009).
    uint64_t max_message_bytes = 65536;
    // Takes over `msg` and returns true, or returns false (404: no such MJPEG peer).
    std::function<bool(SoupServerMessage*, uint32_t peer)> mjpeg;
    std::function<std::string(bool full)> health;  // JSON; full = the caller holds a token
    std::function<void(SoupServerMessage*)> snapshot;  // answers or pauses msg (snapshot.h)
    std::function<void(SoupServerMessage*, GHashTable* query)> still;  // answers msg (still_image.h)
    std::function<std::string()> metrics;  // Prometheus text (metrics/exposition.h); needs a token
    WhepHandlers whep;  // POST /whep, DELETE /whep/ID (whep_routes.h)
    HttpTimeouts timeouts;  // slow clients (connection_guard.h)
    RequestRules rules;     // Host names, embedding (request_policy.h)
    TlsCertificatePtr tls;  // serve https/wss with it (tls.h); null: plain HTTP
  };

  explicit HttpServer(Routes routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Port 0 picks a free port (tests).
  bool listen(const std::string& address, int port, std::string* err);
  std::string url() const;  // http://address:port/ (https:// with TLS)

 private:
  static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
                         gpointer self);
  void serve_static(SoupServerMessage* msg, const char* path);
  std::string gzip_twin(SoupServerMessage* msg, const StaticFile& f) const;
  std::optional<Role> role_of(SoupServerMessage* msg, GHashTable* query) const;
  void serve_metrics(SoupServerMessage* msg, std::optional<Role> role);
  void serve_mjpeg(SoupServerMessage* msg, GHashTable* query);

  Routes routes_;
  RequestPolicy policy_;
  SoupServer* server_ = nullptr;
  std::unique_ptr<ConnectionGuard> guard_;  // after server_: it watches the server's signals
  std::unique_ptr<Listener> listener_;     // accepts for server_ (listener.h says why not libsoup)
  std::string url_;
};

}  // namespace vtkstream::sink
