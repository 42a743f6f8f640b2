// Each side notices the other's death: a killed writer, a writer coming back on the same name,
// readers that come and go.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "shm_test_util.h"

using namespace vtkstream;
using namespace vtkstream::test;
using shm::FrameReader;

TEST(Liveness, ReaderNoticesAKilledWriterAndPicksUpItsSuccessor) {
  std::string name = unique_name("dies"), err;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = spawn_writer(name, fds[1]);
  char c;
  ASSERT_EQ(read(fds[0], &c, 1), 1);  // child has published
  FrameReader r(name);
  ASSERT_EQ(r.wait(5000), FrameReader::Status::kFrame);
  uint64_t first_session = r.session_id();

  kill(pid, SIGKILL);  // dies mid-stream: no cleanup, the object stays behind
  EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
  EXPECT_EQ(r.wait(5000), FrameReader::Status::kNoWriter);
  EXPECT_FALSE(r.attached());
  // The stale object is still there, but it is not a live stream.
  EXPECT_EQ(r.wait(50), FrameReader::Status::kNoWriter);

  // A new renderer on the same name replaces the stale object.
  auto w = shm::FrameWriter::create(name, 32, 8, &err);
  ASSERT_TRUE(w) << err;
  uint8_t* p = w->begin_frame(32, 8, 128, shm::PixelFormat::kRGBA, 0);
  fill_pattern(p, 32, 8, 128, 1);
  w->publish(shm::monotonic_ns(), 0);
  ASSERT_EQ(r.wait(5000), FrameReader::Status::kFrame);
  EXPECT_NE(r.session_id(), first_session);
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, nullptr, 0, 0));
  EXPECT_EQ(info.width, 32u);
  close(fds[0]);
  close(fds[1]);
}

TEST(Liveness, SecondLiveWriterOnTheSameNameIsRefused) {
  std::string name = unique_name("twice"), err;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = spawn_writer(name, fds[1]);
  char c;
  ASSERT_EQ(read(fds[0], &c, 1), 1);
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  EXPECT_EQ(w, nullptr);
  EXPECT_NE(err.find("already publishing"), std::string::npos) << err;
  kill(pid, SIGKILL);
  wait_child(pid);
  remove_object(name);  // the killed writer could not remove its object
  close(fds[0]);
  close(fds[1]);
}

TEST(Liveness, WriterSeesReadersComeAndGo) {
  std::string name = unique_name("readers"), err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  EXPECT_FALSE(w->has_readers());
  {
    FrameReader r(name);
    r.wait(0);
    EXPECT_TRUE(w->has_readers());
  }
  EXPECT_FALSE(w->has_readers());
  // A reader process that is killed leaves its entry behind; its pid is dead, so it does not count.
  pid_t pid = fork();
  if (pid == 0) {
    FrameReader r(name);
    r.wait(0);
    raise(SIGKILL);
  }
  EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
  EXPECT_FALSE(w->has_readers());
}

TEST(Liveness, CleanShutdownUnlinksAndWakesReaders) {
  std::string name = unique_name("close"), err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  FrameReader r(name);
  ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);
  std::thread t([&] { w.reset(); });
  EXPECT_EQ(r.wait(10000), FrameReader::Status::kNoWriter);
  t.join();
  EXPECT_EQ(access(("/dev/shm/" + name).c_str(), F_OK), -1);
}
