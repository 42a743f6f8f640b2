// Janus's rungs shared with others, in a real pipeline against the loopback stand-in for Janus
// (janus_stand_in.h): direct viewers moving onto and off the rungs Janus holds, in a loop, never
// take a rung away from Janus or make it anew (one encode, its mountpoint fed throughout); a rung
// whose encoder fails stops only its own feed, and stays stopped when Janus goes and comes back,
// while the other rungs are forwarded again; a mountpoint missing from Janus is reported.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "live_media.h"
#include "branch.h"
#include "janus_forwarder.h"
#include "janus_stand_in.h"
#include "media.h"
#include "test_main_context.h"

using namespace vtkstream::sink;
using namespace vtkstream::sink::test;
using vtkstream::test::run_until;

namespace {

GstElement* child_named(GstElement* pipe, const char* prefix) {
  GstElement* found = nullptr;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(pipe));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&v));
    if (!found && g_str_has_prefix(GST_OBJECT_NAME(e), prefix)) found = GST_ELEMENT(gst_object_ref(e));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return found;
}

void drain() {
  while (g_main_context_pending(nullptr)) g_main_context_iteration(nullptr, FALSE);
}

}  // namespace

TEST(JanusRungShare, ViewersMovingAndAFailedRungLeaveJanusItsOtherRungs) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=360,framerate=30/1", "ball");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  ASSERT_TRUE(live.start(MediaConfig{}, &err)) << err;

  std::array<std::unique_ptr<Mountpoint>, kRungs> mounts;
  int base = 0;
  for (int b = 30000 + 2 * g_random_int_range(0, 5000); b < 60000 && !base; b += 6)
    if (bind_mountpoints(b, &mounts)) base = b;
  ASSERT_GT(base, 0) << "no six free UDP ports";
  auto api = std::make_unique<FakeJanusApi>();
  const guint api_port = api->port();
  std::vector<JanusConfig> configs;
  ASSERT_TRUE(janus_configuration("http://127.0.0.1:" + std::to_string(api_port) + "/janus", base, base + 1, "all",
                                  &configs, &err))
      << err;
  std::vector<std::unique_ptr<JanusForwarder>> fwd;
  fwd.push_back(JanusForwarder::start(configs[0], {GST_BIN(pipe), media.get(), "test"}, &err));
  ASSERT_TRUE(fwd[0]) << err;
  // What WebService does: a failed rung's feeds stop.
  media->on_rung_failed([&fwd](int rung) {
    for (auto& f : fwd) f->rung_failed(rung);
  });
  ASSERT_TRUE(run_until([&] { return mounts[1]->packets > 10 && mounts[2]->packets > 10; }, 20000))
      << "the lower rungs did not reach their mountpoints";
  ASSERT_EQ(media->rung_encodes(), 2u);

  // Direct viewers move onto Janus's rungs and off them, in a loop (what each WebRTC viewer's
  // RungSwitch does: acquire the new rung, release the old one two hops later).
  GstElement* rung1_tee = media->rung_tee(1);
  for (int i = 0; i < 40; ++i) {
    const int rung = 1 + i % 2;
    ASSERT_NE(media->acquire_rung(rung, &err), nullptr) << err;
    drain();
    media->release_rung(rung);
    EXPECT_EQ(media->rung_encodes(), 2u) << "round " << i << ": a viewer leaving took Janus's rung " << rung;
  }
  EXPECT_EQ(media->rung_tee(1), rung1_tee) << "rung 1 was made anew: Janus's feed lost its branch";
  const int fed1 = mounts[1]->packets, fed2 = mounts[2]->packets;
  ASSERT_TRUE(run_until([&] { return mounts[1]->packets > fed1 + 10 && mounts[2]->packets > fed2 + 10; }, 10000))
      << "a rung's mountpoint stopped receiving after the viewers' moves";

  // Rung 1's encoder breaks (an error from its bin, as a broken encoder posts one).
  GstElement* rung1_bin = child_named(pipe, "rung1-");
  ASSERT_NE(rung1_bin, nullptr);
  GError* gerr = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE, "test: the encoder broke");
  GstMessage* msg = gst_message_new_error(GST_OBJECT(rung1_bin), gerr, "test");
  g_error_free(gerr);
  ASSERT_TRUE(Branch::route_error(msg));
  gst_message_unref(msg);
  gst_object_unref(rung1_bin);
  ASSERT_TRUE(run_until([&] { return media->rung_encodes() == 1; }, 5000)) << "the failed rung 1 was kept";
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 1), 0);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 2), 1);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 0), 1);

  // Janus goes and comes back: rungs 0 and 2 are forwarded again, the failed one is not retried.
  api.reset();
  ASSERT_TRUE(run_until([&] { return !fwd[0]->up() && media->rung_encodes() == 0; }, 10000));
  api = std::make_unique<FakeJanusApi>(api_port);
  const int again2 = mounts[2]->packets;
  ASSERT_TRUE(run_until([&] { return fwd[0]->up() && mounts[2]->packets > again2 + 10; }, 15000))
      << "rung 2 not fed again after Janus came back";
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 1), 0) << "the failed rung was started again";
  EXPECT_EQ(media->rung_encodes(), 1u);
  fwd.clear();
  ASSERT_TRUE(run_until([&] { return media->rung_encodes() == 0; }, 5000));
}

// A Janus whose configuration lacks a rung's mountpoint (janus-config.sh --rungs 0,2 against a
// sink sending all): its API answers, so the rung is encoded and sent, for nobody. The RTCP
// report to that mountpoint's port comes back "port unreachable": counted for that rung only,
// and said once on stderr after three reports (one a second), naming the rung, the port and the
// mountpoint id.
TEST(JanusRungShare, AMountpointMissingFromJanusIsReported) {
  LiveMedia live("video/x-raw,format=I420,width=320,height=180,framerate=30/1");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  ASSERT_TRUE(live.start(MediaConfig{}, &err)) << err;

  std::array<std::unique_ptr<Mountpoint>, kRungs> mounts;
  int base = 0;
  for (int b = 30000 + 2 * g_random_int_range(0, 5000); b < 60000 && !base; b += 6)
    if (bind_mountpoints(b, &mounts)) base = b;
  ASSERT_GT(base, 0) << "no six free UDP ports";
  // Rung 1's mountpoint is not there: nothing on its ports.
  mounts[1].reset();
  FakeJanusApi api;
  std::vector<JanusConfig> configs;
  ASSERT_TRUE(janus_configuration("http://127.0.0.1:" + std::to_string(api.port()) + "/janus", base, base + 1, "all",
                                  &configs, &err))
      << err;
  testing::internal::CaptureStderr();
  std::vector<std::unique_ptr<JanusForwarder>> fwd;
  fwd.push_back(JanusForwarder::start(configs[0], {GST_BIN(pipe), media.get(), "test"}, &err));
  const bool seen = fwd[0] && run_until([&] {
    return rung_metric(fwd, "vtkstream_janus_rtcp_unreachable_total", 1) >= 3 && mounts[2]->reporter;
  }, 10000);
  const std::string said = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(fwd[0]) << err;
  ASSERT_TRUE(seen) << "rung 1's missing mountpoint went unnoticed: " << said;
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rtcp_unreachable_total", 0), 0);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rtcp_unreachable_total", 2), 0);
  const std::string line = "janus: nothing listens on rung 1's RTCP port 127.0.0.1:" + std::to_string(base + 3) +
                           ": is its mountpoint (id 2) in Janus's configuration?";
  EXPECT_NE(said.find(line), std::string::npos) << said;
  EXPECT_EQ(said.find("rung 0's RTCP"), std::string::npos) << said;
  EXPECT_EQ(said.find("rung 2's RTCP"), std::string::npos) << said;
  fwd.clear();
  ASSERT_TRUE(run_until([&] { return media->rung_encodes() == 0; }, 5000));
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
