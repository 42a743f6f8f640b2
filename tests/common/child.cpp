#include "child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

extern char** environ;

namespace vtkstream::test {

Child::Child(const std::vector<std::string>& argv, const std::string& stderr_path) : stderr_path_(stderr_path) {
  if (argv.empty()) return;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!stderr_path.empty())
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with default signal handling and mask whatever gtest set up here.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ) == 0) {
    pid_ = pid;
    // Raw syscall: glibc 2.36's <sys/pidfd.h> lacks the extern "C" guard.
    pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
}

Child::~Child() {
  if (running()) stop(5000);
  if (pidfd_ >= 0) close(pidfd_);
}

int Child::wait_exit(int timeout_ms) {
  if (pid_ <= 0) return -1;
  if (status_ >= 0) return status_;
  if (pidfd_ >= 0) {
    pollfd p{pidfd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return -1;
  }
  // Without a pidfd (old kernel) only "now" (0) and "forever" are honoured.
  int st = 0;
  if (waitpid(pid_, &st, pidfd_ < 0 && timeout_ms == 0 ? WNOHANG : 0) != pid_) return -1;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_;
}

bool Child::running() { return pid_ > 0 && status_ < 0 && wait_exit(0) < 0; }

int Child::terminate(int timeout_ms) {
  if (running()) kill(pid_, SIGTERM);
  return wait_exit(timeout_ms);
}

int Child::stop(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const int st = terminate(timeout_ms);
  if (st >= 0) return st;
  kill(pid_, SIGKILL);  // our own child, by pid: it ignored SIGTERM
  wait_exit(-1);
  return -1;
}

std::string Child::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vtkstream::test
