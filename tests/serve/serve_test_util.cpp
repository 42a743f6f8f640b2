#include "serve_test_util.h"

#include <signal.h>

#include <algorithm>
#include <cstring>

namespace servetest {

bool run_until(const std::function<bool()>& done, int timeout_ms) {
  bool timed_out = false;
  GSource* t = g_timeout_source_new(static_cast<guint>(timeout_ms));
  g_source_set_callback(t, [](gpointer d) -> gboolean {
    *static_cast<bool*>(d) = true;
    return G_SOURCE_REMOVE;
  }, &timed_out, nullptr);
  g_source_attach(t, nullptr);
  while (!done() && !timed_out) g_main_context_iteration(nullptr, TRUE);
  g_source_destroy(t);
  g_source_unref(t);
  return done();
}

Json::Json(const std::string& text) : parser_(json_parser_new()) {
  if (json_parser_load_from_data(parser_, text.c_str(), static_cast<gssize>(text.size()), nullptr)) {
    JsonNode* root = json_parser_get_root(parser_);
    if (root && JSON_NODE_HOLDS_OBJECT(root)) obj_ = json_node_get_object(root);
  }
}
Json::~Json() { g_object_unref(parser_); }
std::string Json::str(const char* k) const {
  if (!obj_ || !json_object_has_member(obj_, k)) return "";
  JsonNode* n = json_object_get_member(obj_, k);
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) return "";
  return json_node_get_string(n);
}
int64_t Json::integer(const char* k, int64_t fallback) const {
  if (!obj_ || !json_object_has_member(obj_, k)) return fallback;
  JsonNode* n = json_object_get_member(obj_, k);
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) return fallback;
  return json_node_get_int(n);
}
bool Json::has(const char* k) const { return obj_ && json_object_has_member(obj_, k); }

// ---------------------------------------------------------------------------------------------

FakeRenderer::FakeRenderer(const std::string& shm, uint32_t w, uint32_t h) : w_(w), h_(h) {
  std::string err;
  writer_ = vtkstream::shm::FrameWriter::create(shm, w, h, &err);
  if (!writer_) {
    g_printerr("FakeRenderer: %s\n", err.c_str());
    return;
  }
  thread_ = std::thread([this] { loop(); });
}

FakeRenderer::~FakeRenderer() {
  stop_ = true;
  if (writer_) writer_->wake_input();
  if (thread_.joinable()) thread_.join();
}

void FakeRenderer::loop() {
  uint64_t last_seq = 0, frame = 0;
  std::vector<vtkstream::shm::InputEvent> events;
  while (!stop_) {
    // A frame every 33 ms, sooner when input arrives (what a renderer does while interacting).
    writer_->wait_input(33);
    events.clear();
    writer_->drain_input(&events);
    for (const auto& e : events) {
      last_seq = std::max<uint64_t>(last_seq, e.seq);
      last_peer_ = e.peer_id;
      // Follow resize requests as vtkstream-render does (smaller sizes fit the slots as they are).
      if (e.kind == static_cast<uint16_t>(vtkstream::shm::InputKind::kResize) &&
          uint64_t(e.width) * e.height * 4 <= writer_->capacity()) {
        w_ = e.width;
        h_ = e.height;
      }
    }
    inputs_ += static_cast<int>(events.size());
    const uint32_t stride = w_ * 4;
    uint8_t* p = writer_->begin_frame(w_, h_, stride, vtkstream::shm::PixelFormat::kRGBA, 0);
    if (!p) continue;
    // A moving gradient: every frame differs, so the encoder has real work.
    for (uint32_t y = 0; y < h_; ++y)
      std::memset(p + size_t(y) * stride, static_cast<int>((y + frame * 3) & 0xff), stride);
    writer_->publish(vtkstream::shm::monotonic_ns(), last_seq);
    ++frame;
  }
}

// ---------------------------------------------------------------------------------------------

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::vector<std::string>& env, GSubprocessFlags extra) {
  std::vector<const char*> argv{binary.c_str()};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  GError* err = nullptr;
  GSubprocessLauncher* l = g_subprocess_launcher_new(GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE | extra));
  for (const auto& e : env) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos) g_subprocess_launcher_unsetenv(l, e.c_str());
    else g_subprocess_launcher_setenv(l, e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), TRUE);
  }
  proc_ = g_subprocess_launcher_spawnv(l, argv.data(), &err);
  g_object_unref(l);
  if (!proc_) {
    g_printerr("cannot start %s: %s\n", binary.c_str(), err ? err->message : "?");
    g_clear_error(&err);
    return;
  }
  out_ = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc_));
  read_line();
  // The control link comes first; the view-only link follows at once when tokens are on.
  run_until([this] {
    return (!url_.empty() && (token_.empty() || !view_token_.empty())) ||
           g_subprocess_get_identifier(proc_) == nullptr;
  }, 10000);
}

void ServerProcess::read_line() {
  g_data_input_stream_read_line_async(
      out_, G_PRIORITY_DEFAULT, cancel_,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        gsize n = 0;
        GError* e = nullptr;
        char* line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, &n, &e);
        if (!line) {  // EOF, error or cancelled (then `d` may be gone)
          g_clear_error(&e);
          return;
        }
        auto* self = static_cast<ServerProcess*>(d);
        std::string l(line);
        g_free(line);
        self->lines_.push_back(l);
        if (const size_t at = l.find("http://"); at != std::string::npos) {
          std::string link = l.substr(at, l.find(' ', at) - at);
          std::string token;
          if (const size_t q = link.find("?token="); q != std::string::npos) {
            token = link.substr(q + 7);
            link = link.substr(0, q);
          }
          if (self->url_.empty()) {
            self->url_ = link;
            self->token_ = token;
          } else if (self->view_token_.empty()) {
            self->view_token_ = token;
          }
        }
        g_main_context_wakeup(nullptr);
        self->read_line();
      },
      this);
}

std::string ServerProcess::ws_url(const std::string& token) const {
  const std::string t = token.empty() ? token_ : token == "-" ? "" : token;
  return "ws://" + url_.substr(7) + "ws" + (t.empty() ? "" : "?token=" + t);
}

int ServerProcess::terminate(int timeout_ms) {
  if (!proc_) return -1;
  g_cancellable_cancel(cancel_);
  g_subprocess_send_signal(proc_, SIGTERM);
  bool done = false;
  g_subprocess_wait_async(proc_, nullptr, [](GObject*, GAsyncResult*, gpointer d) { *static_cast<bool*>(d) = true; },
                          &done);
  if (!run_until([&] { return done; }, timeout_ms)) {
    g_subprocess_force_exit(proc_);
    run_until([&] { return done; }, 5000);
    return -1;
  }
  return g_subprocess_get_if_exited(proc_) ? g_subprocess_get_exit_status(proc_) : -1;
}

ServerProcess::~ServerProcess() {
  if (proc_ && g_subprocess_get_identifier(proc_)) terminate();
  g_clear_object(&out_);
  g_clear_object(&proc_);
  g_object_unref(cancel_);
}

// ---------------------------------------------------------------------------------------------

bool WsClient::connect(const std::string& url, const char* origin, int timeout_ms) {
  SoupMessage* msg = soup_message_new("GET", url.c_str());
  bool done = false;
  struct Ctx {
    WsClient* self;
    bool* done;
  } ctx{this, &done};
  soup_session_websocket_connect_async(
      session_, msg, origin, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* s, GAsyncResult* res, gpointer d) {
        auto* c = static_cast<Ctx*>(d);
        GError* e = nullptr;
        c->self->ws_ = soup_session_websocket_connect_finish(SOUP_SESSION(s), res, &e);
        if (e) c->self->connect_error_ = e->message;
        g_clear_error(&e);
        *c->done = true;
      },
      &ctx);
  g_object_unref(msg);
  run_until([&] { return done; }, timeout_ms);
  if (!ws_) return false;
  soup_websocket_connection_set_max_incoming_payload_size(ws_, 1 << 20);
  g_signal_connect(ws_, "message", G_CALLBACK(+[](SoupWebsocketConnection*, gint, GBytes* b, gpointer d) {
                     gsize n = 0;
                     const char* p = static_cast<const char*>(g_bytes_get_data(b, &n));
                     static_cast<WsClient*>(d)->messages_.emplace_back(p ? p : "", n);
                   }),
                   this);
  g_signal_connect(ws_, "closed", G_CALLBACK(+[](SoupWebsocketConnection* ws, gpointer d) {
                     auto* self = static_cast<WsClient*>(d);
                     self->closed_ = true;
                     self->close_code_ = soup_websocket_connection_get_close_code(ws);
                   }),
                   this);
  return true;
}

void WsClient::send(const std::string& text) {
  if (ws_ && soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(ws_, text.c_str());
}

std::string WsClient::wait_for(const std::string& type, int timeout_ms) {
  std::string found;
  run_until(
      [&] {
        for (auto it = messages_.begin(); it != messages_.end(); ++it)
          if (Json(*it).str("type") == type) {
            found = *it;
            messages_.erase(it);
            return true;
          }
        return closed_;
      },
      timeout_ms);
  return found;
}

bool WsClient::wait_closed(int timeout_ms) {
  return run_until([&] { return closed_; }, timeout_ms);
}

WsClient::~WsClient() {
  if (ws_) {
    g_signal_handlers_disconnect_matched(ws_, G_SIGNAL_MATCH_DATA, 0, 0, nullptr, nullptr, this);
    if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_object_unref(ws_);
  }
  g_object_unref(session_);
}

// ---------------------------------------------------------------------------------------------

int raw_http(const std::string& url, const std::string& request_line, std::string* headers_out,
             const std::string& extra_headers) {
  // url: http://HOST:PORT/
  const std::string hostport = url.substr(7, url.find('/', 7) - 7);
  GSocketClient* client = g_socket_client_new();
  g_socket_client_set_timeout(client, 5);
  GSocketConnection* conn = g_socket_client_connect_to_host(client, hostport.c_str(), 80, nullptr, nullptr);
  g_object_unref(client);
  if (!conn) return -1;
  const std::string req = request_line + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n" +
                          extra_headers + "\r\n";
  GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  g_output_stream_write_all(out, req.data(), req.size(), nullptr, nullptr, nullptr);
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  std::string resp;
  char buf[4096];
  while (resp.find("\r\n\r\n") == std::string::npos) {
    const gssize n = g_input_stream_read(in, buf, sizeof(buf), nullptr, nullptr);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  g_object_unref(conn);
  int status = -1;
  if (resp.rfind("HTTP/1.1 ", 0) == 0) status = std::atoi(resp.c_str() + 9);
  if (headers_out) *headers_out = resp.substr(0, resp.find("\r\n\r\n"));
  return status;
}

}  // namespace servetest
