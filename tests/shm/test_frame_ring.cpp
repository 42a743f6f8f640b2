// Frame ring behaviour: round trip, orientation, tear-freedom across two real processes, a
// writer that never waits, growth, interruption.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "shm_test_util.h"

using namespace vtkstream;
using namespace vtkstream::test;
using shm::FrameReader;
using shm::FrameWriter;
using shm::PixelFormat;

namespace {

void publish_pattern(FrameWriter& w, uint32_t width, uint32_t height, uint64_t tag,
                     uint64_t input_seq = 0, uint32_t flags = 0) {
  std::string err;
  uint8_t* p = w.begin_frame(width, height, width * 4, PixelFormat::kRGBA, flags, &err);
  ASSERT_NE(p, nullptr) << err;
  fill_pattern(p, width, height, width * 4, tag);
  w.publish(shm::monotonic_ns(), input_seq);
}

}  // namespace

TEST(FrameRing, RoundTripCarriesMetadata) {
  std::string name = unique_name("rt"), err;
  auto w = FrameWriter::create(name, 64, 32, &err);
  ASSERT_TRUE(w) << err;
  FrameReader r(name);
  ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);  // attached, nothing published yet
  ASSERT_TRUE(r.attached());
  publish_pattern(*w, 64, 32, 1, 42);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  std::vector<uint8_t> buf(64 * 32 * 4);
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, buf.data(), buf.size(), 64 * 4)) << r.error();
  EXPECT_EQ(info.width, 64u);
  EXPECT_EQ(info.height, 32u);
  EXPECT_EQ(info.frame_number, 1u);
  EXPECT_EQ(info.input_seq, 42u);
  EXPECT_EQ(info.session_id, w->session_id());
  EXPECT_LE(info.timestamp_ns, shm::monotonic_ns());
  EXPECT_TRUE(frame_ok(buf.data(), 64, 32, 64 * 4, 1));
  // Already read: the next wait has nothing new.
  EXPECT_EQ(r.wait(50), FrameReader::Status::kTimeout);
}

TEST(FrameRing, BottomUpSlotsArriveUpright) {
  std::string name = unique_name("flip"), err;
  auto w = FrameWriter::create(name, 4, 3, &err);
  ASSERT_TRUE(w) << err;
  uint8_t* p = w->begin_frame(4, 3, 16, PixelFormat::kRGBA, shm::kSlotBottomUp, &err);
  ASSERT_NE(p, nullptr);
  for (int y = 0; y < 3; ++y) std::memset(p + y * 16, 10 * (y + 1), 16);  // GL row 0 = bottom
  w->publish(shm::monotonic_ns(), 0);
  FrameReader r(name);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  std::vector<uint8_t> buf(20 * 3);  // wider destination stride than the source
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, buf.data(), buf.size(), 20)) << r.error();
  EXPECT_EQ(buf[0], 30);       // top row = last GL row
  EXPECT_EQ(buf[20 * 2], 10);  // bottom row = first GL row
}

TEST(FrameRing, TooSmallDestinationIsAnErrorNotAnOverflow) {
  std::string name = unique_name("small"), err;
  auto w = FrameWriter::create(name, 16, 16, &err);
  ASSERT_TRUE(w);
  publish_pattern(*w, 16, 16, 3);
  FrameReader r(name);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  std::vector<uint8_t> buf(100);
  shm::FrameInfo info;
  EXPECT_FALSE(r.read_latest(&info, buf.data(), buf.size(), 64));
  EXPECT_NE(r.error().find("too small"), std::string::npos) << r.error();
  EXPECT_EQ(r.error_kind(), shm::ErrorKind::kBufferTooSmall);
  EXPECT_TRUE(r.read_latest(&info, nullptr, 0, 0));  // size query works
  EXPECT_EQ(info.width, 16u);
}

// A writer in a child process publishes as fast as it can into 3 slots while the parent copies;
// every copied frame must be entirely one frame.
TEST(FrameRing, TwoProcessesNeverSeeATornFrame) {
  std::string name = unique_name("hammer");
  constexpr uint32_t W = 320, H = 180;
  constexpr uint64_t kFrames = 4000;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string err;
    FrameWriter::Options o;
    o.slots = 3;
    o.max_frame_bytes = W * H * 4;
    auto w = FrameWriter::create(name, W, H, o, &err);
    if (!w) _exit(2);
    for (uint64_t i = 1; i <= kFrames; ++i) {
      uint8_t* p = w->begin_frame(W, H, W * 4, PixelFormat::kRGBA, 0, &err);
      if (!p) _exit(3);
      fill_pattern(p, W, H, W * 4, i);
      w->publish(shm::monotonic_ns(), i);
    }
    w.reset();
    _exit(0);
  }
  FrameReader r(name);
  std::vector<uint8_t> buf(W * H * 4);
  uint64_t read = 0, torn = 0, last = 0;
  for (;;) {
    auto s = r.wait(10000);
    if (s == FrameReader::Status::kNoWriter && r.session_id() == 0 && last > 0) break;
    if (s == FrameReader::Status::kNoWriter) continue;  // not created yet / just closed
    ASSERT_EQ(s, FrameReader::Status::kFrame) << int(s);
    shm::FrameInfo info;
    if (!r.read_latest(&info, buf.data(), buf.size(), W * 4)) continue;  // lapped 16 times
    ++read;
    if (!frame_ok(buf.data(), W, H, W * 4, info.frame_number)) ++torn;
    EXPECT_EQ(info.input_seq, info.frame_number);
    EXPECT_GT(info.frame_number, last);
    last = info.frame_number;
  }
  EXPECT_EQ(wait_child(pid), 0);
  EXPECT_EQ(torn, 0u);
  EXPECT_GT(read, 10u);
  RecordProperty("frames_read", int(read));
}

TEST(FrameRing, WriterNeverWaitsEvenWhenEverySlotLooksBusy) {
  std::string name = unique_name("busy"), err;
  auto w = FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w);
  publish_pattern(*w, 8, 8, 1);
  // Simulate readers that died mid-copy on every slot: their counts never come back down.
  FrameReader r(name);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  // Reach into the mapping the way a crashed reader would have left it.
  int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  struct stat st;
  fstat(fd, &st);
  auto* base = static_cast<uint8_t*>(mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  auto* h = reinterpret_cast<shm::Header*>(base);
  for (uint32_t i = 0; i < h->slot_count; ++i)
    reinterpret_cast<shm::SlotHeader*>(base + h->slots_offset + i * h->slot_size)->readers += 1;
  for (uint64_t i = 2; i < 10; ++i) publish_pattern(*w, 8, 8, i);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  std::vector<uint8_t> buf(8 * 8 * 4);
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, buf.data(), buf.size(), 32));
  EXPECT_EQ(info.frame_number, 9u);
  EXPECT_TRUE(frame_ok(buf.data(), 8, 8, 32, 9));
  munmap(base, st.st_size);
  close(fd);
}

TEST(FrameRing, GrowReplacesTheObjectAndReadersFollow) {
  std::string name = unique_name("grow"), err;
  FrameWriter::Options o;
  o.max_frame_bytes = 32 * 32 * 4;
  auto w = FrameWriter::create(name, 32, 32, o, &err);
  ASSERT_TRUE(w);
  publish_pattern(*w, 32, 32, 1);
  FrameReader r(name);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  EXPECT_EQ(w->begin_frame(64, 64, 256, PixelFormat::kRGBA, 0, &err), nullptr);
  EXPECT_NE(err.find("grow"), std::string::npos) << err;
  uint64_t old_session = r.session_id();
  ASSERT_TRUE(w->grow(64 * 64 * 4, &err)) << err;
  publish_pattern(*w, 64, 64, 2);
  // The old object was closed; the reader follows the new one without reporting a restart.
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  EXPECT_EQ(r.session_id(), old_session);
  std::vector<uint8_t> buf(64 * 64 * 4);
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, buf.data(), buf.size(), 256)) << r.error();
  EXPECT_EQ(info.width, 64u);
  EXPECT_EQ(info.frame_number, 2u);
  EXPECT_TRUE(frame_ok(buf.data(), 64, 64, 256, 2));
}

TEST(FrameRing, InterruptBreaksWaitsWhetherAttachedOrNot) {
  for (bool with_writer : {true, false}) {
    std::string name = unique_name("intr"), err;
    std::unique_ptr<FrameWriter> w;
    if (with_writer) w = FrameWriter::create(name, 8, 8, &err);
    FrameReader r(name);
    std::thread t([&] { r.interrupt(); });
    EXPECT_EQ(r.wait(-1), FrameReader::Status::kInterrupted);
    t.join();
    EXPECT_EQ(r.wait(0), FrameReader::Status::kInterrupted);  // sticky
    r.clear_interrupt();
    EXPECT_NE(r.wait(10), FrameReader::Status::kInterrupted);
  }
}

TEST(FrameRing, ReaderWakesOnPublishFromAnotherThread) {
  std::string name = unique_name("wake"), err;
  auto w = FrameWriter::create(name, 8, 8, &err);
  FrameReader r(name);
  ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);
  std::thread t([&] { publish_pattern(*w, 8, 8, 1); });
  EXPECT_EQ(r.wait(10000), FrameReader::Status::kFrame);
  t.join();
}

TEST(FrameRing, ReaderSeesWriterAppearByName) {
  std::string name = unique_name("appear"), err;
  FrameReader r(name);
  EXPECT_EQ(r.wait(0), FrameReader::Status::kNoWriter);
  std::unique_ptr<FrameWriter> w;
  std::thread t([&] {
    w = FrameWriter::create(name, 8, 8, &err);
    publish_pattern(*w, 8, 8, 1);
  });
  // Woken by inotify on the rename, not by a timer: a generous bound only guards against hangs.
  FrameReader::Status s;
  do s = r.wait(10000);
  while (s == FrameReader::Status::kNoWriter || s == FrameReader::Status::kTimeout);
  t.join();
  EXPECT_EQ(s, FrameReader::Status::kFrame);
}
