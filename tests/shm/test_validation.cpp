// Foreign, short and corrupt objects give clear errors, never crashes or out-of-bounds reads.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "shm_test_util.h"

using namespace vtkstream;
using namespace vtkstream::test;
using shm::FrameReader;

namespace {

// A valid header image built by a real writer, to corrupt one field at a time.
std::vector<uint8_t> valid_header_bytes(std::string* name_out) {
  std::string name = unique_name("hdr"), err;
  auto w = shm::FrameWriter::create(name, 16, 16, &err);
  FrameReader r(name);
  EXPECT_EQ(r.wait(0), FrameReader::Status::kTimeout);
  std::vector<uint8_t> bytes(sizeof(shm::Header));
  int fd = shm_open(("/" + name).c_str(), O_RDONLY, 0);
  EXPECT_EQ(pread(fd, bytes.data(), bytes.size(), 0), ssize_t(bytes.size()));
  close(fd);
  *name_out = name;
  return bytes;
}

shm::Header* as_header(std::vector<uint8_t>& b) { return reinterpret_cast<shm::Header*>(b.data()); }

}  // namespace

TEST(Validation, HeaderFieldsAreEachChecked) {
  std::string name;
  auto good = valid_header_bytes(&name);
  const size_t size = as_header(good)->total_size;
  EXPECT_EQ(shm::validate_header(good.data(), size), "");

  struct Case {
    const char* what;
    void (*corrupt)(shm::Header*);
    const char* expect;
  } cases[] = {
      {"magic", [](shm::Header* h) { h->magic = 0x12345678; }, "bad magic"},
      {"version", [](shm::Header* h) { h->version = 99; }, "version 99"},
      {"header size", [](shm::Header* h) { h->header_size = 64; }, "header size"},
      {"slot count", [](shm::Header* h) { h->slot_count = 2; }, "slot count"},
      {"slot count high", [](shm::Header* h) { h->slot_count = 1u << 31; }, "slot count"},
      {"slot size", [](shm::Header* h) { h->slot_size = 65; }, "slot size"},
      {"slot size huge", [](shm::Header* h) { h->slot_size = ~0ull & ~63ull; }, "slot size"},
      {"offset", [](shm::Header* h) { h->slots_offset = 8; }, "slot offset"},
      {"input", [](shm::Header* h) { h->input_capacity = 7; }, "input ring"},
      {"total", [](shm::Header* h) { h->total_size += 4096; }, "total size"},
  };
  for (auto& c : cases) {
    auto bad = good;
    c.corrupt(as_header(bad));
    std::string why = shm::validate_header(bad.data(), size);
    EXPECT_NE(why.find(c.expect), std::string::npos) << c.what << ": got '" << why << "'";
  }
  // A header that claims more than the object holds (truncated object).
  EXPECT_NE(shm::validate_header(good.data(), sizeof(shm::Header)).find("truncated"),
            std::string::npos);
  EXPECT_NE(shm::validate_header(good.data(), 3).find("too small"), std::string::npos);
  EXPECT_NE(shm::validate_header(nullptr, 0), "");
}

TEST(Validation, FrameDescriptionsAreBoundedBySlotSize) {
  const uint32_t rgba = uint32_t(shm::PixelFormat::kRGBA);
  EXPECT_EQ(shm::validate_frame(100, 100, 400, rgba, 64 + 40000), "");
  EXPECT_NE(shm::validate_frame(100, 100, 400, rgba, 64 + 39999), "");
  EXPECT_NE(shm::validate_frame(100, 100, 399, rgba, 1 << 20), "");
  EXPECT_NE(shm::validate_frame(100, 100, 400, 77, 1 << 20).find("pixel format"), std::string::npos);
  EXPECT_NE(shm::validate_frame(0, 100, 400, rgba, 1 << 20), "");
  EXPECT_NE(shm::validate_frame(100, 1u << 31, ~0u - 3, rgba, ~0ull), "");
  EXPECT_NE(shm::validate_frame(100, 100, 400, rgba, 10), "");  // slot smaller than its header
}

TEST(Validation, ForeignShortAndCorruptObjectsAreReportedOnce) {
  struct Obj {
    const char* what;
    std::vector<uint8_t> bytes;
    const char* expect;
  };
  std::vector<Obj> objs;
  objs.push_back({"short", std::vector<uint8_t>(3, 0xab), "too small"});
  std::vector<uint8_t> foreign(8192, 0);
  std::memcpy(foreign.data(), "PNG IMAGE DATA", 14);
  objs.push_back({"foreign", foreign, "bad magic"});
  std::string dummy;
  auto hdr = valid_header_bytes(&dummy);
  as_header(hdr)->slot_count = 1000;
  objs.push_back({"corrupt", hdr, "slot count"});
  auto trunc = valid_header_bytes(&dummy);
  objs.push_back({"truncated", trunc, "truncated"});

  for (auto& o : objs) {
    std::string name = unique_name("bad");
    write_object(name, o.bytes.data(), o.bytes.size());
    FrameReader r(name);
    EXPECT_EQ(r.wait(100), FrameReader::Status::kInvalid) << o.what;
    EXPECT_NE(r.error().find(o.expect), std::string::npos) << o.what << ": " << r.error();
    EXPECT_NE(r.error().find(name), std::string::npos) << "error should name the object";
    EXPECT_EQ(r.error_kind(), shm::ErrorKind::kInvalidHeader) << o.what;
    // Reported once; afterwards the reader waits quietly for a valid replacement.
    EXPECT_EQ(r.wait(20), FrameReader::Status::kNoWriter) << o.what;
    EXPECT_FALSE(r.attached());
    remove_object(name);
  }
}

TEST(Validation, ReaderRecoversWhenAValidWriterReplacesGarbage) {
  std::string name = unique_name("replace"), err;
  std::vector<uint8_t> junk(4096, 0x5a);
  write_object(name, junk.data(), junk.size());
  FrameReader r(name);
  ASSERT_EQ(r.wait(100), FrameReader::Status::kInvalid);
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  uint8_t* p = w->begin_frame(8, 8, 32, shm::PixelFormat::kRGBA, 0);
  fill_pattern(p, 8, 8, 32, 5);
  w->publish(shm::monotonic_ns(), 0);
  EXPECT_EQ(r.wait(5000), FrameReader::Status::kFrame);
}

TEST(Validation, NonsenseFrameSizeFromTheWriterIsRejected) {
  std::string name = unique_name("nonsense"), err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  uint8_t* p = w->begin_frame(8, 8, 32, shm::PixelFormat::kRGBA, 0);
  ASSERT_NE(p, nullptr);
  auto* slot = reinterpret_cast<shm::SlotHeader*>(p - sizeof(shm::SlotHeader));
  w->publish(shm::monotonic_ns(), 0);
  slot->width = 100000;  // a buggy or hostile renderer scribbles after publishing
  FrameReader r(name);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame);
  std::vector<uint8_t> buf(1 << 20);
  shm::FrameInfo info;
  EXPECT_FALSE(r.read_latest(&info, buf.data(), buf.size(), 4096));
  EXPECT_NE(r.error().find("out of range"), std::string::npos) << r.error();
  EXPECT_EQ(r.error_kind(), shm::ErrorKind::kInvalidFrame);
  // Consumed: the reader does not report the same bad frame again (no busy loop in vtksrc).
  EXPECT_EQ(r.wait(0), FrameReader::Status::kTimeout);
}

// Both sides map the object read-write; neither trusts layout fields after validating them, and
// both notice the rewrite: the writer publishes a fresh object (new session) at its next frame,
// the reader reports the old one as damaged, naming it, and follows to the new one.
TEST(Validation, LayoutRewrittenAfterAttachIsNoticedByBothSides) {
  std::string name = unique_name("rewrite"), err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  const uint64_t first_session = w->session_id();
  FrameReader r(name);
  ASSERT_EQ(r.wait(0), FrameReader::Status::kTimeout);
  int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  struct stat st;
  fstat(fd, &st);
  auto* h = static_cast<shm::Header*>(
      mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  h->slots_offset = 1ull << 40;  // a hostile process points the slots far outside the object
  h->slot_size = 1ull << 30;
  h->slot_count = 16;
  EXPECT_EQ(r.wait(0), FrameReader::Status::kInvalid);
  EXPECT_EQ(r.error_kind(), shm::ErrorKind::kDamaged);
  EXPECT_NE(r.error().find("'" + name + "' was overwritten"), std::string::npos) << r.error();
  uint8_t* p = w->begin_frame(8, 8, 32, shm::PixelFormat::kRGBA, 0, &err);
  ASSERT_NE(p, nullptr) << err;
  EXPECT_EQ(w->objects_replaced(), 1u);
  EXPECT_NE(w->last_damage().find("overwritten"), std::string::npos) << w->last_damage();
  EXPECT_NE(w->session_id(), first_session);
  fill_pattern(p, 8, 8, 32, 1);
  w->publish(shm::monotonic_ns(), 0);
  ASSERT_EQ(r.wait(1000), FrameReader::Status::kFrame) << r.error();
  EXPECT_EQ(r.session_id(), w->session_id());
  std::vector<uint8_t> buf(8 * 8 * 4);
  shm::FrameInfo info;
  ASSERT_TRUE(r.read_latest(&info, buf.data(), buf.size(), 32)) << r.error();
  EXPECT_TRUE(frame_ok(buf.data(), 8, 8, 32, 1));
  munmap(h, st.st_size);
  close(fd);
}

TEST(Validation, NamesCannotEscapeTheShmDirectory) {
  std::string err;
  EXPECT_EQ(shm::posix_name("demo", &err), "/demo");
  for (const char* bad : {"", "../etc", "a/b", ".hidden", "sp ace", "x\n"}) {
    err.clear();
    EXPECT_EQ(shm::posix_name(bad, &err), "") << bad;
    EXPECT_FALSE(err.empty());
  }
  EXPECT_EQ(shm::FrameWriter::create("a/b", 8, 8, &err), nullptr);
  EXPECT_NE(err.find("may only contain"), std::string::npos);
}

TEST(Validation, AnotherUsersObjectIsRefused) {
  std::string name = unique_name("owner"), err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  ASSERT_TRUE(w) << err;
  int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  const uid_t other = geteuid() == 0 ? 65534 : 0;
  if (fchown(fd, other, uid_t(-1)) != 0) {
    close(fd);
    GTEST_SKIP() << "cannot give the object to another user here (not root)";
  }
  close(fd);
  FrameReader r(name);
  EXPECT_EQ(r.wait(100), FrameReader::Status::kInvalid);
  EXPECT_NE(r.error().find("belongs to uid"), std::string::npos) << r.error();
  EXPECT_EQ(r.error_kind(), shm::ErrorKind::kOtherUser);
}

// The ring is readable and writable by its user only (docs/security.md, attacker 5), also
// with a permissive umask: shm_open's mode, not the umask, keeps group and others out.
TEST(Validation, RingIsPrivateToItsUser) {
  const mode_t old = umask(0);
  std::string name = unique_name("private"), err;
  auto w = shm::FrameWriter::create(name, 8, 8, &err);
  umask(old);
  ASSERT_TRUE(w) << err;
  struct stat st {};
  int fd = shm_open(("/" + name).c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fstat(fd, &st), 0);
  close(fd);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << std::oct << (st.st_mode & 0777);
  EXPECT_EQ(st.st_uid, geteuid());
}
