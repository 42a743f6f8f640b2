// A ring truncated, shrunk or scribbled over by another process (issue 12): neither side may
// crash (SIGBUS on a page past the new end, bus_guard.h), the reader reports the object as
// damaged once, naming it, the writer publishes a fresh object and the reader follows it.
// Without the guard, the *DuringCopy and *Writer* tests die of SIGBUS.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <vector>

#include "shm_test_util.h"
#include "vtkstream/shm.h"

namespace shm = vtkstream::shm;
using shm::FrameReader;
using namespace vtkstream::test;

namespace {

constexpr uint32_t kW = 64, kH = 32, kStride = kW * 4;

// Shrinks the object `name` to `size` bytes, as a hostile or buggy process of the same user can.
void truncate_object(const std::string& name, off_t size) {
  const int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0) << name;
  ASSERT_EQ(ftruncate(fd, size), 0);
  close(fd);
}

// Overwrites `n` bytes at `offset` of the object with random bytes.
void scribble(const std::string& name, size_t offset, size_t n, unsigned seed) {
  const int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0) << name;
  std::vector<uint8_t> junk(n);
  std::mt19937 rng(seed);
  for (auto& b : junk) b = uint8_t(rng());
  ASSERT_EQ(pwrite(fd, junk.data(), n, off_t(offset)), ssize_t(n));
  close(fd);
}

off_t object_size(const std::string& name) {
  struct stat st;
  return stat(("/dev/shm/" + name).c_str(), &st) == 0 ? st.st_size : -1;
}

void publish(shm::FrameWriter& w, uint64_t frame) {
  std::string err;
  uint8_t* p = w.begin_frame(kW, kH, kStride, shm::PixelFormat::kRGBA, 0, &err);
  ASSERT_NE(p, nullptr) << err;
  fill_pattern(p, kW, kH, kStride, frame);
  w.publish(shm::monotonic_ns(), frame);
}

// The reader gets frame `frame` intact.
void expect_frame(FrameReader& r, uint64_t frame) {
  ASSERT_EQ(r.wait(2000), FrameReader::Status::kFrame) << r.error();
  std::vector<uint8_t> buf(kStride * kH);
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, buf.data(), buf.size(), kStride)) << r.error();
  EXPECT_EQ(info.input_seq, frame);
  EXPECT_TRUE(frame_ok(buf.data(), kW, kH, kStride, frame));
}

class Truncation : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = unique_name("trunc");
    shm::FrameWriter::Options o;
    o.heartbeat_thread = false;  // the writer's mapping is touched only where the test says
    std::string err;
    writer_ = shm::FrameWriter::create(name_, kW, kH, o, &err);
    ASSERT_TRUE(writer_) << err;
    reader_ = std::make_unique<FrameReader>(name_);
    publish(*writer_, 1);
    expect_frame(*reader_, 1);
  }
  void TearDown() override {
    reader_.reset();
    writer_.reset();      // unlinks the name when it is still its object
    remove_object(name_);  // whatever a failed test left
  }
  std::string name_;
  std::unique_ptr<shm::FrameWriter> writer_;
  std::unique_ptr<FrameReader> reader_;
};

}  // namespace

// The reader's check before a copy sees the shorter object and leaves it, naming it, once.
TEST_F(Truncation, ReaderReportsATruncatedObjectOnceAndFollowsTheNewOne) {
  for (off_t size : {off_t(0), object_size(name_) / 2}) {
    SCOPED_TRACE("truncated to " + std::to_string(size));
    truncate_object(name_, size);
    ASSERT_EQ(reader_->wait(0), FrameReader::Status::kInvalid);
    EXPECT_EQ(reader_->error_kind(), shm::ErrorKind::kDamaged);
    EXPECT_NE(reader_->error().find("'" + name_ + "' was truncated"), std::string::npos) << reader_->error();
    EXPECT_FALSE(reader_->attached());
    // The same object again is no news: waited out quietly, not reported twice.
    EXPECT_NE(reader_->wait(50), FrameReader::Status::kInvalid) << reader_->error();
    // The writer notices at its next frame and publishes a fresh object; the reader follows.
    const uint64_t replaced = writer_->objects_replaced();
    publish(*writer_, 2);
    EXPECT_EQ(writer_->objects_replaced(), replaced + 1);
    EXPECT_NE(writer_->last_damage().find("truncated"), std::string::npos) << writer_->last_damage();
    expect_frame(*reader_, 2);
    EXPECT_EQ(reader_->session_id(), writer_->session_id());
  }
}

// The race the check cannot close: the object shrinks after wait() looked at it, during the
// copy itself. The copy faults; the guard turns that into an error instead of SIGBUS.
TEST_F(Truncation, ShrinkDuringCopyIsAnErrorNotACrash) {
  publish(*writer_, 2);
  ASSERT_EQ(reader_->wait(1000), FrameReader::Status::kFrame);
  truncate_object(name_, 4096);  // the header stays, every slot is gone
  std::vector<uint8_t> buf(kStride * kH);
  shm::FrameInfo info;
  EXPECT_FALSE(reader_->read_latest(&info, buf.data(), buf.size(), kStride));
  EXPECT_EQ(reader_->error_kind(), shm::ErrorKind::kDamaged) << reader_->error();
  EXPECT_EQ(reader_->wait(0), FrameReader::Status::kInvalid);
  EXPECT_NE(reader_->error().find(name_), std::string::npos) << reader_->error();
}

// The writer touches its slot and header after the object shrank under a frame in progress (as
// a readback into the slot would) and lives on; its next frame goes into a fresh object.
TEST_F(Truncation, WriterSurvivesAndRepublishesAfterTruncationToZero) {
  std::string err;
  uint8_t* p = writer_->begin_frame(kW, kH, kStride, shm::PixelFormat::kRGBA, 0, &err);
  ASSERT_NE(p, nullptr) << err;
  truncate_object(name_, 0);
  std::memset(p, 0x5a, kStride * kH);  // faults without the guard
  writer_->publish(shm::monotonic_ns(), 7);
  writer_->heartbeat();
  publish(*writer_, 3);
  EXPECT_EQ(writer_->objects_replaced(), 1u);
  EXPECT_GT(object_size(name_), 0) << "the name must hold the fresh object";
  ASSERT_EQ(reader_->wait(1000), FrameReader::Status::kInvalid) << reader_->error();
  expect_frame(*reader_, 3);
}

// An idle writer sleeps in wait_input(); the futex wake cannot reach it through a truncated
// page, so it looks at its object at least once a second and replaces it.
TEST_F(Truncation, IdleWriterReplacesItsTruncatedObjectWithinASecond) {
  truncate_object(name_, 0);
  const uint64_t t0 = shm::monotonic_ns();
  EXPECT_TRUE(writer_->wait_input(5000));
  EXPECT_LT(shm::monotonic_ns() - t0, 2'000'000'000ull);
  EXPECT_EQ(writer_->objects_replaced(), 1u);
  publish(*writer_, 4);
  ASSERT_EQ(reader_->wait(1000), FrameReader::Status::kInvalid);
  expect_frame(*reader_, 4);
}

// Random bytes over the header: both sides notice (not a frozen stream), the reader names the
// object, the writer publishes a fresh one.
TEST_F(Truncation, ScribbledHeaderIsReportedAndReplaced) {
  scribble(name_, 0, 4096, 12);
  ASSERT_EQ(reader_->wait(0), FrameReader::Status::kInvalid);
  EXPECT_EQ(reader_->error_kind(), shm::ErrorKind::kDamaged);
  EXPECT_NE(reader_->error().find("'" + name_ + "' was overwritten"), std::string::npos) << reader_->error();
  publish(*writer_, 5);
  EXPECT_EQ(writer_->objects_replaced(), 1u);
  expect_frame(*reader_, 5);
}

// Random bytes over the latest frame's slot header: that frame is skipped with one error (no
// spinning on it: wait() does not report it again), and the next frame arrives intact.
TEST_F(Truncation, ScribbledSlotHeaderSkipsThatFrameOnly) {
  publish(*writer_, 6);
  const int fd = shm_open(("/" + name_).c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  shm::Header h;
  ASSERT_EQ(pread(fd, &h, sizeof h, 0), ssize_t(sizeof h));
  close(fd);
  const uint64_t latest = h.latest.load();
  scribble(name_, h.slots_offset + (latest & 0xff) * h.slot_size, sizeof(shm::SlotHeader), 34);
  ASSERT_EQ(reader_->wait(1000), FrameReader::Status::kFrame);
  std::vector<uint8_t> buf(kStride * kH);
  shm::FrameInfo info;
  EXPECT_FALSE(reader_->read_latest(&info, buf.data(), buf.size(), kStride));
  EXPECT_EQ(reader_->error_kind(), shm::ErrorKind::kInvalidFrame);
  EXPECT_NE(reader_->error().find(name_), std::string::npos) << reader_->error();
  EXPECT_EQ(reader_->wait(0), FrameReader::Status::kTimeout) << "the broken frame came back";
  // The writer keeps using every slot, the broken one included, and frames stay whole.
  for (uint64_t f = 7; f < 7 + 2 * shm::kDefaultSlots; ++f) {
    publish(*writer_, f);
    expect_frame(*reader_, f);
  }
  EXPECT_EQ(writer_->objects_replaced(), 0u);
}

// An input producer whose object shrinks drops the event with an error, and does not crash.
TEST_F(Truncation, InputWriterSurvivesTruncation) {
  shm::InputWriter in(name_);
  shm::InputEvent ev;
  ev.kind = uint16_t(shm::InputKind::kPointerDown);
  ASSERT_TRUE(in.push(ev)) << in.error();
  truncate_object(name_, 0);
  EXPECT_FALSE(in.push(ev));
  EXPECT_FALSE(in.attached());
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VTKTEST_CLANG_ASAN 1
#endif
#endif
#ifndef VTKTEST_CLANG_ASAN
#define VTKTEST_CLANG_ASAN 0
#endif

// A SIGBUS outside every ring still kills the process, as it would without the guard (the
// default action is restored and the fault happens again).
TEST_F(Truncation, ForeignSigbusIsNotSwallowed) {
  const std::string other = unique_name("foreign");
  const int fd = shm_open(("/" + other).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  shm_unlink(("/" + other).c_str());
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  auto* p = static_cast<volatile uint8_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_EQ(ftruncate(fd, 0), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    p[0] = 1;  // not a ring: must die of SIGBUS
    _exit(0);
  }
  const int status = wait_child(pid);
#if defined(__SANITIZE_ADDRESS__) || VTKTEST_CLANG_ASAN
  // AddressSanitizer takes SIGBUS itself: it reports the fault and exits non-zero.
  EXPECT_NE(status, 0) << "the SIGBUS was swallowed";
#else
  EXPECT_EQ(status, 128 + SIGBUS);
#endif
  munmap(const_cast<uint8_t*>(p), 4096);
  close(fd);
}
