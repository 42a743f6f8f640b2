// vtksrc's keep-alive repeats of an unchanged picture cost almost nothing
// (plugins/vtkstreamsink/media/repeat_threshold.h): through a real vtkstreamsink, the copies of a
// picture marked `repeat` are encoded with vp8enc's static threshold raised and shrink to skip
// frames, where the same copies unmarked (a renderer republishing its picture) go on being
// refined; the next new picture is encoded with the encoder's own threshold again. The first
// repeats after a keyframe or a new picture still refine it (a joining viewer's coarse keyframe):
// decoded, the picture gets about as good as copies make it.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "join_keyframe.h"
#include "repeat_threshold.h"
#include "vtkstream/vtksrc-contract.h"

namespace {

namespace contract = vtkstream::contract;
using namespace std::chrono_literals;

constexpr int kW = 640, kH = 360;

struct Encoded {
  size_t bytes;
  int threshold;  // vp8enc static-threshold while this frame was encoded
  std::shared_ptr<GstBuffer> data;  // the VP8 frame
};

struct Outputs {
  std::mutex lock;
  std::condition_variable cv;
  std::vector<Encoded> frames;
  int encoding_threshold = -1;  // the encoder's streaming thread only
};

// A picture like a rendered scene: a dark vertical gradient, a shaded disc, thin light lines and
// small marks (text-like detail that a coarse encode leaves to refine).
GstBuffer* picture(guint8 shift) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, kW * kH * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      guint8* p = map.data + (y * kW + x) * 4;
      double r = 30 + 40.0 * y / kH, g = 40 + 30.0 * y / kH, b = 60 + 50.0 * y / kH;
      const double dx = x - 320.0, dy = y - 180.0, d = std::sqrt(dx * dx + dy * dy);
      if (d < 110) {
        const double shade = 0.5 + 0.5 * std::cos(d / 35.0);
        r = 120 + 120 * shade, g = 40 + 160 * (1 - shade), b = 140 + 100 * std::sin(dx / 40.0);
      }
      if (x % 97 == 0 || y % 61 == 0) r = g = b = 220;      // a box's edges
      if (y > 330 && y < 342 && (x / 3 + y) % 5 < 2) r = g = b = 235;  // a line of "text"
      p[0] = guint8(std::clamp(r + shift, 0.0, 255.0));
      p[1] = guint8(std::clamp(g, 0.0, 255.0));
      p[2] = guint8(std::clamp(b, 0.0, 255.0));
      p[3] = 255;
    }
  gst_buffer_unmap(buf, &map);
  return buf;
}

GstBuffer* frame(GstBuffer* pic, guint64 seq, bool repeat, GstClockTime pts, bool still = false) {
  GstBuffer* buf = gst_buffer_copy_deep(pic);
  GST_BUFFER_PTS(buf) = pts;
  GstCustomMeta* m = gst_buffer_add_custom_meta(buf, contract::kFrameMetaName);
  gst_structure_set(gst_custom_meta_get_structure(m), contract::kMetaInputSeq, G_TYPE_UINT64, seq,
                    contract::kMetaRepeat, G_TYPE_BOOLEAN, repeat ? TRUE : FALSE,
                    contract::kMetaStill, G_TYPE_BOOLEAN, still ? TRUE : FALSE, nullptr);
  return buf;
}

// One picture, `copies` copies of it (marked as vtksrc's repeats or not), then a new picture,
// through a vtkstreamsink at 1000 kbit/s; what the encoder made of each.
// `still`: the first picture is the renderer's still (vtkstream-render marks its settled picture;
// the copies carry its input seq, so the sink encodes them finer too: still_quality.h).
// `join`: seconds after the first picture, a joining viewer's keyframe request (join_keyframe.h:
// a floored, coarse keyframe) comes before the first copy, which the encoder makes that keyframe.
std::vector<Encoded> encode(bool mark_repeats, int copies, bool still = false, int kbps = 1000, bool join = false) {
  // vtksrc registers the meta in its class_init.
  gst_object_unref(gst_object_ref_sink(gst_element_factory_make("vtksrc", nullptr)));
  GError* err = nullptr;
  const std::string desc = "appsrc name=src is-live=true format=time caps=video/x-raw,format=RGBA,width=" +
                           std::to_string(kW) + ",height=" + std::to_string(kH) +
                           ",framerate=0/1 ! vtkstreamsink port=0 auth=false address=127.0.0.1 bitrate=" + std::to_string(kbps);
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  EXPECT_TRUE(pipeline && !err) << (err ? err->message : "");
  if (!pipeline) return {};
  Outputs out;
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer d) {
    GstElement* enc = GST_IS_BIN(e) ? gst_bin_get_by_name(GST_BIN(e), "enc") : nullptr;
    if (!enc) return;
    // After the sink's own probes on the sink pad (they were added when the encoder was built).
    GstPad* sink = gst_element_get_static_pad(enc, "sink");
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad* p, GstPadProbeInfo*, gpointer d) {
      GstObject* enc = gst_pad_get_parent(p);
      g_object_get(enc, "static-threshold", &static_cast<Outputs*>(d)->encoding_threshold, nullptr);
      gst_object_unref(enc);
      return GST_PAD_PROBE_OK;
    }, d, nullptr);
    gst_object_unref(sink);
    GstPad* src = gst_element_get_static_pad(enc, "src");
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
      auto* o = static_cast<Outputs*>(d);
      std::lock_guard l(o->lock);
      GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
      o->frames.push_back({gst_buffer_get_size(b), o->encoding_threshold,
                           std::shared_ptr<GstBuffer>(gst_buffer_ref(b), gst_buffer_unref)});
      o->cv.notify_all();
      return GST_PAD_PROBE_OK;
    }, d, nullptr);
    gst_object_unref(src);
    gst_object_unref(enc);
  }), &out);
  EXPECT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstBuffer* first = picture(0);
  GstBuffer* second = picture(60);
  // One frame at a time, each waited for at the encoder's output, so the leaky queue drops none;
  // 100 ms apart, the longest interval the sink gives a frame (encoder_setup.cpp give_duration).
  GstClockTime pts = 0;
  for (int i = 0; i <= copies + 1; ++i) {
    if (join && i == 1) {
      pts += 3 * GST_SECOND;  // seconds later, past the encoder's keyframe guard (media.h)
      GstElement* enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
      GstPad* pad = gst_element_get_static_pad(enc, "src");
      GstEvent* e = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
      gst_structure_set(gst_event_writable_structure(e), vtkstream::sink::JoinKeyframe::kEventField, G_TYPE_BOOLEAN,
                        TRUE, nullptr);  // JoinKeyframe::mark, which lives in the plugin
      gst_pad_send_event(pad, e);
      gst_object_unref(pad);
      gst_object_unref(enc);
    }
    GstBuffer* buf = i == 0 ? frame(first, 1, false, pts, still)
                     : i <= copies ? frame(first, 1, mark_repeats, pts)
                                   : frame(second, 2, false, pts);
    EXPECT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), buf), GST_FLOW_OK);
    pts += GST_SECOND / 10;
    std::unique_lock l(out.lock);
    if (!out.cv.wait_for(l, 20s, [&] { return out.frames.size() > size_t(i); })) {
      ADD_FAILURE() << "frame " << i << " was not encoded";
      break;
    }
  }
  gst_buffer_unref(first);
  gst_buffer_unref(second);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  std::lock_guard l(out.lock);
  return out.frames;
}

size_t bytes(const std::vector<Encoded>& v, size_t from, size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, size_t(0),
                         [](size_t s, const Encoded& e) { return s + e.bytes; });
}

std::string sizes(const std::vector<Encoded>& v) {
  std::string s;
  for (const Encoded& e : v) s += std::to_string(e.bytes) + "/" + std::to_string(e.threshold) + " ";
  return s;
}

// What a viewer sees: each frame decoded (vp8dec, from the first keyframe on), as RGB PSNR in dB
// against the picture it shows (`pictures[i]` for frame i).
std::vector<double> decoded_psnr(const std::vector<Encoded>& v, const std::vector<GstBuffer*>& pictures) {
  const std::string desc = "appsrc name=src format=time caps=video/x-vp8,width=" + std::to_string(kW) +
                           ",height=" + std::to_string(kH) + ",framerate=0/1 ! vp8dec ! videoconvert ! "
                           "video/x-raw,format=RGBA ! appsink name=sink sync=false";
  GstElement* pipe = gst_parse_launch(desc.c_str(), nullptr);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  std::vector<double> db;
  for (size_t i = 0; i < v.size() && i < pictures.size(); ++i) {
    GstBuffer* in = gst_buffer_copy(v[i].data.get());
    GST_BUFFER_PTS(in) = i * GST_SECOND / 10;
    gst_app_src_push_buffer(GST_APP_SRC(src), in);
    GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND);
    if (!s) break;
    GstMapInfo a, b;
    gst_buffer_map(gst_sample_get_buffer(s), &a, GST_MAP_READ);
    gst_buffer_map(pictures[i], &b, GST_MAP_READ);
    double se = 0;
    for (size_t k = 0; k < std::min(a.size, b.size); k += 4)
      for (int c = 0; c < 3; ++c) se += double(a.data[k + c] - b.data[k + c]) * (a.data[k + c] - b.data[k + c]);
    db.push_back(10 * std::log10(255.0 * 255.0 / (se / (3.0 * kW * kH))));
    gst_buffer_unmap(pictures[i], &b);
    gst_buffer_unmap(gst_sample_get_buffer(s), &a);
    gst_sample_unref(s);
  }
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  return db;
}

TEST(RepeatThreshold, KeepAliveRepeatsOfAnUnchangedPictureShrinkToSkipFrames) {
  constexpr int kCopies = 30;
  const std::vector<Encoded> repeats = encode(true, kCopies);
  const std::vector<Encoded> copies = encode(false, kCopies);
  std::printf("repeats %s\ncopies %s\n", sizes(repeats).c_str(), sizes(copies).c_str());
  ASSERT_EQ(repeats.size(), size_t(kCopies + 2)) << sizes(repeats);
  ASSERT_EQ(copies.size(), size_t(kCopies + 2)) << sizes(copies);

  EXPECT_EQ(repeats[0].threshold, 1) << "the first picture was not encoded with vp8enc's own threshold";
  // The first repeats after the keyframe refine it (RepeatsRefineAPictureBeforeTheySkip).
  constexpr int kRefining = vtkstream::sink::RepeatThreshold::kRefiningRepeats;
  for (int i = 1; i <= kCopies; ++i) EXPECT_EQ(repeats[i].threshold, i <= kRefining ? 1 : 1000) << "repeat " << i;
  EXPECT_EQ(repeats[kCopies + 1].threshold, 1) << "the threshold stayed raised for a new picture";
  for (const Encoded& e : copies) EXPECT_EQ(e.threshold, 1) << "an unmarked copy was encoded as a repeat";

  // The last ten: unmarked copies are still being refined; repeats are (nearly) skip frames.
  const size_t tail_repeats = bytes(repeats, kCopies - 9, kCopies + 1);
  const size_t tail_copies = bytes(copies, kCopies - 9, kCopies + 1);
  EXPECT_LT(tail_repeats * 3, tail_copies) << "repeats " << sizes(repeats) << "\ncopies " << sizes(copies);
  EXPECT_LT(tail_repeats, 10u * 400) << "repeats of an unchanged picture are not skip frames: " << sizes(repeats);
}

// A joining viewer's keyframe on an idle scene (floored: coarse) is followed by nothing but
// vtksrc's keep-alive repeats: they must refine it about as far as the renderer's copies would,
// before they turn into skip frames. The still of a top rung (4000 kbit/s, encoded finer); the
// copies go on creeping up by hundredths of a dB at 1-9 kB each, which is what the raised
// threshold stops: 0.5 dB. Raised from the first repeat on, the picture stayed 0.8 dB short here
// (the 1280x720 demo scene: 1.3-1.5 dB, repeat_threshold.h).
TEST(RepeatThreshold, RepeatsRefineAPictureBeforeTheySkip) {
  constexpr int kCopies = 12;
  const std::vector<Encoded> repeats = encode(true, kCopies, true, 4000, true);
  const std::vector<Encoded> copies = encode(false, kCopies, true, 4000, true);
  std::vector<GstBuffer*> pictures(kCopies + 1, picture(0));
  pictures.push_back(picture(60));
  const std::vector<double> r = decoded_psnr(repeats, pictures), c = decoded_psnr(copies, pictures);
  gst_buffer_unref(pictures.front());
  gst_buffer_unref(pictures.back());
  ASSERT_EQ(r.size(), size_t(kCopies + 2));
  ASSERT_EQ(c.size(), size_t(kCopies + 2));
  std::string trace;
  for (int i = 0; i < kCopies + 2; ++i)
    trace += std::to_string(i) + ": " + std::to_string(r[i]).substr(0, 5) + "/" + std::to_string(c[i]).substr(0, 5) +
             " dB " + std::to_string(repeats[i].bytes) + "/" + std::to_string(copies[i].bytes) + " B\n";
  std::printf("repeats/copies\n%s", trace.c_str());
  EXPECT_GE(r[kCopies], c[kCopies] - 0.5) << "the repeats left the joined picture coarser than copies refine it:\n" << trace;
  // The keyframe (the first repeat) starts the count again: the repeats right after it refine.
  ASSERT_FALSE(GST_BUFFER_FLAG_IS_SET(repeats[1].data.get(), GST_BUFFER_FLAG_DELTA_UNIT)) << "no join keyframe";
  constexpr int kRefining = vtkstream::sink::RepeatThreshold::kRefiningRepeats;
  for (int i = 2; i <= kCopies; ++i)
    EXPECT_EQ(repeats[i].threshold, i < 2 + kRefining ? 1 : 1000) << "repeat " << i << " after the join keyframe";
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
