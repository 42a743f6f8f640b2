// InputWriter: the input producer that is not a frame reader. It attaches by itself, follows a
// writer that restarts or grows its ring, never crashes on a bad object, pushes from any thread,
// and does not count as a viewer.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "shm_test_util.h"

using namespace vtkstream;
using namespace vtkstream::test;
using shm::ErrorKind;
using shm::InputEvent;
using shm::InputKind;
using shm::InputWriter;

namespace {

InputEvent key(uint64_t seq, uint32_t peer = 0) {
  InputEvent e;
  e.kind = uint16_t(InputKind::kKeyDown);
  e.seq = seq;
  e.peer_id = peer;
  e.key[0] = 'a';
  return e;
}

// Drains until `n` records arrived or 10 s passed, sleeping on the input futex in between.
std::vector<InputEvent> drain(shm::FrameWriter& w, size_t n, InputWriter* flush = nullptr) {
  std::vector<InputEvent> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    w.drain_input(&got);
    if (flush) flush->flush();  // the producer retries its backlog once there is room
    if (got.size() < n) w.wait_input(100);
  }
  w.drain_input(&got);
  return got;
}

}  // namespace

TEST(InputWriter, AttachesOnFirstPushAndTakesNoReaderEntry) {
  const std::string name = unique_name("iw-attach");
  InputWriter in(name);
  EXPECT_FALSE(in.attached());
  EXPECT_FALSE(in.push(key(1)));  // nobody there yet: dropped, and said why
  EXPECT_EQ(in.error_kind(), ErrorKind::kNoObject);
  EXPECT_NE(in.error().find(name), std::string::npos) << in.error();

  std::string err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  ASSERT_TRUE(in.push(key(2)));
  EXPECT_TRUE(in.attached());
  EXPECT_EQ(in.session_id(), w->session_id());
  EXPECT_EQ(in.error_kind(), ErrorKind::kNone);
  EXPECT_EQ(in.error(), "");
  // An input producer watches no frames: the renderer must not read back for it.
  EXPECT_FALSE(w->has_readers());
  shm::FrameReader r(name);
  ASSERT_EQ(r.wait(0), shm::FrameReader::Status::kTimeout);
  EXPECT_TRUE(w->has_readers());  // the check above could have failed

  std::vector<InputEvent> got = drain(*w, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 2u);
}

TEST(InputWriter, FollowsAWriterThatRestarts) {
  const std::string name = unique_name("iw-restart");
  std::string err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  InputWriter in(name);
  ASSERT_TRUE(in.push(key(1)));
  const uint64_t first = in.session_id();

  w.reset();  // a clean exit removes the name
  EXPECT_FALSE(in.push(key(2)));
  EXPECT_FALSE(in.attached());
  EXPECT_EQ(in.error_kind(), ErrorKind::kNoObject);

  w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  ASSERT_TRUE(in.push(key(3)));
  EXPECT_NE(in.session_id(), first);
  std::vector<InputEvent> got = drain(*w, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 3u);

  // Replaced while alive (a new object renamed over the name, the old one marked closed).
  auto w2 = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w2) << err;
  ASSERT_TRUE(in.push(key(4)));
  EXPECT_EQ(in.session_id(), w2->session_id());
  got = drain(*w2, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 4u);
}

TEST(InputWriter, NoticesAKilledWriter) {
  const std::string name = unique_name("iw-killed");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = spawn_writer(name, fds[1]);
  char c;
  ASSERT_EQ(read(fds[0], &c, 1), 1);
  InputWriter in(name);
  ASSERT_TRUE(in.push(key(1)));
  kill(pid, SIGKILL);  // no cleanup: the object stays behind with a dead pid
  EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
  EXPECT_FALSE(in.push(key(2)));
  EXPECT_EQ(in.error_kind(), ErrorKind::kWriterGone);
  EXPECT_FALSE(in.attached());
  remove_object(name);
  close(fds[0]);
  close(fds[1]);
}

TEST(InputWriter, FollowsAGrownRingAndKeepsItsBacklog) {
  const std::string name = unique_name("iw-grow");
  std::string err;
  shm::FrameWriter::Options small;
  small.max_frame_bytes = 4096;  // so growing costs little /dev/shm
  auto w = shm::FrameWriter::create(name, 8, 8, small, &err);
  ASSERT_TRUE(w) << err;
  InputWriter in(name);
  const int n = shm::kInputCapacity + 10;
  for (int i = 1; i <= n; ++i) ASSERT_TRUE(in.push(key(i)));
  ASSERT_EQ(in.backlog(), 10u);
  const uint64_t session = in.session_id();
  ASSERT_TRUE(w->grow(w->capacity() * 2, &err)) << err;  // same session, new object
  // The next push finds the old object closed, follows the name and still owes the backlog.
  ASSERT_TRUE(in.push(key(n + 1)));
  EXPECT_EQ(in.session_id(), session);
  std::vector<InputEvent> got = drain(*w, n + 1, &in);
  ASSERT_EQ(got.size(), size_t(n + 1));
  for (int i = 0; i <= n; ++i) EXPECT_EQ(got[i].seq, uint64_t(i + 1)) << i;
}

TEST(InputWriter, PushesFromTwoThreadsAllArriveInEachThreadsOrder) {
  const std::string name = unique_name("iw-threads");
  std::string err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  InputWriter in(name);
  constexpr int kEach = 2000;  // far beyond the ring: the backlog and its flushing take part
  auto producer = [&](uint32_t peer) {
    for (int i = 1; i <= kEach; ++i) EXPECT_TRUE(in.push(key(i, peer)));
  };
  std::thread a(producer, 1), b(producer, 2);
  std::vector<InputEvent> got = drain(*w, 2 * kEach, &in);
  a.join();
  b.join();
  std::vector<InputEvent> rest = drain(*w, 2 * kEach - got.size(), &in);
  got.insert(got.end(), rest.begin(), rest.end());
  ASSERT_EQ(got.size(), size_t(2 * kEach));
  uint64_t last[3] = {0, 0, 0};
  for (const InputEvent& e : got) {
    ASSERT_TRUE(e.peer_id == 1 || e.peer_id == 2);
    EXPECT_EQ(e.seq, last[e.peer_id] + 1) << "peer " << e.peer_id;
    last[e.peer_id] = e.seq;
  }
  EXPECT_EQ(in.backlog(), 0u);
}

TEST(InputWriter, BadObjectsAreErrorsNotCrashes) {
  struct Obj {
    const char* what;
    std::vector<uint8_t> bytes;
  };
  std::vector<Obj> objs = {{"short", std::vector<uint8_t>(3, 0xab)},
                           {"foreign", std::vector<uint8_t>(8192, 0x5a)},
                           {"header only", std::vector<uint8_t>(sizeof(shm::Header), 0)}};
  // A real header that claims more than the object holds.
  {
    std::string name = unique_name("iw-src"), err;
    auto w = shm::FrameWriter::create(name, 8, 8, &err);
    ASSERT_TRUE(w) << err;
    std::vector<uint8_t> hdr(sizeof(shm::Header));
    const int fd = shm_open(("/" + name).c_str(), O_RDONLY, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pread(fd, hdr.data(), hdr.size(), 0), ssize_t(hdr.size()));
    close(fd);
    objs.push_back({"truncated", hdr});
  }
  for (const Obj& o : objs) {
    SCOPED_TRACE(o.what);
    const std::string name = unique_name("iw-bad");
    write_object(name, o.bytes.data(), o.bytes.size());
    InputWriter in(name);
    EXPECT_FALSE(in.push(key(1)));
    EXPECT_FALSE(in.attached());
    EXPECT_EQ(in.error_kind(), ErrorKind::kInvalidHeader);
    EXPECT_NE(in.error().find(name), std::string::npos) << in.error();
    EXPECT_EQ(in.flush(), 0u);
    remove_object(name);
  }
  InputWriter bad_name("../etc");
  EXPECT_FALSE(bad_name.push(key(1)));
  EXPECT_EQ(bad_name.error_kind(), ErrorKind::kBadName);
}

TEST(InputWriter, ValidWriterReplacingGarbageIsPickedUp) {
  const std::string name = unique_name("iw-replace");
  std::vector<uint8_t> junk(4096, 0x11);
  write_object(name, junk.data(), junk.size());
  InputWriter in(name);
  EXPECT_FALSE(in.push(key(1)));
  EXPECT_EQ(in.error_kind(), ErrorKind::kInvalidHeader);
  std::string err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  EXPECT_TRUE(in.push(key(2)));
  EXPECT_EQ(in.error_kind(), ErrorKind::kNone);
  EXPECT_EQ(drain(*w, 1).size(), 1u);
}
