// The browser's side of signalling, for tests against the real server: a libsoup WebSocket
// client whose messages are collected on the default main context, a small JSON reader for them,
// and one raw HTTP request (exact bytes, for path-traversal checks).
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <cstdint>
#include <deque>
#include <string>

namespace vtkstream::test {

// A JSON object parsed from text; empty when the text is not an object.
class Json {
 public:
  explicit Json(const std::string& text);
  ~Json();
  bool ok() const { return obj_ != nullptr; }
  std::string str(const char* k) const;
  int64_t integer(const char* k, int64_t fallback = -1) const;
  bool has(const char* k) const;

 private:
  JsonParser* parser_;
  JsonObject* obj_ = nullptr;
};

// A libsoup WebSocket client; messages are collected on the main context.
class WsClient {
 public:
  WsClient() = default;
  ~WsClient();
  bool connect(const std::string& url, const char* origin = nullptr, int timeout_ms = 5000);
  // wss:// only: verify the server against these CAs (instead of the system's).
  void trust(GTlsDatabase* cas) { g_object_set(session_, "tls-database", cas, nullptr); }
  const std::string& connect_error() const { return connect_error_; }
  void send(const std::string& text);
  // Waits for the next unconsumed message whose "type" is `type`; "" on timeout.
  std::string wait_for(const std::string& type, int timeout_ms = 10000);
  bool wait_closed(int timeout_ms = 5000);
  // Starts the close handshake and waits until the socket is closed (the destructor does not
  // wait, so a server may not hear of it while nobody runs the main context).
  bool close(int timeout_ms = 5000);
  bool closed() const { return closed_; }
  gushort close_code() const { return close_code_; }
  std::deque<std::string>& messages() { return messages_; }

 private:
  SoupSession* session_ = soup_session_new();
  SoupWebsocketConnection* ws_ = nullptr;
  std::deque<std::string> messages_;
  bool closed_ = false;
  gushort close_code_ = 0;
  std::string connect_error_;
};

// One raw HTTP/1.1 request over a socket (exact bytes: no client-side path normalisation).
// Returns the status code, or -1; *headers_out gets the header block.
int raw_http(const std::string& url, const std::string& request_line, std::string* headers_out = nullptr,
             const std::string& extra_headers = "");

}  // namespace vtkstream::test
