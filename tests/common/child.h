// A child process started from an argv (posix_spawn), waited for through a pidfd (poll with a
// timeout, no sleeping), and never left behind: when the object goes, a child still running
// gets SIGTERM (so a renderer can remove its shared memory), then SIGKILL, and is reaped.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vtkstream::test {

class Child {
 public:
  // `stderr_path`: where the child's stderr goes (a fresh file); "" keeps ours.
  explicit Child(const std::vector<std::string>& argv, const std::string& stderr_path = "");
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Waits for exit. Returns the exit status, 128+N for death by signal N, or -1 on timeout.
  int wait_exit(int timeout_ms);
  bool running();
  // SIGTERM, then wait_exit(timeout_ms).
  int terminate(int timeout_ms);
  // terminate(timeout_ms), and SIGKILL when that timed out. The exit status, or -1 when the
  // child had to be killed.
  int stop(int timeout_ms = 10000);
  // What the child wrote to stderr_path.
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int status_ = -1;
  std::string stderr_path_;
};

}  // namespace vtkstream::test
