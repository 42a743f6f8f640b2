// Helpers for the robustness tests (tests/robustness/): the real vtkstream-serve as a child
// whose pid, memory and file descriptors we can watch, /healthz, a raw MJPEG part counter on a
// thread. The server process, WebSocket client, fake renderer and receive-only webrtcbin come
// from tests/common.
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server_process.h"

namespace robust {

// What /proc says about a process: resident memory (VmRSS, KiB), open descriptors, threads.
struct ProcStats {
  long rss_kb = -1;
  int fds = -1;
  int threads = -1;
};
ProcStats proc_stats(pid_t pid);

// vtkstream-serve started with `args` plus --token-file: a control and a view token this
// class chose (so the test knows both).
class Server {
 public:
  // `extra`: G_SUBPROCESS_FLAGS_STDERR_PIPE keeps the server's stderr lines (stderr_lines()).
  Server(const std::string& binary, const std::vector<std::string>& args,
         GSubprocessFlags extra = G_SUBPROCESS_FLAGS_NONE);
  ~Server();
  bool started() const { return !base_.empty(); }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }
  bool auth() const { return !control_.empty(); }  // false only if the token file failed
  const std::string& base() const { return base_; }  // http://127.0.0.1:PORT/
  // ws://HOST:PORT/ws, with ?token= (control or view token) when the server checks tokens.
  std::string ws_url(bool view_only = false) const;
  // `path` ("/mjpeg?peer=3", "/healthz") with the control token added where needed.
  std::string path_with_token(const std::string& path) const;
  // The /healthz body ("" when the request failed) and one integer field of it (-1 if absent).
  std::string health() const;
  int64_t health_int(const char* key) const;
  // Waits until /healthz shows no peers and no MJPEG streams.
  bool wait_no_peers(int timeout_ms) const;
  // True while the process runs.
  bool alive() const { return proc_ && proc_->running(); }
  int terminate(int timeout_ms = 10000) { return proc_ ? proc_->terminate(timeout_ms) : -1; }
  const std::vector<std::string>& stderr_lines() const { return proc_->stderr_lines(); }

 private:
  std::unique_ptr<vtkstream::test::ServerProcess> proc_;  // starts, reads the links, stops
  std::string base_, control_, view_, token_file_;
};

// A plain HTTP GET of `path` over a fresh socket; the status (-1 on failure), body in *body.
int http_get(const std::string& base, const std::string& path, std::string* body);

// A WebSocket spoken byte by byte over a plain socket, for what libsoup's client refuses to
// send (invalid UTF-8, lying length fields, unmasked frames). Blocking, with a 5 s socket timeout.
class RawWs {
 public:
  // Connects and upgrades `path`; ok() says whether the server answered 101.
  RawWs(const std::string& base, const std::string& path);
  ~RawWs();
  bool ok() const { return ok_; }
  // One frame: FIN set, `opcode` (1 text, 2 binary), masked unless told not to. `claimed_len`
  // (when >= 0) is written as the length instead of payload.size().
  void send_frame(int opcode, const std::string& payload, bool masked = true, int64_t claimed_len = -1);
  // Reads until the server sends a close frame (its code) or drops the connection (0); -1 if
  // it did neither within the timeout. Text frames on the way are kept in *texts.
  int read_until_closed(std::vector<std::string>* texts = nullptr);

 private:
  GSocketConnection* conn_ = nullptr;
  bool ok_ = false;
};

// Reads an MJPEG stream on its own thread and counts the parts as they arrive.
class MjpegCounter {
 public:
  MjpegCounter(const std::string& base, const std::string& path);
  ~MjpegCounter();
  int parts() const { return parts_; }
  bool failed() const { return failed_; }

 private:
  void loop(std::string base, std::string path);
  GCancellable* cancel_ = g_cancellable_new();
  std::atomic<int> parts_{0};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace robust
