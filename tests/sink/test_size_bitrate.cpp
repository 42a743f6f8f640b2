// An encoder's bitrate follows the size it encodes (plugins/vtkstreamsink/media/encoder_rate.h,
// adapt/size_ceiling.h): a real vtkstreamsink fed by a live appsrc whose caps change size as
// vtksrc's do around a drag (full size, the interactive size, the full-size still), and Media's
// rungs asked for more than their picture's size is worth.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "live_media.h"
#include "media.h"
#include "vtkstream/vtksrc-contract.h"

namespace {

namespace contract = vtkstream::contract;
using namespace std::chrono_literals;
using vtkstream::sink::MediaConfig;
using vtkstream::sink::test::LiveMedia;

// What an encoder had been told when each frame left it.
struct Encoded {
  std::mutex lock;
  std::condition_variable cv;
  GstElement* enc = nullptr;
  std::vector<int> kbps, width, max_q;

  // Records target-bitrate, the input width and max-quantizer at every frame out of `enc`.
  void watch(GstElement* e) {
    enc = GST_ELEMENT(gst_object_ref(e));
    GstPad* pad = gst_element_get_static_pad(e, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad* p, GstPadProbeInfo*, gpointer d) {
      auto* self = static_cast<Encoded*>(d);
      GstElement* enc = GST_ELEMENT(gst_pad_get_parent(p));
      int bps = 0, q = 0, w = 0;
      g_object_get(enc, "target-bitrate", &bps, "max-quantizer", &q, nullptr);
      GstPad* sink = gst_element_get_static_pad(enc, "sink");
      if (GstCaps* caps = gst_pad_get_current_caps(sink)) {
        gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &w);
        gst_caps_unref(caps);
      }
      gst_object_unref(sink);
      gst_object_unref(enc);
      std::lock_guard l(self->lock);
      self->kbps.push_back(bps / 1000);
      self->width.push_back(w);
      self->max_q.push_back(q);
      self->cv.notify_all();
      return GST_PAD_PROBE_OK;
    }, this, nullptr);
    gst_object_unref(pad);
  }
  bool wait_for(size_t n) {
    std::unique_lock l(lock);
    return cv.wait_for(l, 30s, [&] { return kbps.size() >= n; });
  }
  ~Encoded() {
    if (enc) gst_object_unref(enc);
  }
};

// The element of `bin` whose name starts with `prefix` (transfer full), nullptr if none.
GstElement* child_named(GstElement* bin, const char* prefix) {
  GstElement* found = nullptr;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(bin));
  GValue v = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&v));
    if (g_str_has_prefix(GST_OBJECT_NAME(e), prefix)) found = GST_ELEMENT(gst_object_ref(e));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return found;
}

GstBuffer* frame(int w, int h, guint64 seq, bool still, GstClockTime pts) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, gsize(w) * h * 4, nullptr);
  gst_buffer_memset(buf, 0, guint8(seq * 40), gsize(w) * h * 4);  // each picture differs
  GST_BUFFER_PTS(buf) = pts;
  GstCustomMeta* m = gst_buffer_add_custom_meta(buf, contract::kFrameMetaName);
  gst_structure_set(gst_custom_meta_get_structure(m), contract::kMetaInputSeq, G_TYPE_UINT64, seq,
                    contract::kMetaStill, G_TYPE_BOOLEAN, still ? TRUE : FALSE, nullptr);
  return buf;
}

TEST(SizeBitrate, TheSinksEncoderFollowsTheSizeOfADragAndTheStillKeepsItsRate) {
  gst_object_unref(gst_object_ref_sink(gst_element_factory_make("vtksrc", nullptr)));  // registers the meta
  GError* err = nullptr;
  // max-bitrate 5000 (the default): the top ceiling at 720 lines; the viewers' rate is 2500.
  GstElement* pipeline = gst_parse_launch(
      "appsrc name=src is-live=true format=time caps=video/x-raw,format=RGBA,width=1280,height=720,framerate=0/1 ! "
      "vtkstreamsink port=0 auth=false address=127.0.0.1 bitrate=2500", &err);
  ASSERT_TRUE(pipeline && !err) << (err ? err->message : "");
  Encoded out;
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer d) {
    if (!GST_IS_BIN(e)) return;
    if (GstElement* enc = gst_bin_get_by_name(GST_BIN(e), "enc")) {
      static_cast<Encoded*>(d)->watch(enc);
      gst_object_unref(enc);
    }
  }), &out);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");

  struct Step {
    int w, h;
    guint64 seq;
    bool still;
    int kbps;  // expected target-bitrate
    const char* what;
  };
  const std::vector<Step> steps = {
      {1280, 720, 1, false, 2500, "full size: the rate asked for"},
      {640, 360, 2, false, 1000, "the interactive size: the 360-line rung's ceiling"},
      {640, 360, 3, false, 1000, "the next drag frame"},
      {320, 180, 4, false, 225, "a smaller interactive size: below the 240-line point, by pixels"},
      {1280, 720, 5, true, 2500, "the full-size still"},
      {640, 360, 6, true, 2500, "a still at a small size keeps the rate asked for"},
      {640, 360, 6, false, 2500, "an unmarked copy of that still"},
      {640, 360, 7, false, 1000, "a new picture at the small size"},
  };
  GstClockTime pts = 0;
  int w = 1280, h = 720;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.w != w || s.h != h) {
      GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width", G_TYPE_INT, s.w,
                                          "height", G_TYPE_INT, s.h, "framerate", GST_TYPE_FRACTION, 0, 1, nullptr);
      gst_app_src_set_caps(GST_APP_SRC(src), caps);
      gst_caps_unref(caps);
      w = s.w;
      h = s.h;
    }
    // One frame at a time, each waited for at the encoder's output, so the leaky queue drops none.
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), frame(s.w, s.h, s.seq, s.still, pts)), GST_FLOW_OK);
    pts += GST_SECOND / 30;
    ASSERT_TRUE(out.wait_for(i + 1)) << "frame " << i << " not encoded";
  }
  {
    std::lock_guard l(out.lock);
    for (size_t i = 0; i < steps.size(); ++i) {
      EXPECT_EQ(out.width[i], steps[i].w) << "frame " << i;
      EXPECT_EQ(out.kbps[i], steps[i].kbps) << "frame " << i << ": " << steps[i].what;
    }
    EXPECT_EQ(out.max_q[4], 12) << "the full-size still lost its finer quantizer";
    EXPECT_EQ(out.max_q[1], 63) << "a drag frame was boosted";
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
}

// The planner's rates (set_bitrate, set_rung_bitrate) are capped as well: a rate asked for while
// the picture is small applies only up to the size's ceiling, and a lower one applies as it is.
TEST(SizeBitrate, RatesSetWhileThePictureIsSmallAreCappedOnEveryRung) {
  LiveMedia live("video/x-raw,format=I420,width=320,height=180,framerate=30/1");
  std::string err;
  MediaConfig cfg;
  cfg.bitrate_kbps = 2500;
  ASSERT_TRUE(live.start(cfg, &err)) << err;
  GstBus* bus = gst_element_get_bus(live.pipe);
  gst_bus_set_flushing(bus, TRUE);
  gst_object_unref(bus);
  auto& media = live.media;

  Encoded top;
  GstElement* enc = gst_bin_get_by_name(GST_BIN(live.pipe), "enc");  // the top encoder (in "encoder")
  ASSERT_NE(enc, nullptr);
  top.watch(enc);
  gst_object_unref(enc);
  ASSERT_TRUE(top.wait_for(1));
  EXPECT_EQ(media->bitrate_kbps(), 2500) << "the rate asked for is kept";
  EXPECT_EQ(media->applied_bitrate_kbps(), 225) << "320x180 is worth 225 kbit/s";
  EXPECT_EQ(media->set_bitrate(3000), 3000);
  EXPECT_EQ(media->applied_bitrate_kbps(), 225);
  EXPECT_EQ(media->set_bitrate(180), 180);
  EXPECT_EQ(media->applied_bitrate_kbps(), 180) << "a rate under the ceiling applies as it is";
  {
    GstElement* e = gst_bin_get_by_name(GST_BIN(live.pipe), "enc");
    int bps = 0;
    g_object_get(e, "target-bitrate", &bps, nullptr);
    gst_object_unref(e);
    EXPECT_EQ(bps, 180000);
  }

  // The 360-line rung passes a 320x180 picture at its own size: the size's ceiling, not the rung's.
  ASSERT_NE(media->acquire_rung(1, &err), nullptr) << err;
  GstElement* rung = child_named(live.pipe, "rung1-");  // the rung's branch bin (media/branch.h)
  ASSERT_NE(rung, nullptr);
  GstElement* renc = gst_bin_get_by_name(GST_BIN(rung), "enc");
  gst_object_unref(rung);
  ASSERT_NE(renc, nullptr);
  Encoded lower;
  lower.watch(renc);
  gst_object_unref(renc);
  ASSERT_TRUE(lower.wait_for(1));
  EXPECT_EQ(media->rung_bitrate_kbps(1), 1000);
  EXPECT_EQ(media->rung_applied_kbps(1), 225);
  EXPECT_EQ(media->set_rung_bitrate(1, 900), 900);
  EXPECT_EQ(media->rung_applied_kbps(1), 225);
  media->release_rung(1);
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
