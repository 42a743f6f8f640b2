// Helpers for the end-to-end tests of vtkstream-serve: an in-process fake renderer, the real
// server binary as a child process, a WebSocket client, and event waits without sleeps (the
// main context is iterated until a condition holds or a timeout fires).
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vtkstream/shm.h"

namespace servetest {

// Iterates the default main context until done() or timeout; other threads that change what
// done() looks at call g_main_context_wakeup(nullptr).
bool run_until(const std::function<bool()>& done, int timeout_ms);

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

// Publishes a changing picture at about 30 fps and echoes the newest input seq it drained, as
// vtkstream-render does. Counts input events (and remembers the last peer id seen).
class FakeRenderer {
 public:
  FakeRenderer(const std::string& shm, uint32_t w, uint32_t h);
  ~FakeRenderer();
  bool ok() const { return writer_ != nullptr; }
  int inputs() const { return inputs_; }
  uint32_t last_peer() const { return last_peer_; }

 private:
  void loop();
  std::unique_ptr<vtkstream::shm::FrameWriter> writer_;
  uint32_t w_, h_;
  std::atomic<bool> stop_{false};
  std::atomic<int> inputs_{0};
  std::atomic<uint32_t> last_peer_{0};
  std::thread thread_;
};

// The real vtkstream-serve, started with `args`; url() once it printed its line.
class ServerProcess {
 public:
  // Waits for the control link line and, when tokens are on, the view-only line.
  ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::vector<std::string>& env = {}, GSubprocessFlags extra = G_SUBPROCESS_FLAGS_NONE);
  GSubprocess* process() const { return proc_; }
  ~ServerProcess();
  bool started() const { return !url_.empty(); }
  const std::string& url() const { return url_; }     // http://127.0.0.1:PORT/ (no token)
  // The tokens of the printed control and view-only links ("" with --no-auth).
  const std::string& token() const { return token_; }
  const std::string& view_token() const { return view_token_; }
  // ws://127.0.0.1:PORT/ws?token=CONTROL (or `token` when given; "-" for none)
  std::string ws_url(const std::string& token = "") const;
  // "?token=CONTROL" or "" with --no-auth: append to a path for an authorised request.
  std::string q() const { return token_.empty() ? "" : "?token=" + token_; }
  // Lines the server printed on stdout so far.
  const std::vector<std::string>& lines() const { return lines_; }
  // SIGTERM and wait; returns the exit status (-1 on timeout or signal death).
  int terminate(int timeout_ms = 10000);

 private:
  void read_line();
  GSubprocess* proc_ = nullptr;
  GDataInputStream* out_ = nullptr;
  GCancellable* cancel_ = g_cancellable_new();
  std::string url_, token_, view_token_;
  std::vector<std::string> lines_;
};

// A libsoup WebSocket client; messages are collected on the main context.
class WsClient {
 public:
  WsClient() = default;
  ~WsClient();
  bool connect(const std::string& url, const char* origin = nullptr, int timeout_ms = 5000);
  void send(const std::string& text);
  // Waits for the next unconsumed message whose "type" is `type`; "" on timeout.
  std::string wait_for(const std::string& type, int timeout_ms = 10000);
  bool wait_closed(int timeout_ms = 5000);
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

}  // namespace servetest
