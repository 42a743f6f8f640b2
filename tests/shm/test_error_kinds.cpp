// FrameReader::error_kind(): each failure the reader reports comes with a kind a caller can
// branch on (vtksrc warns about an unusable frame, waits quietly for a missing renderer), and
// the kind always agrees with the text of error(). Invalid headers, another user's object,
// unusable frames and small buffers are covered next to their cases in test_validation.cpp and
// test_frame_ring.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <vector>

#include "shm_test_util.h"

using namespace vtkstream;
using namespace vtkstream::test;
using shm::ErrorKind;
using shm::FrameReader;

TEST(ErrorKinds, NoneBeforeAnythingWentWrongAndAfterAttaching) {
  const std::string name = unique_name("kind-none");
  std::string err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  FrameReader r(name);
  EXPECT_EQ(r.error_kind(), ErrorKind::kNone);
  ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);
  EXPECT_EQ(r.error_kind(), ErrorKind::kNone);
  EXPECT_EQ(r.error(), "");
}

TEST(ErrorKinds, BadNameAndMissingObject) {
  FrameReader bad("../etc");
  EXPECT_EQ(bad.error_kind(), ErrorKind::kBadName);
  EXPECT_EQ(bad.wait(0), FrameReader::Status::kInvalid);
  EXPECT_EQ(bad.error_kind(), ErrorKind::kBadName);

  const std::string name = unique_name("kind-missing");
  FrameReader r(name);
  EXPECT_EQ(r.wait(0), FrameReader::Status::kNoWriter);
  EXPECT_EQ(r.error_kind(), ErrorKind::kNoObject);
  EXPECT_NE(r.error().find(name), std::string::npos) << r.error();
}

TEST(ErrorKinds, NotAttachedAndNothingPublishedYet) {
  const std::string name = unique_name("kind-frame");
  std::string err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  FrameReader r(name);
  shm::FrameInfo info;
  EXPECT_FALSE(r.read_latest(&info, nullptr, 0, 0));
  EXPECT_EQ(r.error_kind(), ErrorKind::kNotAttached);
  ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);
  EXPECT_FALSE(r.read_latest(&info, nullptr, 0, 0));
  EXPECT_EQ(r.error_kind(), ErrorKind::kNoFrame);
}

TEST(ErrorKinds, WriterGoneCleanlyOrKilled) {
  {
    const std::string name = unique_name("kind-closed");
    std::string err;
    auto w = shm::FrameWriter::create(name, 8, 8, &err);
    ASSERT_TRUE(w) << err;
    FrameReader r(name);
    ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);
    w.reset();
    EXPECT_EQ(r.wait(1000), FrameReader::Status::kNoWriter);
    EXPECT_EQ(r.error_kind(), ErrorKind::kWriterGone);
  }
  const std::string name = unique_name("kind-killed");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = spawn_writer(name, fds[1]);
  char c;
  ASSERT_EQ(read(fds[0], &c, 1), 1);
  FrameReader r(name);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  kill(pid, SIGKILL);
  EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
  EXPECT_EQ(r.wait(5000), FrameReader::Status::kNoWriter);
  EXPECT_EQ(r.error_kind(), ErrorKind::kWriterGone);
  // The dead writer's object is still there: looking again says the same, not "no object".
  EXPECT_EQ(r.wait(0), FrameReader::Status::kNoWriter);
  EXPECT_EQ(r.error_kind(), ErrorKind::kWriterGone);
  remove_object(name);
  close(fds[0]);
  close(fds[1]);
}
