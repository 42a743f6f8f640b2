// Starts the renderer as a child process and keeps it running: when it dies it is started again
// after a back-off (0.5 s doubling to 10 s, back to 0.5 s once a run lasted 10 s). Everything
// happens on the main context through GSubprocess's async wait, so a crashing or hanging
// renderer never blocks the server. The pipeline does not restart: vtksrc waits for the new
// renderer on the same shared-memory name. A renderer that hangs (stopped, deadlocked) does not
// exit by itself: whoever notices it (vtkstream-serve, from vtksrc's "lost, unresponsive"
// notice) calls kill_unresponsive(), and the restart logic above takes over.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <string>
#include <vector>

namespace vtkstream::serve {

class Supervisor {
 public:
  // state: "starting" (spawned), "restarting" (died, next start scheduled), "failed" (gave up:
  // the renderer rejected its arguments, exit status 2). detail: human text.
  using StateCallback = std::function<void(const std::string& state, const std::string& detail)>;

  Supervisor(std::vector<std::string> argv, StateCallback cb) : argv_(std::move(argv)), cb_(std::move(cb)) {}
  ~Supervisor() { stop(); }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  bool start(std::string* err);
  // Terminates the renderer (SIGTERM, then SIGKILL after 3 s) and waits for it.
  void stop();
  // SIGKILLs a running renderer that stopped responding (`why` goes into the restart notice); it
  // is then restarted like one that died. False when no renderer is running.
  bool kill_unresponsive(const std::string& why);
  // The running renderer's pid, or -1.
  int pid() const;
  const std::vector<std::string>& argv() const { return argv_; }
  int restarts() const { return restarts_; }

  static constexpr int kFirstBackoffMs = 500;
  static constexpr int kMaxBackoffMs = 10000;
  static constexpr gint64 kStableRunUs = 10 * G_USEC_PER_SEC;

 private:
  bool spawn(std::string* err);
  void on_exit();
  std::string describe_exit() const;

  std::vector<std::string> argv_;
  StateCallback cb_;
  GSubprocess* proc_ = nullptr;
  GCancellable* cancel_ = nullptr;
  guint timer_ = 0;
  int backoff_ms_ = kFirstBackoffMs;
  gint64 started_us_ = 0;
  int restarts_ = 0;
  int pid_ = -1;  // of the last child started
  bool stopping_ = false;
  std::string kill_reason_;  // set by kill_unresponsive() for the exit it causes
};

}  // namespace vtkstream::serve
