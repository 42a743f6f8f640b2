// Media::set_bitrate on a running encoder (the built-in VP8 and H.264 ones): the new rate is in
// effect and no keyframe comes of it, however often it changes (a keyframe per change would
// multiply the very traffic the controller is trying to cut).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "media.h"

using namespace vtkstream::sink;

namespace {

// Encoded frames, counted on the encoder's thread; the test waits on `more` (no polling).
struct Counts {
  std::mutex lock;
  std::condition_variable more;
  int frames = 0, keyframes = 0;

  // Waits until at least `n` frames came out, or the deadline; returns the count then.
  int wait_frames(int n, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock l(lock);
    more.wait_until(l, deadline, [&] { return frames >= n; });
    return frames;
  }
  int get(int Counts::*field) {
    std::lock_guard l(lock);
    return this->*field;
  }
};

GstPadProbeReturn count(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* c = static_cast<Counts*>(data);
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  {
    std::lock_guard l(c->lock);
    c->frames++;
    if (!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) c->keyframes++;
  }
  c->more.notify_all();
  return GST_PAD_PROBE_OK;
}

void run(Codec codec, const char* encoder, const char* property, int scale) {
  if (GstElementFactory* f = gst_element_factory_find(encoder)) gst_object_unref(f);
  else GTEST_SKIP() << encoder << " is not installed";
  GstElement* pipe = gst_pipeline_new(nullptr);
  // An explicit capsfilter: caps at the end of a bin description make no element, and the source
  // ran at its default 320x240 whatever they said.
  GstElement* src = gst_parse_bin_from_description(
      "videotestsrc is-live=true pattern=ball ! capsfilter caps=video/x-raw,format=I420,width=960,height=540,framerate=30/1",
      TRUE, nullptr);
  gst_bin_add(GST_BIN(pipe), src);
  Media media(GST_BIN(pipe));
  MediaConfig cfg;
  cfg.codec = codec;
  cfg.bitrate_kbps = 1000;
  media.configure(cfg);
  // 960x540 is worth 2666 kbit/s at the default max-bitrate (adapt/size_ceiling.h), above every
  // rate set below, so each one reaches the encoder as it is (test_size_bitrate.cpp caps them).
  GstCaps* caps = gst_caps_from_string("video/x-raw,format=I420,width=960,height=540,framerate=30/1");
  std::string err;
  ASSERT_TRUE(media.on_caps(caps, &err)) << err;
  gst_caps_unref(caps);
  GstPad* srcpad = gst_element_get_static_pad(src, "src");
  ASSERT_EQ(gst_pad_link(srcpad, media.input_pad()), GST_PAD_LINK_OK);
  gst_object_unref(srcpad);
  GstElement* enc = gst_bin_get_by_name(GST_BIN(pipe), "enc");
  ASSERT_NE(enc, nullptr);
  Counts counts;
  GstPad* out = gst_element_get_static_pad(enc, "src");
  gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_BUFFER, count, &counts, nullptr);
  gst_object_unref(out);
  ASSERT_NE(gst_element_set_state(pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // Wait for the first (key)frame, then change the rate 20 times while frames flow.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  ASSERT_GE(counts.wait_frames(1, deadline), 1) << "the encoder produced nothing";
  int last = 0;
  for (int i = 0; i < 20; ++i) {
    last = i % 2 ? 300 + 50 * i : 2000 - 50 * i;
    EXPECT_EQ(media.set_bitrate(last), last);
    counts.wait_frames(counts.get(&Counts::frames) + 2, deadline);  // two frames at each rate
  }
  EXPECT_GE(counts.get(&Counts::frames), 40);
  EXPECT_EQ(counts.get(&Counts::keyframes), 1) << "a bitrate change made a keyframe";
  gint v = 0;
  guint u = 0;
  if (scale == 1000) g_object_get(enc, property, &v, nullptr);
  else g_object_get(enc, property, &u, nullptr), v = gint(u);
  EXPECT_EQ(v, last * scale);
  EXPECT_EQ(media.bitrate_kbps(), last);
  EXPECT_EQ(media.applied_bitrate_kbps(), last);
  // The keyframe guard follows the rate: 2 s at 150 kbit/s, 0.5 s at 1.2 Mbit/s and above.
  media.set_bitrate(150);
  guint64 guard = 0;
  g_object_get(enc, "min-force-key-unit-interval", &guard, nullptr);
  EXPECT_EQ(guard, 2000 * GST_MSECOND);
  media.set_bitrate(2400);
  g_object_get(enc, "min-force-key-unit-interval", &guard, nullptr);
  EXPECT_EQ(guard, 500 * GST_MSECOND);
  EXPECT_EQ(Media::keyframe_guard_ms(600), 1000);
  gst_object_unref(enc);
  gst_element_set_state(pipe, GST_STATE_NULL);
  media.reset();
  gst_object_unref(pipe);
}

}  // namespace

TEST(LiveBitrate, Vp8ChangesWithoutKeyframes) { run(Codec::kVP8, "vp8enc", "target-bitrate", 1000); }
TEST(LiveBitrate, H264ChangesWithoutKeyframes) { run(Codec::kH264, "x264enc", "bitrate", 1); }

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
