// Janus gets every rung (janus/janus_forwarder.h, janus_rung_feed.h) in a real pipeline: a live
// raw source into Media (the built-in VP8 encoder, so the ladder has three rungs), the forwarder
// pointed at a stand-in for Janus on loopback: an HTTP server that answers GET /janus/info as Janus
// does (the probe's only question), and UDP sockets on the mountpoints' ports (rung N: video
// port + 2N, RTCP port + 2N) that play the streaming plugin's side. Checked: while "Janus" is up,
// the two lower rungs' encoders exist and each rung's RTP reaches its own port; a PLI sent back on
// rung 2's RTCP port, as Janus sends for a joining viewer, is counted for rung 2 and brings a
// keyframe on rung 2's port; "Janus" gone: the lower rungs' encoders are released (none left) and
// nothing more is forwarded; back: they are made again; the forwarder destroyed (the sink
// stopping): released again.
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "live_media.h"
#include "janus_forwarder.h"
#include "janus_stand_in.h"
#include "media.h"
#include "test_main_context.h"

using namespace vtkstream::sink;
using namespace vtkstream::sink::test;
using vtkstream::test::run_until;

TEST(JanusRungs, EveryRungForwardedWhileJanusIsUpAndReleasedWhenItGoes) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=360,framerate=30/1", "ball");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  MediaConfig cfg;
  cfg.bitrate_kbps = 1000;
  ASSERT_TRUE(live.start(cfg, &err)) << err;
  ASSERT_EQ(media->ladder(0).size(), size_t(kRungs));

  // Six consecutive UDP ports: search a few bases in the unprivileged range (a plain search over
  // candidates, not a wait: a taken port only means the next base).
  std::array<std::unique_ptr<Mountpoint>, kRungs> mounts;
  int base = 0;
  for (int b = 30000 + 2 * g_random_int_range(0, 5000); b < 60000 && !base; b += 6)
    if (bind_mountpoints(b, &mounts)) base = b;
  ASSERT_GT(base, 0) << "no six free UDP ports";

  auto api = std::make_unique<FakeJanusApi>();
  const guint api_port = api->port();
  ASSERT_GT(api_port, 0u);
  std::vector<JanusConfig> configs;
  ASSERT_TRUE(janus_configuration("http://127.0.0.1:" + std::to_string(api_port) + "/janus", base, base + 1, "all",
                                  &configs, &err))
      << err;
  ASSERT_EQ(configs.size(), 1u);
  std::vector<std::unique_ptr<JanusForwarder>> fwd;
  fwd.push_back(JanusForwarder::start(configs[0], {GST_BIN(pipe), media.get(), "test"}, &err));
  ASSERT_TRUE(fwd[0]) << err;

  auto all_fed = [&] {
    for (const auto& m : mounts)
      if (m->packets < 30 || m->keyframes < 1 || !m->reporter) return false;
    return true;
  };
  ASSERT_TRUE(run_until([&] { return fwd[0]->up() && all_fed(); }, 20000))
      << "not every rung reached its mountpoint: rung 0 " << mounts[0]->packets << ", rung 1 " << mounts[1]->packets
      << ", rung 2 " << mounts[2]->packets << " packets";
  EXPECT_EQ(media->rung_encodes(), size_t(kRungs - 1)) << "Janus up: both lower rungs are encoded";
  EXPECT_TRUE(has_child_named(pipe, "rung-1"));
  EXPECT_TRUE(has_child_named(pipe, "rung-2"));
  for (int r = 0; r < kRungs; ++r) {
    EXPECT_GT(rung_metric(fwd, "vtkstream_janus_forwarded_packets_total", r), 0) << "rung " << r;
    EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", r), 1) << "rung " << r;
  }

  // A keyframe request for rung 2 (a viewer joining its mountpoint) goes to rung 2's encoder.
  const int keyframes_before = mounts[2]->keyframes;
  ASSERT_TRUE(mounts[2]->send_pli());
  ASSERT_TRUE(run_until([&] { return mounts[2]->keyframes > keyframes_before; }, 10000))
      << "no keyframe on rung 2's port after its PLI";
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_keyframe_requests_total", 2), 1);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_keyframe_requests_total", 0), 0);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_keyframe_requests_total", 1), 0);

  // Janus goes away: the probe sees it, the lower rungs' encoders are released.
  api.reset();
  ASSERT_TRUE(run_until([&] { return !fwd[0]->up() && media->rung_encodes() == 0; }, 10000))
      << "Janus down but " << media->rung_encodes() << " lower rungs still encoded";
  EXPECT_FALSE(has_child_named(pipe, "rung-"));
  for (int r = 0; r < kRungs; ++r)
    EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", r), 0) << "rung " << r << " still forwarded";

  // Whatever holds the mountpoints' RTCP ports while Janus is down (here the stand-in's sockets,
  // which outlived its API) asks for keyframes: nobody watches through Janus, so rung 0's shared
  // encoder, which the direct viewers pay for, is not asked. The datagrams are in the sink's
  // socket buffers when send returns (loopback), so draining the context has read them.
  std::atomic<int> key_units{0};
  GstElement* pay = media->payloader();
  ASSERT_NE(pay, nullptr);
  GstPad* pay_src = gst_element_get_static_pad(pay, "src");
  const gulong key_probe = gst_pad_add_probe(
      pay_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer d) {
        if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))) ++*static_cast<std::atomic<int>*>(d);
        return GST_PAD_PROBE_OK;
      },
      &key_units, nullptr);
  const double asked_before = rung_metric(fwd, "vtkstream_janus_keyframe_requests_total", 0);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(mounts[0]->send_pli());
    ASSERT_TRUE(mounts[2]->send_pli());
    while (g_main_context_pending(nullptr)) g_main_context_iteration(nullptr, FALSE);
  }
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_keyframe_requests_total", 0), asked_before)
      << "PLIs on a stopped feed were acted on";
  EXPECT_EQ(key_units.load(), 0) << "rung 0's encoder was asked for keyframes for a Janus that is down";
  gst_pad_remove_probe(pay_src, key_probe);
  gst_object_unref(pay_src);
  gst_object_unref(pay);

  // Janus back on its port: the rungs are made again and fed.
  api = std::make_unique<FakeJanusApi>(api_port);
  const int rung2_packets = mounts[2]->packets;
  ASSERT_TRUE(run_until([&] { return fwd[0]->up() && mounts[2]->packets > rung2_packets + 30; }, 15000))
      << "rung 2 not fed again after Janus came back";
  EXPECT_EQ(media->rung_encodes(), size_t(kRungs - 1));

  // The sink stops: the forwarder goes, and the rungs with it (two hops on the context).
  fwd.clear();
  ASSERT_TRUE(run_until([&] { return media->rung_encodes() == 0; }, 5000)) << "rungs left after the forwarder went";
}

// Pass-through input (VP8 already encoded) has one rung: Janus gets rung 0 only, and asking for
// the others is no error (their mountpoints stay silent).
TEST(JanusRungs, OnlyTheTopRungForPassThroughInput) {
  GstElement* pipe = gst_pipeline_new(nullptr);
  Media media(GST_BIN(pipe));
  GstCaps* caps = gst_caps_from_string("video/x-vp8,width=640,height=480,framerate=30/1");
  std::string err;
  ASSERT_TRUE(media.on_caps(caps, &err)) << err;
  gst_caps_unref(caps);
  std::array<std::unique_ptr<Mountpoint>, kRungs> mounts;
  int base = 0;
  for (int b = 30000 + 2 * g_random_int_range(0, 5000); b < 60000 && !base; b += 6)
    if (bind_mountpoints(b, &mounts)) base = b;
  ASSERT_GT(base, 0);
  FakeJanusApi api;
  std::vector<JanusConfig> configs;
  ASSERT_TRUE(janus_configuration("http://127.0.0.1:" + std::to_string(api.port()) + "/janus", base, base + 1, "all",
                                  &configs, &err));
  std::vector<std::unique_ptr<JanusForwarder>> fwd;
  testing::internal::CaptureStderr();
  fwd.push_back(JanusForwarder::start(configs[0], {GST_BIN(pipe), &media, "test"}, &err));
  ASSERT_TRUE(fwd[0]) << err;
  const bool up = run_until([&] { return fwd[0]->up(); }, 10000);
  const std::string said = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(up);
  // The operator is told which asked-for rungs this input cannot give (it was silent).
  EXPECT_NE(said.find("janus: rung 1 not forwarded: this input has rung 0 only"), std::string::npos) << said;
  EXPECT_NE(said.find("janus: rung 2 not forwarded"), std::string::npos) << said;
  EXPECT_NE(said.find("forwarding RTP to 127.0.0.1:" + std::to_string(base) + " (rung 0)"), std::string::npos) << said;
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 0), 1);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 1), 0);
  EXPECT_EQ(rung_metric(fwd, "vtkstream_janus_rung_forwarding", 2), 0);
  EXPECT_EQ(media.rung_encodes(), 0u);
  fwd.clear();
  while (g_main_context_pending(nullptr)) g_main_context_iteration(nullptr, FALSE);  // the posted releases
  media.reset();
  gst_object_unref(pipe);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
