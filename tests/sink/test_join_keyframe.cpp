// A joining viewer's keyframe (plugins/vtkstreamsink/media/join_keyframe.h): Media::force_keyframe
// with `join` makes the encoder's next keyframe with vp8enc's quantizer floor raised, so it is
// small whatever the target bitrate and however long the scene has been still, and the floor
// goes back for the frame after it; a plain request makes a plain keyframe. The real Media on a
// live videotestsrc at 1280x720 and 2 frames a second (an idle renderer's frames are far apart,
// which is when libvpx gives one frame many bytes); what the encoder used is read at its output.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "join_keyframe.h"
#include "live_media.h"
#include "media.h"
#include "test_main_context.h"

using namespace vtkstream::sink;
using vtkstream::sink::test::LiveMedia;
using vtkstream::test::run_until;

namespace {

struct Out {
  bool key;
  int min_q;
  size_t bytes;
};

struct Outputs {
  std::mutex lock;
  std::vector<Out> frames;
  int encoding_min_q = -1;  // the encoder's streaming thread only
  size_t size() {
    std::lock_guard l(lock);
    return frames.size();
  }
  // The first keyframe at or after index `from`, and the frame after it; false if not there yet.
  bool key_and_next(size_t from, Out* key, Out* next) {
    std::lock_guard l(lock);
    for (size_t i = from; i + 1 < frames.size(); ++i)
      if (frames[i].key) {
        *key = frames[i];
        *next = frames[i + 1];
        return true;
      }
    return false;
  }
};

// Records every frame vp8enc makes, with the floor it was encoded with: read on the encoder's
// sink pad after the sink's own probes (they run in the order they were added, and JoinKeyframe
// puts the floor back in a probe on the src pad that runs before any of ours there). One thread
// takes a frame through both pads, one frame at a time.
void watch_encoder(GstElement* pipe, Outputs* out) {
  GstElement* enc = gst_bin_get_by_name(GST_BIN(pipe), "enc");
  ASSERT_NE(enc, nullptr) << "no encoder named enc in Media's pipeline";
  GstPad* sink = gst_element_get_static_pad(enc, "sink");
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad* p, GstPadProbeInfo*, gpointer d) {
    GstObject* enc = gst_pad_get_parent(p);
    g_object_get(enc, "min-quantizer", &static_cast<Outputs*>(d)->encoding_min_q, nullptr);
    gst_object_unref(enc);
    return GST_PAD_PROBE_OK;
  }, out, nullptr);
  gst_object_unref(sink);
  GstPad* src = gst_element_get_static_pad(enc, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
    GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
    auto* o = static_cast<Outputs*>(d);
    {
      std::lock_guard l(o->lock);
      o->frames.push_back({!GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT), o->encoding_min_q,
                           gst_buffer_get_size(buf)});
    }
    g_main_context_wakeup(nullptr);
    return GST_PAD_PROBE_OK;
  }, out, nullptr);
  gst_object_unref(src);
  gst_object_unref(enc);
}

}  // namespace

TEST(JoinKeyframe, AJoinsKeyframeIsFlooredAndTheNextFrameIsNot) {
  LiveMedia live("video/x-raw,format=I420,width=1280,height=720,framerate=2/1", "pinwheel");
  std::string err;
  ASSERT_TRUE(live.start(MediaConfig{}, &err)) << err;
  Outputs out;
  watch_encoder(live.pipe, &out);
  ASSERT_TRUE(run_until([&] { return out.size() >= 2; }, 20000)) << "the encoder made no frames";

  // A join: the next keyframe floored, the frame after it not.
  size_t from = out.size();
  live.media->force_keyframe(0, true);
  Out key{}, next{};
  ASSERT_TRUE(run_until([&] { return out.key_and_next(from, &key, &next); }, 20000)) << "no keyframe after the join";
  EXPECT_EQ(key.min_q, JoinKeyframe::kMinQuantizer) << "the join's keyframe was not floored";
  EXPECT_EQ(next.min_q, 4) << "the floor stayed on after the join's keyframe";
  EXPECT_FALSE(next.key);
  const size_t join_bytes = key.bytes;

  // A plain request (a WebRTC viewer's, a move's): a plain keyframe. It comes after the guard.
  from = out.size();
  live.media->force_keyframe(0, false);
  ASSERT_TRUE(run_until([&] { return out.key_and_next(from, &key, &next); }, 20000)) << "no keyframe after the request";
  EXPECT_EQ(key.min_q, 4) << "a plain keyframe was floored";
  // What the floor is for: the same picture's keyframe, several times smaller.
  EXPECT_LT(join_bytes * 2, key.bytes) << "join keyframe " << join_bytes << " B, plain " << key.bytes << " B";
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
