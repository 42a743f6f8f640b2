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
  long peak_rss_kb = -1;  // VmHWM: the highest RSS since start or since reset_peak_rss()
  int fds = -1;
  int threads = -1;
};
ProcStats proc_stats(pid_t pid);
// Polls /proc (another process: it offers no wakeup) until `pid` holds at most `fds`
// descriptors or `timeout_ms` passed, running the test's main context meanwhile; returns the last
// reading. The server closes a departed peer's sockets on its own context shortly after the
// peer is gone (a response sent, a branch torn down), later when the machine is loaded.
ProcStats settle(pid_t pid, int fds, int timeout_ms);
// What each of the process's descriptors points at ("socket:[123]", "/dev/shm/x", "anon_inode:
// [eventfd]"), sorted: printed when a descriptor check fails, so the failure names the leak.
std::vector<std::string> fd_targets(pid_t pid);
// The targets in `after` that `before` lacks, one per line ("" when none).
std::string new_fds(const std::vector<std::string>& before, const std::vector<std::string>& after);
// Resets the process's peak RSS to its current RSS (/proc/PID/clear_refs); false if refused.
bool reset_peak_rss(pid_t pid);

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
  // Waits until /healthz says the renderer is running (the stream has its caps).
  bool wait_renderer_running(int timeout_ms) const;
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
  // Connects and upgrades `path` (with `extra_headers`, each ending in \r\n); ok() says
  // whether the server answered 101, head() is its response head.
  RawWs(const std::string& base, const std::string& path, const std::string& extra_headers = "");
  ~RawWs();
  bool ok() const { return ok_; }
  const std::string& head() const { return head_; }
  // One frame: `opcode` (1 text, 2 binary, 0 continuation), masked unless told not to, FIN set
  // unless `fin` is false. `claimed_len` (when >= 0) is written as the length instead of
  // payload.size(). False when the write failed (the server closed).
  bool send_frame(int opcode, const std::string& payload, bool masked = true, int64_t claimed_len = -1,
                  bool fin = true);
  // Reads until the server sends a close frame (its code) or drops the connection (0); -1 if
  // it did neither within the timeout. Text frames on the way are kept in *texts.
  int read_until_closed(std::vector<std::string>* texts = nullptr);

 private:
  GSocketConnection* conn_ = nullptr;
  bool ok_ = false;
  std::string head_;
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

// A web directory holding a one-line index.html (the servers under test need one; these tests do
// not load the real page), removed when the program exits.
std::string minimal_web_dir();

}  // namespace robust
