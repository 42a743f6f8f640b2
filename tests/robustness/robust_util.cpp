#include "robust_util.h"

#include <dirent.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include "test_main_context.h"
#include "ws_client.h"
#include "unique_name.h"

using vtkstream::test::Json;
using vtkstream::test::run_until;

namespace robust {

ProcStats proc_stats(pid_t pid) {
  ProcStats s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmHWM:", 0) == 0) s.peak_rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("Threads:", 0) == 0) s.threads = static_cast<int>(std::strtol(line.c_str() + 8, nullptr, 10));
  }
  if (DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    s.fds = 0;
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++s.fds;
    closedir(d);
  }
  return s;
}

ProcStats settle(pid_t pid, int fds, int timeout_ms) {
  ProcStats s = proc_stats(pid);
  const gint64 end = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (s.fds > fds && g_get_monotonic_time() < end) {
    vtkstream::test::run_until([] { return false; }, 20);
    s = proc_stats(pid);
  }
  return s;
}

std::vector<std::string> fd_targets(pid_t pid) {
  std::vector<std::string> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      char target[256];
      const ssize_t n = readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
      out.push_back(std::string(e->d_name) + " -> " + (n > 0 ? std::string(target, size_t(n)) : "?"));
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string new_fds(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  std::string s;
  for (const auto& t : after)
    if (std::find(before.begin(), before.end(), t) == before.end()) s += "  " + t + "\n";
  return s;
}

bool reset_peak_rss(pid_t pid) {
  // "5" resets VmHWM to the current RSS (proc(5), Linux 4.0).
  std::ofstream f("/proc/" + std::to_string(pid) + "/clear_refs");
  f << "5";
  f.flush();
  return f.good();
}

namespace {

std::string random_token() {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string t;
  for (int i = 0; i < 32; ++i) t += kChars[g_random_int_range(0, sizeof(kChars) - 1)];
  return t;
}

}  // namespace

Server::Server(const std::string& binary, const std::vector<std::string>& args, GSubprocessFlags extra) {
  // Tokens this test chose, from a 0600 file: the way a service gets them (--token-file).
  std::vector<std::string> all(args);
  control_ = random_token();
  view_ = random_token();
  gchar* path = nullptr;
  const int fd = g_file_open_tmp("vtkrobust-token-XXXXXX", &path, nullptr);
  if (fd < 0) return;
  close(fd);
  token_file_ = path;
  g_free(path);
  const std::string text = "control=" + control_ + "\nview=" + view_ + "\n";
  if (!g_file_set_contents(token_file_.c_str(), text.c_str(), -1, nullptr)) return;
  all.insert(all.end(), {"--token-file", token_file_});
  proc_ = std::make_unique<vtkstream::test::ServerProcess>(binary, all, std::vector<std::string>{}, extra);
  if (!proc_->started()) return;
  base_ = proc_->url();
}

std::string Server::ws_url(bool view_only) const {
  std::string u = "ws://" + base_.substr(7) + "ws";
  if (auth()) u += "?token=" + (view_only ? view_ : control_);
  return u;
}

std::string Server::path_with_token(const std::string& path) const {
  if (!auth() || path.find("token=") != std::string::npos) return path;
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "token=" + control_;
}

std::string Server::health() const {
  std::string body;
  return http_get(base_, path_with_token("/healthz"), &body) == 200 ? body : "";
}

int64_t Server::health_int(const char* key) const { return Json(health()).integer(key); }

namespace {

// /healthz is a request to another process: asks it every 20 ms until `done` says so.
bool poll_health(const Server& s, int timeout_ms, const std::function<bool(const std::string&)>& done) {
  const gint64 end = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (g_get_monotonic_time() < end) {
    if (done(s.health())) return true;
    bool tick = false;
    const guint id = g_timeout_add(20, [](gpointer p) { *static_cast<bool*>(p) = true; return G_SOURCE_REMOVE; }, &tick);
    if (!run_until([&] { return tick; }, 1000)) g_source_remove(id);
  }
  return false;
}

}  // namespace

bool Server::wait_no_peers(int timeout_ms) const {
  return poll_health(*this, timeout_ms,
                     [](const std::string& body) {
                       const Json h(body);
                       return h.integer("peers") == 0 && h.integer("mjpeg_streams") == 0;
                     });
}

bool Server::wait_renderer_running(int timeout_ms) const {
  // "renderer" is an object: look for its state in the text.
  return poll_health(*this, timeout_ms, [](const std::string& body) {
    return body.find(R"("renderer":{"state":"running")") != std::string::npos;
  });
}

Server::~Server() {
  proc_.reset();  // terminates the server if it still runs
  if (!token_file_.empty()) g_unlink(token_file_.c_str());
}

// ---------------------------------------------------------------------------------------------

namespace {

GSocketConnection* connect_to(const std::string& base, GCancellable* cancel) {
  const std::string hostport = base.substr(7, base.find('/', 7) - 7);
  GSocketClient* client = g_socket_client_new();
  g_socket_client_set_timeout(client, 5);
  GSocketConnection* conn = g_socket_client_connect_to_host(client, hostport.c_str(), 80, cancel, nullptr);
  g_object_unref(client);
  return conn;
}

bool send_get(GSocketConnection* conn, const std::string& base, const std::string& path) {
  const std::string hostport = base.substr(7, base.find('/', 7) - 7);
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n\r\n";
  return g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req.data(), req.size(), nullptr,
                                   nullptr, nullptr);
}

}  // namespace

int http_get(const std::string& base, const std::string& path, std::string* body) {
  GSocketConnection* conn = connect_to(base, nullptr);
  if (!conn) return -1;
  std::string resp;
  if (send_get(conn, base, path)) {
    GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    char buf[4096];
    for (gssize n; (n = g_input_stream_read(in, buf, sizeof buf, nullptr, nullptr)) > 0 && resp.size() < (1 << 20);)
      resp.append(buf, static_cast<size_t>(n));
  }
  g_object_unref(conn);
  if (resp.rfind("HTTP/1.1 ", 0) != 0) return -1;
  const size_t head_end = resp.find("\r\n\r\n");
  if (body) {
    *body = head_end == std::string::npos ? "" : resp.substr(head_end + 4);
    // /healthz is small: a chunked body is one chunk; strip its size line and trailer.
    if (resp.find("chunked") < head_end && !body->empty()) {
      const size_t nl = body->find("\r\n");
      const size_t len = std::strtoul(body->c_str(), nullptr, 16);
      *body = nl == std::string::npos ? "" : body->substr(nl + 2, len);
    }
  }
  return std::atoi(resp.c_str() + 9);
}

// ---------------------------------------------------------------------------------------------

RawWs::RawWs(const std::string& base, const std::string& path, const std::string& extra_headers) {
  conn_ = connect_to(base, nullptr);
  if (!conn_) return;
  g_socket_set_timeout(g_socket_connection_get_socket(conn_), 5);
  const std::string hostport = base.substr(7, base.find('/', 7) - 7);
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + hostport +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + extra_headers + "\r\n";
  if (!g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn_)), req.data(), req.size(), nullptr,
                                 nullptr, nullptr))
    return;
  // Read the response head byte by byte, so no frame after it is swallowed.
  std::string head;
  char c;
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn_));
  while (head.size() < 4096 && head.find("\r\n\r\n") == std::string::npos &&
         g_input_stream_read(in, &c, 1, nullptr, nullptr) == 1)
    head += c;
  ok_ = head.rfind("HTTP/1.1 101", 0) == 0;
  head_ = head;
}

RawWs::~RawWs() {
  if (conn_) g_object_unref(conn_);
}

bool RawWs::send_frame(int opcode, const std::string& payload, bool masked, int64_t claimed_len, bool fin) {
  if (!conn_) return false;
  const uint64_t len = claimed_len >= 0 ? uint64_t(claimed_len) : payload.size();
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | (opcode & 0x0f));
  const char mask_bit = masked ? '\x80' : 0;
  if (len < 126) {
    f += static_cast<char>(mask_bit | char(len));
  } else if (len < 65536) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>(len >> 8);
    f += static_cast<char>(len & 0xff);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((len >> (8 * i)) & 0xff);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f += masked ? char(payload[i] ^ key[i % 4]) : payload[i];
  return g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn_)), f.data(), f.size(), nullptr,
                                   nullptr, nullptr);
}

int RawWs::read_until_closed(std::vector<std::string>* texts) {
  if (!conn_) return 0;
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn_));
  std::string buf;
  char chunk[4096];
  for (;;) {
    // Parse whole frames (the server does not mask; lengths up to 64 bits).
    while (buf.size() >= 2) {
      const int op = buf[0] & 0x0f;
      uint64_t len = uint8_t(buf[1]) & 0x7f;
      size_t hdr = 2;
      if (len == 126) {
        if (buf.size() < 4) break;
        len = (uint64_t(uint8_t(buf[2])) << 8) | uint8_t(buf[3]);
        hdr = 4;
      } else if (len == 127) {
        if (buf.size() < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | uint8_t(buf[2 + i]);
        hdr = 10;
      }
      if (buf.size() < hdr + len) break;
      const std::string payload = buf.substr(hdr, len);
      buf.erase(0, hdr + len);
      if (op == 8) return payload.size() >= 2 ? (uint8_t(payload[0]) << 8) | uint8_t(payload[1]) : 1005;
      if (op == 1 && texts) texts->push_back(payload);
    }
    GError* err = nullptr;
    const gssize n = g_input_stream_read(in, chunk, sizeof chunk, nullptr, &err);
    const bool timed_out = err && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_clear_error(&err);
    if (timed_out) return -1;
    if (n <= 0) return 0;
    buf.append(chunk, static_cast<size_t>(n));
  }
}

// ---------------------------------------------------------------------------------------------

MjpegCounter::MjpegCounter(const std::string& base, const std::string& path)
    : thread_([this, base, path] { loop(base, path); }) {}

void MjpegCounter::loop(std::string base, std::string path) {
  GSocketConnection* conn = connect_to(base, cancel_);
  if (!conn || !send_get(conn, base, path)) {
    failed_ = true;
    if (conn) g_object_unref(conn);
    g_main_context_wakeup(nullptr);
    return;
  }
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  static const std::string kBoundary = "--vtkstreamframe";
  std::string window;  // the unscanned tail, shorter than the boundary
  char buf[16384];
  for (gssize n; (n = g_input_stream_read(in, buf, sizeof buf, cancel_, nullptr)) > 0;) {
    window.append(buf, static_cast<size_t>(n));
    size_t pos = 0, found = 0;
    for (size_t at; (at = window.find(kBoundary, pos)) != std::string::npos; pos = at + kBoundary.size()) ++found;
    window.erase(0, std::max(pos, window.size() > kBoundary.size() ? window.size() - kBoundary.size() : 0));
    if (found) {
      parts_ += static_cast<int>(found);
      g_main_context_wakeup(nullptr);
    }
  }
  if (!g_cancellable_is_cancelled(cancel_)) failed_ = true;
  g_object_unref(conn);
  g_main_context_wakeup(nullptr);
}

MjpegCounter::~MjpegCounter() {
  g_cancellable_cancel(cancel_);
  if (thread_.joinable()) thread_.join();
  g_object_unref(cancel_);
}

std::string minimal_web_dir() {
  static const vtkstream::test::TempDir dir("vtkrobust-web");
  static const bool filled =
      g_file_set_contents(dir.file("index.html").c_str(), "<!doctype html><title>t</title>", -1, nullptr);
  (void)filled;
  return dir.path();
}

}  // namespace robust
