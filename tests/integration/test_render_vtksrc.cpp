// End to end: the real renderer (vtkstream-render, headless) publishes Human.vtp, frames come out
// of `vtksrc ! appsink`, a mouse drag sent upstream as navigation events turns the model, and the
// frame that echoes the drag's last input seq shows a different picture.
//
// Exit 77 (skipped) only when the renderer binary is not built. Everything is waited for on
// appsink, the bus or the child's exit, with timeouts; the only process killed is the one this
// test spawned.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../vtksrc/gst_helpers.h"
#include "child.h"
#include "vtkstream/vtksrc-contract.h"

using namespace std::chrono_literals;
using namespace vtktest;
using vtkstream::test::Child;

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string renderer_path() {
  return env_or_empty("VTKSTREAM_BUILD_DIR") + "/apps/render/vtkstream-render";
}

bool is_executable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

struct Picture {
  int width = 0, height = 0;
  std::vector<uint8_t> luma;  // one byte per pixel
  uint64_t input_seq = 0;
};

Picture to_picture(GstSample* s) {
  Picture pic;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(s))) return pic;
  GstVideoFrame frame;
  GstBuffer* buf = gst_sample_get_buffer(s);
  if (!gst_video_frame_map(&frame, &info, buf, GST_MAP_READ)) return pic;
  pic.width = GST_VIDEO_INFO_WIDTH(&info);
  pic.height = GST_VIDEO_INFO_HEIGHT(&info);
  const int bpp = GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0);
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  const auto* data = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  pic.luma.resize(size_t(pic.width) * pic.height);
  for (int y = 0; y < pic.height; ++y) {
    for (int x = 0; x < pic.width; ++x) {
      const uint8_t* px = data + size_t(y) * stride + size_t(x) * bpp;
      pic.luma[size_t(y) * pic.width + x] = uint8_t((px[0] + 2 * px[1] + px[2]) / 4);
    }
  }
  gst_video_frame_unmap(&frame);
  if (GstCustomMeta* m = gst_buffer_get_custom_meta(buf, "VtkStreamFrameMeta")) {
    guint64 seq = 0;
    gst_structure_get_uint64(gst_custom_meta_get_structure(m), "input-seq", &seq);
    pic.input_seq = seq;
  }
  return pic;
}

double variance(const Picture& p) {
  double sum = 0, sq = 0;
  for (uint8_t v : p.luma) {
    sum += v;
    sq += double(v) * v;
  }
  const double n = double(p.luma.size());
  return n > 0 ? sq / n - (sum / n) * (sum / n) : 0;
}

// Fraction of pixels whose luma differs by more than 24.
double changed_fraction(const Picture& a, const Picture& b) {
  if (a.luma.size() != b.luma.size() || a.luma.empty()) return 1.0;
  size_t changed = 0;
  for (size_t i = 0; i < a.luma.size(); ++i)
    if (std::abs(int(a.luma[i]) - int(b.luma[i])) > 24) ++changed;
  return double(changed) / double(a.luma.size());
}

class RenderToVtksrc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_gstreamer(); }
};

TEST_F(RenderToVtksrc, DragTurnsTheModel) {
  const std::string data = env_or_empty("VTKSTREAM_DATA_DIR") + "/Human.vtp";
  ASSERT_TRUE(is_executable(renderer_path()));
  ASSERT_EQ(access(data.c_str(), R_OK), 0) << data;
  const std::string name = unique_name("integration");

  // The newest frame is what matters: appsink keeps only the latest one.
  Pipeline p("vtksrc shm-name=" + name +
             " repeat-interval=0 ! appsink name=sink sync=false max-buffers=1 drop=true");
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  Child renderer({renderer_path(), "--shm", name, "--size", "640x360", data});
  ASSERT_TRUE(renderer.started());

  // First picture (VTK start-up and loading take a few seconds on a CPU renderer).
  SamplePtr first = p.pull(30s);
  ASSERT_TRUE(first) << "no frame from the renderer";
  ASSERT_TRUE(p.log().wait_for(renderer_state("attached"), 1s));
  // Let the start-up frames settle: the scene is still once no frame comes for 1.5 s.
  SamplePtr settled = std::move(first);
  while (SamplePtr next = p.pull(1500ms)) settled = std::move(next);
  const Picture before = to_picture(settled.get());
  ASSERT_EQ(before.width, 640);
  ASSERT_EQ(before.height, 360);
  EXPECT_GT(variance(before), 50.0) << "the picture is blank or uniform";

  // A horizontal drag across the middle, numbered by us as a server would.
  ObjectPtr<GstElement> sink = p.element("sink");
  ObjectPtr<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  guint64 seq = 0;
  auto send = [&](GstEvent* ev) {
    gst_structure_set(gst_event_writable_structure(ev), "vtkstream-seq", G_TYPE_UINT64, ++seq,
                      nullptr);
    EXPECT_TRUE(gst_pad_push_event(pad.get(), ev)) << "event " << seq;
  };
  const auto none = GST_NAVIGATION_MODIFIER_NONE;
  send(gst_navigation_event_new_mouse_move(320, 180, none));
  send(gst_navigation_event_new_mouse_button_press(1, 320, 180, none));
  for (int i = 1; i <= 20; ++i)
    send(gst_navigation_event_new_mouse_move(320 + 12 * i, 180, GST_NAVIGATION_MODIFIER_BUTTON1_MASK));
  send(gst_navigation_event_new_mouse_button_release(1, 560, 180, GST_NAVIGATION_MODIFIER_BUTTON1_MASK));
  const guint64 last_seq = seq;

  // Frames until one echoes the last event at the full size (frames during the drag may be
  // smaller: the renderer's interactive size; the full-size still follows the release).
  Picture after;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((after.input_seq < last_seq || after.width != before.width) &&
         std::chrono::steady_clock::now() < deadline) {
    SamplePtr s = p.pull(5s);
    if (!s) break;
    after = to_picture(s.get());
  }
  std::printf("picture variance %.0f before, %.0f after; %.1f%% of pixels changed\n",
              variance(before), variance(after), 100.0 * changed_fraction(before, after));
  EXPECT_EQ(after.input_seq, last_seq) << "the renderer never echoed the drag's last event";
  EXPECT_EQ(after.width, before.width) << "no full-size picture after the drag";
  EXPECT_GT(changed_fraction(before, after), 0.01) << "the drag did not change the picture";
  EXPECT_GT(variance(after), 50.0);

  // The renderer going away is noticed.
  EXPECT_TRUE(renderer.running());
  EXPECT_EQ(renderer.stop(), 0);
  EXPECT_TRUE(p.log().wait_for(renderer_state("lost"), 10s));
  EXPECT_EQ(p.errors(), 0u);
}

// The real renderer, vtksrc and vtkstreamsink's encoder: a drag gives frames at the interactive
// size (half of each side here), then one full-size frame marked as the still, which the sink's
// VP8 encoder encodes with its finer quantizer ceiling (still_quality.h) and only that picture.
// The ceiling applies only from StillQuality::kBoostMinKbps up (below it the finer still is a
// burst a slow link drops), so the encoder gets a target above that.
TEST_F(RenderToVtksrc, DragGivesInteractiveFramesThenAFullSizeStill) {
  ASSERT_TRUE(is_executable(renderer_path()));
  const std::string name = unique_name("interactive");
  Pipeline p("vtksrc name=src shm-name=" + name +
             " repeat-interval=0 ! vtkstreamsink name=web port=0 auth=false address=127.0.0.1"
             " bitrate=3000");
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  Child renderer({renderer_path(), "--shm", name, "--size", "640x360", "--demo",
                  "--interactive-scale", "0.5"});
  ASSERT_TRUE(renderer.started());

  // What leaves the encoder: its size, whether it is the still, and the quantizer ceiling that
  // was in force for it. Read on the encoder's streaming thread, handed over under a lock.
  struct Encoded {
    int width = 0, height = 0;
    bool still = false;
    int max_q = -1;
  };
  struct Seen {
    std::mutex lock;
    std::condition_variable cv;
    std::vector<Encoded> frames;
  } seen;
  // The sink builds its encoder on the first caps, on the streaming thread: wait for it to be
  // added (deep-element-added names the encoder part; its VP8 encoder is "enc").
  struct Added {
    std::mutex lock;
    std::condition_variable cv;
    GstElement* enc = nullptr;
  } added;
  ObjectPtr<GstElement> pipeline = p.element("src");  // any element: its parent is the pipeline
  GstObject* top = gst_element_get_parent(pipeline.get());
  const gulong handler = g_signal_connect(top, "deep-element-added",
      G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer d) {
        auto* a = static_cast<Added*>(d);
        if (!GST_IS_BIN(e)) return;
        GstElement* enc = gst_bin_get_by_name(GST_BIN(e), "enc");
        if (!enc) return;
        std::lock_guard l(a->lock);
        if (a->enc) gst_object_unref(enc);
        else a->enc = enc;
        a->cv.notify_all();
      }), &added);
  ObjectPtr<GstElement> enc;
  {
    std::unique_lock l(added.lock);
    added.cv.wait_for(l, 30s, [&] { return added.enc != nullptr; });
    enc.reset(added.enc);
  }
  g_signal_handler_disconnect(top, handler);
  gst_object_unref(top);
  ASSERT_TRUE(enc) << "vtkstreamsink built no encoder";
  ObjectPtr<GstPad> enc_src(gst_element_get_static_pad(enc.get(), "src"));
  gst_pad_add_probe(enc_src.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad* pad, GstPadProbeInfo* info, gpointer d) {
    auto* s = static_cast<Seen*>(d);
    Encoded e;
    if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
      const GstStructure* st = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(st, "width", &e.width);
      gst_structure_get_int(st, "height", &e.height);
      gst_caps_unref(caps);
    }
    e.still = vtkstream::contract::frame_is_still(GST_PAD_PROBE_INFO_BUFFER(info));
    GstElement* enc = GST_ELEMENT(gst_pad_get_parent(pad));
    g_object_get(enc, "max-quantizer", &e.max_q, nullptr);
    gst_object_unref(enc);
    std::lock_guard l(s->lock);
    s->frames.push_back(e);
    s->cv.notify_all();
    return GST_PAD_PROBE_OK;
  }, &seen, nullptr);

  ObjectPtr<GstElement> src = p.element("src");
  ObjectPtr<GstPad> pad(gst_element_get_static_pad(src.get(), "src"));
  guint64 seq = 0;
  auto send = [&](GstEvent* ev) {
    gst_structure_set(gst_event_writable_structure(ev), "vtkstream-seq", G_TYPE_UINT64, ++seq, nullptr);
    EXPECT_TRUE(gst_pad_send_event(pad.get(), ev)) << "event " << seq;
  };
  const auto none = GST_NAVIGATION_MODIFIER_NONE;
  send(gst_navigation_event_new_mouse_button_press(1, 320, 180, none));
  for (int i = 1; i <= 10; ++i)
    send(gst_navigation_event_new_mouse_move(320 + 10 * i, 180, GST_NAVIGATION_MODIFIER_BUTTON1_MASK));

  auto describe = [](const std::vector<Encoded>& v) {
    std::string d = std::to_string(v.size()) + " frames:";
    for (const Encoded& e : v)
      d += " " + std::to_string(e.width) + "x" + std::to_string(e.height) + (e.still ? "S" : "") + "/q" +
           std::to_string(e.max_q);
    return d;
  };
  // Hold the button until an interactive frame has been encoded, as a hand does: a release sent
  // in the same microsecond as the moves let a loaded machine's vtksrc read only the newest
  // frame in shared memory (the still), and the drag's one interactive frame was never encoded.
  {
    std::unique_lock l(seen.lock);
    EXPECT_TRUE(seen.cv.wait_for(l, 30s, [&] {
      return std::any_of(seen.frames.begin(), seen.frames.end(),
                         [](const Encoded& e) { return e.width == 320 && e.height == 180 && !e.still; });
    })) << "no half-size frame was encoded while the button was held; " << describe(seen.frames);
  }
  send(gst_navigation_event_new_mouse_button_release(1, 420, 180, GST_NAVIGATION_MODIFIER_BUTTON1_MASK));
  std::vector<Encoded> frames;
  {
    std::unique_lock l(seen.lock);
    ASSERT_TRUE(seen.cv.wait_for(l, 30s, [&] {
      return std::any_of(seen.frames.begin(), seen.frames.end(), [](const Encoded& e) { return e.still; });
    })) << "no still came out of the encoder; " << describe(seen.frames);
    frames = seen.frames;
  }
  const auto still = std::find_if(frames.begin(), frames.end(), [](const Encoded& e) { return e.still; });
  const bool interactive_before = std::any_of(frames.begin(), still, [](const Encoded& e) {
    return e.width == 320 && e.height == 180 && !e.still;
  });
  EXPECT_TRUE(interactive_before) << "no half-size frame was encoded during the drag";
  EXPECT_EQ(still->width, 640);
  EXPECT_EQ(still->height, 360);
  EXPECT_EQ(still->max_q, 12) << "the still was not encoded at the finer quantizer ceiling";
  for (auto it = frames.begin(); it != still; ++it)
    if (it->width == 320) {
      EXPECT_EQ(it->max_q, 63) << "an interactive frame was boosted";
    }

  EXPECT_EQ(renderer.stop(), 0);
  EXPECT_TRUE(p.log().wait_for(renderer_state("lost"), 10s));
  EXPECT_EQ(p.errors(), 0u);
}

}  // namespace

int main(int argc, char** argv) {
  if (!is_executable(renderer_path())) {
    std::printf("SKIP: renderer not built at %s\n", renderer_path().c_str());
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
