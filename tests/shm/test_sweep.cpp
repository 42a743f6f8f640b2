// Objects left behind by writers that are gone are removed, and nothing else (issue 12): a ring
// whose writer was killed goes; a live writer's, a stopped writer's, a foreign object and
// another prefix stay.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "shm_test_util.h"
#include "vtkstream/shm.h"

namespace shm = vtkstream::shm;
using namespace vtkstream::test;

namespace {

bool exists(const std::string& name) {
  struct stat st;
  return stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

// A writer in a child that is killed: its object stays behind with a dead pid in it.
pid_t leave_stale_ring(const std::string& name) {
  int p[2];
  if (pipe(p) != 0) return -1;
  const pid_t pid = spawn_writer(name, p[1]);
  char c;
  const bool ready = read(p[0], &c, 1) == 1;
  close(p[0]);
  close(p[1]);
  kill(pid, SIGKILL);
  wait_child(pid);
  return ready ? pid : -1;
}

// Removes what a failed test left.
struct Cleanup {
  std::vector<std::string> names;
  ~Cleanup() {
    for (const auto& n : names) remove_object(n);
  }
};

}  // namespace

TEST(Sweep, RingOfAKilledWriterIsRemoved) {
  const std::string name = unique_name("stale");
  Cleanup c{{name}};
  const pid_t pid = leave_stale_ring(name);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(exists(name)) << "a killed writer leaves its object";
  int32_t writer = 0;
  EXPECT_TRUE(shm::remove_if_stale(name, &writer));
  EXPECT_EQ(writer, pid);
  EXPECT_FALSE(exists(name));
  EXPECT_FALSE(shm::remove_if_stale(name));  // nothing left
}

TEST(Sweep, LiveStoppedAndForeignObjectsStay) {
  const std::string live = unique_name("live"), stopped = unique_name("stopped"), foreign = unique_name("foreign");
  Cleanup c{{live, stopped, foreign}};
  std::string err;
  auto w = shm::FrameWriter::create(live, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  EXPECT_FALSE(shm::remove_if_stale(live));
  EXPECT_TRUE(exists(live));

  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const pid_t pid = spawn_writer(stopped, p[1]);
  char ch;
  ASSERT_EQ(read(p[0], &ch, 1), 1);
  close(p[0]);
  close(p[1]);
  ASSERT_EQ(kill(pid, SIGSTOP), 0);  // hung, not gone: its supervisor decides, not a sweep
  EXPECT_FALSE(shm::remove_if_stale(stopped));
  EXPECT_TRUE(exists(stopped));
  kill(pid, SIGKILL);
  wait_child(pid);

  const std::string junk(8192, '\x5a');
  write_object(foreign, junk.data(), junk.size());
  EXPECT_FALSE(shm::remove_if_stale(foreign));
  EXPECT_TRUE(exists(foreign));
}

TEST(Sweep, ByPrefixRemovesOnlyStaleRingsUnderIt) {
  const std::string prefix = unique_name("sweep") + "-";
  const std::string stale1 = prefix + "a", stale2 = prefix + "b", live = prefix + "live", junk = prefix + "junk";
  const std::string outside = unique_name("outside");
  Cleanup c{{stale1, stale2, live, junk, outside}};
  ASSERT_GT(leave_stale_ring(stale1), 0);
  ASSERT_GT(leave_stale_ring(stale2), 0);
  ASSERT_GT(leave_stale_ring(outside), 0);
  std::string err;
  auto w = shm::FrameWriter::create(live, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  const std::string bytes(8192, '\x11');
  write_object(junk, bytes.data(), bytes.size());

  std::vector<std::string> gone = shm::sweep_stale(prefix);
  std::sort(gone.begin(), gone.end());
  EXPECT_EQ(gone, (std::vector<std::string>{stale1, stale2}));
  EXPECT_FALSE(exists(stale1));
  EXPECT_FALSE(exists(stale2));
  EXPECT_TRUE(exists(live));
  EXPECT_TRUE(exists(junk));
  EXPECT_TRUE(exists(outside)) << "another prefix was swept";
}
