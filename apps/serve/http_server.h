// The HTTP side: one libsoup 3 server on one port. It only routes (STYLE item 8):
//   /            web/index.html          /ws       signalling WebSocket -> Routes::websocket
//   /<file>      static files under web/ /mjpeg    ?peer=ID fallback stream -> Routes::mjpeg
//   /healthz     JSON status             anything else: 404
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <string>

namespace vtkstream::serve {

class HttpServer {
 public:
  struct Routes {
    std::string web_root;  // canonical directory of the web client
    std::function<void(SoupWebsocketConnection*)> websocket;
    // Takes over `msg` and returns true, or returns false (404: no such MJPEG peer).
    std::function<bool(SoupServerMessage*, uint32_t peer)> mjpeg;
    std::function<std::string()> health;  // JSON
  };

  explicit HttpServer(Routes routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Port 0 picks a free port (tests).
  bool listen(const std::string& address, int port, std::string* err);
  std::string url() const;  // http://address:port/

 private:
  static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
                         gpointer self);
  void serve_static(SoupServerMessage* msg, const char* path);
  void serve_mjpeg(SoupServerMessage* msg, GHashTable* query);

  Routes routes_;
  SoupServer* server_ = nullptr;
  std::string url_;
};

}  // namespace vtkstream::serve
