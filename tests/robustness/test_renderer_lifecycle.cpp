// The renderer's life next to the server's (issue 12), real binaries:
//  * HungRendererIsRestarted: SIGSTOP on the renderer; vtkstream-serve kills it and starts a new
//    one within 5 s of its heartbeat stopping (before: viewers were told "restarting" and nothing
//    restarted);
//  * (see the sweep and parent-death tests below)
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <dirent.h>
#include <fstream>

#include "fault_util.h"
#include "test_main_context.h"
#include "unique_name.h"

using namespace faults;
using vtkstream::test::unique_name;

namespace {

// Children of `pid`, from /proc (every thread's list: a child belongs to the thread that forked).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(dir + "/" + e->d_name + "/children");
      for (pid_t c; f >> c;) out.push_back(c);
    }
    closedir(d);
  }
  return out;
}

// Whatever happens in a test, a renderer it stopped does not stay stopped (by pid: the test's
// own server started it).
struct Unstopper {
  pid_t pid = -1;
  ~Unstopper() {
    if (pid > 0 && pid_running(pid)) kill(pid, SIGKILL);
  }
};

}  // namespace

TEST(RendererLifecycle, HungRendererIsRestartedWithin5s) {
  const std::string shm = unique_name("hung");
  auto server = start_server(shm);
  ASSERT_TRUE(server->started()) << "the server printed no link";
  ASSERT_TRUE(wait_running(*server, shm, 30000)) << server->health();
  const pid_t old_pid = peek(shm).writer_pid;
  ASSERT_GT(old_pid, 0);
  ASSERT_EQ(children_of(server->pid()), std::vector<pid_t>{old_pid});
  ASSERT_EQ(renderer_field(*server, "restarts"), "0");

  Unstopper guard{old_pid};
  ASSERT_EQ(kill(old_pid, SIGSTOP), 0);  // its heartbeat stops now
  const gint64 stopped_us = g_get_monotonic_time();
  pid_t new_pid = -1;
  const bool restarted = poll_until([&] {
    for (pid_t c : children_of(server->pid()))
      if (c != old_pid) new_pid = c;
    return new_pid > 0;
  }, 8000);
  const double after_s = double(g_get_monotonic_time() - stopped_us) / 1e6;
  ASSERT_TRUE(restarted) << "no new renderer 8 s after SIGSTOP";
  EXPECT_LT(after_s, 5.0) << "the new renderer started " << after_s << " s after the heartbeat stopped";
  std::printf("new renderer %d started %.2f s after SIGSTOP on %d\n", new_pid, after_s, old_pid);
  EXPECT_TRUE(wait_pid_gone(old_pid, 2000)) << "the hung renderer was not killed";
  EXPECT_TRUE(poll_until([&] { return renderer_field(*server, "restarts") == "1"; }, 5000)) << server->health();
  // The new renderer publishes and the server streams it.
  EXPECT_TRUE(poll_until([&] { return peek(shm).writer_pid == new_pid && renderer_field(*server, "state") == "running"; },
                         30000)) << server->health();
  const auto& err = server->stderr_lines();
  EXPECT_TRUE(std::any_of(err.begin(), err.end(), [](const std::string& l) {
    return l.find("stopped responding; killing and restarting it") != std::string::npos;
  }));
  EXPECT_EQ(server->terminate(), 0);
  EXPECT_FALSE(object_exists(shm));
}
