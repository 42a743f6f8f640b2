// The renderer's life next to the server's (issue 12), real binaries:
//  * HungRendererIsRestarted: SIGSTOP on the renderer; vtkstream-serve kills it and starts a new
//    one within 5 s of its heartbeat stopping (before: viewers were told "restarting" and nothing
//    restarted);
//  * KilledServerTakesItsRendererAlong: SIGKILL on the server; the renderer exits within 2 s and
//    its object is gone (before: it ran on as an orphan holding 33 MB in /dev/shm);
//  * StaleRingsAreSweptAtStart: what a killed renderer left on a private name is removed when
//    the next server starts; nothing else is.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <dirent.h>
#include <fstream>

#include "fault_util.h"
#include "test_main_context.h"
#include "unique_name.h"
#include "vtkstream/shm.h"

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

// SIGKILL on the server: its renderer gets SIGTERM from the kernel (parent-death signal), exits
// within 2 s and removes its object (before: it ran on as an orphan holding its ring).
TEST(RendererLifecycle, KilledServerTakesItsRendererAlong) {
  const std::string shm = unique_name("orphan");
  auto server = start_server(shm);
  ASSERT_TRUE(server->started()) << "the server printed no link";
  ASSERT_TRUE(wait_running(*server, shm, 30000)) << server->health();
  const pid_t renderer = peek(shm).writer_pid;
  ASSERT_GT(renderer, 0);
  Unstopper guard{renderer};  // killed by pid should the test fail
  ASSERT_EQ(kill(server->pid(), SIGKILL), 0);
  const gint64 t0 = g_get_monotonic_time();
  EXPECT_TRUE(wait_pid_gone(renderer, 2000)) << "the renderer outlived its server by 2 s";
  std::printf("renderer exited %.2f s after the server was killed\n", double(g_get_monotonic_time() - t0) / 1e6);
  EXPECT_FALSE(object_exists(shm)) << "the renderer left its object behind";
}

namespace {

// What a renderer killed with its server leaves: a ring on a private name (vtkstream-serve-PID)
// whose writer pid is dead. Made by a forked writer that exits without its destructors.
std::string leave_private_stale_ring() {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string name = "vtkstream-serve-" + std::to_string(getpid());
    vtkstream::shm::FrameWriter::Options o;
    o.heartbeat_thread = false;
    std::string err;
    auto w = vtkstream::shm::FrameWriter::create(name, 16, 16, o, &err);
    _exit(w ? 0 : 1);  // no destructor: the object stays, as after SIGKILL
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return "";
  return "vtkstream-serve-" + std::to_string(pid);
}

struct ShmRemover {
  std::vector<std::string> names;
  ~ShmRemover() {
    for (const auto& n : names) shm_unlink(("/" + n).c_str());
  }
};

}  // namespace

// The next server sweeps such leftovers before it starts its renderer; live rings, a stopped
// writer's and anything that is not a ring stay.
TEST(RendererLifecycle, StaleRingsAreSweptAtStart) {
  const std::string stale = leave_private_stale_ring();
  ASSERT_FALSE(stale.empty());
  const std::string live = "vtkstream-serve-" + std::to_string(getpid()) + "-live";
  const std::string junk = "vtkstream-serve-" + std::to_string(getpid()) + "-junk";
  ShmRemover cleanup{{stale, live, junk}};
  ASSERT_TRUE(object_exists(stale));
  std::string err;
  auto writer = vtkstream::shm::FrameWriter::create(live, 16, 16, &err);
  ASSERT_TRUE(writer) << err;
  const int fd = shm_open(("/" + junk).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 8192), 0);
  close(fd);

  // Default private name: the server sweeps before it starts the renderer, i.e. before its links.
  robust::Server server(g_server,
                        {"--port", "0", "--renderer", g_renderer, "--render", "--size 160x120 --demo"},
                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  ASSERT_TRUE(server.started());
  EXPECT_FALSE(object_exists(stale)) << "the stale ring was not swept";
  EXPECT_TRUE(object_exists(live));
  EXPECT_TRUE(object_exists(junk));
  const auto& lines = server.stderr_lines();
  EXPECT_TRUE(vtkstream::test::run_until([&] {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find("removed stale shared memory '" + stale + "'") != std::string::npos;
    });
  }, 5000));
  EXPECT_EQ(server.terminate(), 0);
}
