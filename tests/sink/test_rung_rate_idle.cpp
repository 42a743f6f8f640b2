// A rung's bitrate once its WebRTC viewers are gone (adapt/shared_rate.h): the planner sets each
// rung to its weakest viewer's estimate, and a rung can outlive its viewers there (Janus's feed of
// it holds it, docs/janus.md). The weak viewer's rate is nobody's any more: the rung goes back to
// the rate it was made at, rung 0 to the configured bitrate. Real Media, real encoders, the
// planner the sink runs; no viewer at all, as after the last one left.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "live_media.h"
#include "media.h"
#include "peer.h"
#include "shared_rate.h"

using namespace vtkstream::sink;
using vtkstream::sink::test::LiveMedia;

TEST(RungRateIdle, ARungHeldWithoutViewersReturnsToItsStartRate) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=480,framerate=30/1");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  MediaConfig cfg;
  cfg.bitrate_kbps = 1200;
  ASSERT_TRUE(live.start(cfg, &err)) << err;
  GstBus* bus = gst_element_get_bus(pipe);
  gst_bus_set_flushing(bus, TRUE);
  gst_object_unref(bus);

  // Janus's feed of rung 2 holds it (JanusRungFeed::start); it starts at the rung's ceiling.
  ASSERT_NE(media->acquire_rung(2, &err), nullptr) << err;
  EXPECT_EQ(media->rung_bitrate_kbps(2), 400);
  EXPECT_EQ(media->rung_start_kbps(2), 400);
  EXPECT_EQ(media->rung_start_kbps(1), 1000);
  EXPECT_EQ(media->rung_start_kbps(0), 1200);
  // What the planner set for a weak direct viewer on rung 2 and one on rung 0 (their estimates).
  EXPECT_EQ(media->set_rung_bitrate(2, 150), 150);
  EXPECT_EQ(media->set_rung_bitrate(0, 850), 850);

  // Both viewers left: the planner runs with nobody (WebService::remove_peer, the 1 s tick).
  Peers nobody;
  RungPlanner planner(5000);
  planner.apply(nobody, std::nullopt, *media, g_get_monotonic_time());
  EXPECT_EQ(media->rung_bitrate_kbps(2), 400) << "rung 2 kept a departed viewer's 150 kbit/s for Janus's audience";
  EXPECT_EQ(media->rung_bitrate_kbps(0), 1200) << "rung 0 kept a departed viewer's 850 kbit/s";
  EXPECT_EQ(media->rung_encodes(), 1u) << "the planner makes no rung nobody holds";
  EXPECT_EQ(media->rung_bitrate_kbps(1), 0);

  media->release_rung(2);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
