#include "ws_client.h"

#include <cstdlib>

#include "test_main_context.h"

namespace vtkstream::test {

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

bool WsClient::close(int timeout_ms) {
  if (ws_ && soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  return wait_closed(timeout_ms);
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

}  // namespace vtkstream::test
