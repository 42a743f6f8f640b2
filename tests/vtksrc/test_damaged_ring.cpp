// vtksrc and a ring that someone truncates or scribbles over while it streams (issue 12): no
// crash, one WARNING whose message names the object, a `lost` notice with reason "damaged", and
// the stream resumes once the renderer has published a fresh object. Part of test-vtksrc.
#include <fcntl.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <vector>

#include "fake_renderer.h"
#include "gst_helpers.h"
#include "vtkstream/vtksrc-contract.h"

using namespace std::chrono_literals;
using namespace vtktest;

namespace {

constexpr auto kTimeout = 5s;

void truncate_object(const std::string& name, off_t size) {
  const int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0) << name;
  ASSERT_EQ(ftruncate(fd, size), 0);
  close(fd);
}

void scribble_header(const std::string& name) {
  const int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0) << name;
  std::vector<uint8_t> junk(4096);
  std::mt19937 rng(7);
  for (auto& b : junk) b = uint8_t(rng());
  ASSERT_EQ(pwrite(fd, junk.data(), junk.size(), 0), ssize_t(junk.size()));
  close(fd);
}

off_t size_of(const std::string& name) {
  struct stat st;
  return stat(("/dev/shm/" + name).c_str(), &st) == 0 ? st.st_size : 0;
}

bool is_warning_naming(GstMessage* m, const std::string& name) {
  if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_WARNING) return false;
  GError* err = nullptr;
  gst_message_parse_warning(m, &err, nullptr);
  const bool named = err && std::strstr(err->message, ("'" + name + "'").c_str());
  g_clear_error(&err);
  return named;
}

std::string lost_reason(GstMessage* m) {
  const char* r = gst_structure_get_string(gst_message_get_structure(m), "reason");
  return r ? r : "";
}

enum class Damage { kTruncateToZero, kTruncateToHalf, kScribbleHeader };

class DamagedRing : public ::testing::TestWithParam<Damage> {
 protected:
  static void SetUpTestSuite() { init_gstreamer(); }
};

}  // namespace

TEST_P(DamagedRing, WarnsOnceNamingTheObjectThenResumes) {
  const std::string name = unique_name("damaged");
  FakeRenderer r(name, 32, 16);
  ASSERT_TRUE(r.ok());
  Pipeline p("vtksrc name=src shm-name=" + name + " repeat-interval=0 ! appsink name=sink sync=false");
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  r.publish(32, 16, 1);
  ASSERT_TRUE(p.pull(kTimeout));
  MessagePtr attached = p.log().wait_for(renderer_state("attached"), kTimeout);
  ASSERT_TRUE(attached);

  switch (GetParam()) {
    case Damage::kTruncateToZero: truncate_object(name, 0); break;
    case Damage::kTruncateToHalf: truncate_object(name, size_of(name) / 2); break;
    case Damage::kScribbleHeader: scribble_header(name); break;
  }
  MessagePtr warning = p.log().wait_for([&](GstMessage* m) { return is_warning_naming(m, name); }, kTimeout);
  ASSERT_TRUE(warning) << "no WARNING naming '" << name << "'";
  MessagePtr lost = p.log().wait_for(renderer_state("lost"), kTimeout);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost_reason(lost.get()), vtkstream::contract::kLostDamaged);

  // The renderer's next frame goes into a fresh object (new session), and the stream goes on.
  r.publish(32, 16, 2);
  EXPECT_EQ(r.writer().objects_replaced(), 1u);
  SamplePtr s = p.pull(kTimeout);
  ASSERT_TRUE(s) << "the stream did not resume";
  GstCustomMeta* meta = gst_buffer_get_custom_meta(gst_sample_get_buffer(s.get()), "VtkStreamFrameMeta");
  ASSERT_TRUE(meta);
  guint64 seq = 0, session = 0;
  gst_structure_get_uint64(gst_custom_meta_get_structure(meta), "input-seq", &seq);
  gst_structure_get_uint64(gst_custom_meta_get_structure(meta), "session-id", &session);
  EXPECT_EQ(seq, 2u);
  EXPECT_EQ(session, r.writer().session_id());
  EXPECT_NE(session, message_session(attached.get()));
  EXPECT_EQ(p.log().count([](GstMessage* m) { return is_type(m, GST_MESSAGE_WARNING); }), 0u)
      << "more than one WARNING";
  EXPECT_EQ(p.errors(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Damage, DamagedRing,
                         ::testing::Values(Damage::kTruncateToZero, Damage::kTruncateToHalf,
                                           Damage::kScribbleHeader),
                         [](const ::testing::TestParamInfo<Damage>& i) {
                           switch (i.param) {
                             case Damage::kTruncateToZero: return std::string("TruncateToZero");
                             case Damage::kTruncateToHalf: return std::string("TruncateToHalf");
                             case Damage::kScribbleHeader: return std::string("ScribbleHeader");
                           }
                           return std::string("unknown");
                         });
