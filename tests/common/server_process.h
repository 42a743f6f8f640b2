// The real vtkstream-serve as a child process (GSubprocess): started with the test's arguments,
// its printed links read from stdout on the default main context, SIGTERM and a bounded wait
// when the test is done (and in the destructor, whatever the test's outcome).
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace vtkstream::test {

// The real vtkstream-serve, started with `args`; url() once it printed its line.
class ServerProcess {
 public:
  // Waits for the control link line and, when tokens are on, the view-only line. With
  // G_SUBPROCESS_FLAGS_STDERR_PIPE in `extra`, the server's stderr (its renderer's too) is read
  // line by line into stderr_lines() (and echoed to ours) while the main context runs.
  ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::vector<std::string>& env = {}, GSubprocessFlags extra = G_SUBPROCESS_FLAGS_NONE);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  GSubprocess* process() const { return proc_; }
  // The server's pid, whose /proc entries a test may watch (-1 when it did not start).
  pid_t pid() const { return pid_; }
  // True while the process runs (until it exited and was reaped).
  bool running() const;
  bool started() const { return !url_.empty(); }
  const std::string& url() const { return url_; }     // http(s)://127.0.0.1:PORT/ (no token)
  // The tokens of the printed control and view-only links ("" with --no-auth).
  const std::string& token() const { return token_; }
  const std::string& view_token() const { return view_token_; }
  // ws://127.0.0.1:PORT/ws?token=CONTROL (wss:// under TLS; or `token` when given; "-" for none)
  std::string ws_url(const std::string& token = "") const;
  // "?token=CONTROL" or "" with --no-auth: append to a path for an authorised request.
  std::string q() const { return token_.empty() ? "" : "?token=" + token_; }
  // Lines the server printed on stdout so far.
  const std::vector<std::string>& lines() const { return lines_; }
  const std::vector<std::string>& stderr_lines() const { return err_lines_; }
  // SIGTERM and wait; returns the exit status (-1 on timeout or signal death).
  int terminate(int timeout_ms = 10000);

 private:
  void read_line();
  void read_err_line();
  GSubprocess* proc_ = nullptr;
  pid_t pid_ = -1;
  GDataInputStream* out_ = nullptr;
  GDataInputStream* err_ = nullptr;
  std::vector<std::string> err_lines_;
  GCancellable* cancel_ = g_cancellable_new();
  std::string url_, token_, view_token_;
  std::vector<std::string> lines_;
};

}  // namespace vtkstream::test
