// A child process whose stdout and stderr (merged) are read line by line on the default main
// context, so a test can wait for a line without polling (gst-launch-1.0 prints its WARNINGs and
// fakesink's per-buffer messages there). SIGTERM and a bounded wait when the object goes,
// whatever the test's outcome.
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace robust {

class LineProcess {
 public:
  explicit LineProcess(const std::vector<std::string>& argv);
  ~LineProcess();
  LineProcess(const LineProcess&) = delete;
  LineProcess& operator=(const LineProcess&) = delete;
  bool started() const { return proc_ != nullptr; }
  pid_t pid() const { return pid_; }
  bool running() const { return proc_ && g_subprocess_get_identifier(proc_) != nullptr; }
  // Exit status, 128+N for death by signal N, -1 while it runs.
  int status() const;
  const std::vector<std::string>& lines() const { return lines_; }
  // Index of the first line at or after `from` matching `pred`, waiting up to timeout_ms for it
  // (or for the process to end); -1 if none came.
  int wait_line(const std::function<bool(const std::string&)>& pred, int timeout_ms, size_t from = 0);

 private:
  void read_line();
  GSubprocess* proc_ = nullptr;
  pid_t pid_ = -1;
  GDataInputStream* out_ = nullptr;
  GCancellable* cancel_ = g_cancellable_new();
  std::vector<std::string> lines_;
  bool eof_ = false;
};

}  // namespace robust
