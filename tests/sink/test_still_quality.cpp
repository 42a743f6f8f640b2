// vtkstreamsink's still quality (plugins/vtkstreamsink/media/still_quality.h): frames of the
// picture marked `still` are encoded with a lower vp8enc max-quantizer, including copies of that
// picture that are not marked themselves (a one-buffer leaky queue may drop the marked one), and
// the next new picture is encoded with the previous ceiling again; with the encoder's target below
// StillQuality::kBoostMinKbps (a weak link's estimate), the still is not boosted at all, and
// keyframes are capped (StillQuality::kMaxIntraPercent).
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "vtkstream/vtksrc-contract.h"

namespace {

namespace contract = vtkstream::contract;
using namespace std::chrono_literals;

struct Outputs {
  std::mutex lock;
  std::condition_variable cv;
  GstElement* enc = nullptr;  // set once the sink built its encoder
  std::vector<int> max_q;     // per encoded frame
  std::vector<int> max_intra; // vp8enc max-intra-bitrate, per encoded frame
};

GstBuffer* frame(guint64 seq, bool still, GstClockTime pts) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, 64 * 48 * 4, nullptr);
  gst_buffer_memset(buf, 0, guint8(seq * 40), 64 * 48 * 4);  // each picture differs
  GST_BUFFER_PTS(buf) = pts;
  GstCustomMeta* m = gst_buffer_add_custom_meta(buf, contract::kFrameMetaName);
  gst_structure_set(gst_custom_meta_get_structure(m), contract::kMetaInputSeq, G_TYPE_UINT64, seq,
                    contract::kMetaStill, G_TYPE_BOOLEAN, still ? TRUE : FALSE, nullptr);
  return buf;
}

// Pushes an ordinary frame, the still, an unmarked copy of it and a new picture through a
// vtkstreamsink whose encoder runs at `kbps`; returns vp8enc's max-quantizer at each output.
void encode_frames(int kbps, std::vector<int>* q_out, std::vector<int>* intra_out = nullptr) {
  // vtksrc registers the meta in its class_init.
  gst_object_unref(gst_object_ref_sink(gst_element_factory_make("vtksrc", nullptr)));
  GError* err = nullptr;
  const std::string desc = "appsrc name=src is-live=true format=time "
      "caps=video/x-raw,format=RGBA,width=64,height=48,framerate=0/1 ! "
      "vtkstreamsink port=0 auth=false address=127.0.0.1 bitrate=" + std::to_string(kbps);
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  ASSERT_TRUE(pipeline && !err) << (err ? err->message : "");
  Outputs out;
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer d) {
    auto* o = static_cast<Outputs*>(d);
    GstElement* enc = GST_IS_BIN(e) ? gst_bin_get_by_name(GST_BIN(e), "enc") : nullptr;
    if (!enc) return;
    GstPad* pad = gst_element_get_static_pad(enc, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad* p, GstPadProbeInfo*, gpointer d) {
      auto* o = static_cast<Outputs*>(d);
      GstObject* enc = gst_pad_get_parent(p);
      int q = -1, intra = -1;
      g_object_get(enc, "max-quantizer", &q, "max-intra-bitrate", &intra, nullptr);
      gst_object_unref(enc);
      std::lock_guard l(o->lock);
      o->max_q.push_back(q);
      o->max_intra.push_back(intra);
      o->cv.notify_all();
      return GST_PAD_PROBE_OK;
    }, o, nullptr);
    gst_object_unref(pad);
    std::lock_guard l(o->lock);
    o->enc = enc;
  }), &out);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");

  // One frame at a time, each waited for at the encoder's output, so the leaky queue drops none.
  struct Step {
    guint64 seq;
    bool still;
  };
  const std::vector<Step> steps = {{1, false}, {2, true}, {2, false}, {3, false}};
  GstClockTime pts = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), frame(steps[i].seq, steps[i].still, pts)), GST_FLOW_OK);
    pts += GST_SECOND / 30;
    std::unique_lock l(out.lock);
    ASSERT_TRUE(out.cv.wait_for(l, 20s, [&] { return out.max_q.size() > i; })) << "frame " << i << " not encoded";
  }
  {
    std::lock_guard l(out.lock);
    *q_out = out.max_q;
    if (intra_out) *intra_out = out.max_intra;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (out.enc) gst_object_unref(out.enc);
  gst_object_unref(src);
  gst_object_unref(pipeline);
}

TEST(StillQuality, StillPictureIsEncodedFinerAndTheNextPictureAsBefore) {
  std::vector<int> q;
  encode_frames(3000, &q);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], 63) << "an ordinary frame was boosted";
  EXPECT_EQ(q[1], 12) << "the still was not encoded at the finer ceiling";
  EXPECT_EQ(q[2], 12) << "an unmarked copy of the still picture lost the boost";
  EXPECT_EQ(q[3], 63) << "the ceiling was not restored for the next picture";
}

// At 1 Mbit/s a boosted 720p still (73-85 kB in one burst) overflowed the link's queue.
TEST(StillQuality, NoBoostBelowTheBitrateThatCarriesIt) {
  std::vector<int> q, intra;
  encode_frames(1000, &q, &intra);
  ASSERT_EQ(q.size(), 4u);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q[i], 63) << "frame " << i << " was boosted at 1 Mbit/s";
  // Keyframes (every still after an interactive-size drag is one) are capped as well.
  for (int v : intra) EXPECT_EQ(v, 600) << "keyframes are not capped";
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
