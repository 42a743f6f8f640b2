// vtksrc against the real renderer process (vtkstream-render --demo, headless): downstream caps
// choose the render size, a reconfigure changes it, an unconstrained downstream gets the
// renderer's own size and follows a vtkstream-resize, a size pinned by caps is kept while the
// user drags (no interactive reduction) where an unconstrained one is reduced, and
// vtkstream://NAME plays through uridecodebin and playbin.
//
// Exit 77 (skipped) only when the renderer binary is not built. Every wait is on appsink or the
// bus with a timeout; the only processes stopped are the renderers this test started.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child.h"
#include "gst_helpers.h"
#include "vtkstream/vtksrc-contract.h"

using namespace std::chrono_literals;
using namespace vtktest;
using vtkstream::test::Child;
namespace contract = vtkstream::contract;

namespace {

// VTK start-up on a CPU renderer takes a few seconds on a loaded machine.
constexpr auto kFirstFrame = 30s;
constexpr auto kResize = 15s;

std::string renderer_path() {
  const char* dir = std::getenv("VTKSTREAM_BUILD_DIR");
  return std::string(dir ? dir : "") + "/apps/render/vtkstream-render";
}

bool is_executable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

using Size = std::pair<int, int>;

Size sample_size(GstSample* s) {
  const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
  int w = 0, h = 0;
  gst_structure_get_int(st, "width", &w);
  gst_structure_get_int(st, "height", &h);
  return {w, h};
}

// True when the picture is not one flat colour: the renderer really drew the scene at that size.
bool has_content(GstSample* s) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(s))) return false;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(s), GST_MAP_READ)) return false;
  const auto* data = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  const int bpp = GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0);
  int lo = 255, hi = 0;
  for (int y = 0; y < GST_VIDEO_INFO_HEIGHT(&info); y += 7)
    for (int x = 0; x < GST_VIDEO_INFO_WIDTH(&info); x += 7) {
      const int v = data[size_t(y) * stride + size_t(x) * bpp + 1];  // green
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  gst_video_frame_unmap(&frame);
  return hi - lo > 32;
}

class RealRenderer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_gstreamer(); }

  void SetUp() override { name_ = unique_name("real"); }

  void start_renderer(const char* size, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{renderer_path(), "--shm", name_, "--size", size, "--demo"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    renderer_ = std::make_unique<Child>(argv);
    ASSERT_TRUE(renderer_->started());
  }

  static void play(Pipeline& p) {
    ASSERT_TRUE(p.ok()) << p.error();
    ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }

  // Pulls until a sample of `want` arrives; every sample before it must be of `before` (the size
  // downstream took until then). Returns it, or null on timeout / a sample of another size.
  static SamplePtr pull_until(Pipeline& p, Size want, Size before, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      SamplePtr s = p.pull(1s);
      if (!s) continue;
      const Size got = sample_size(s.get());
      if (got == want) return s;
      EXPECT_EQ(got, before) << "a frame of a size nobody negotiated reached the sink";
      if (got != before) return nullptr;
    }
    return nullptr;
  }

  // Pulls until a frame echoes input `seq` or later (and, with `still`, is marked still); every
  // frame before it must be of `size` when one is given. Null on timeout or a wrong size.
  static SamplePtr pull_echo(Pipeline& p, guint64 seq, bool still, std::optional<Size> size) {
    const auto deadline = std::chrono::steady_clock::now() + kResize;
    while (std::chrono::steady_clock::now() < deadline) {
      SamplePtr s = p.pull(1s);
      if (!s) continue;
      GstBuffer* buf = gst_sample_get_buffer(s.get());
      if (size && sample_size(s.get()) != *size) {
        ADD_FAILURE() << "a " << sample_size(s.get()).first << "x" << sample_size(s.get()).second
                      << " frame reached the sink; downstream pinned " << size->first << "x" << size->second;
        return nullptr;
      }
      if (contract::frame_input_seq(buf) >= seq && (!still || contract::frame_is_still(buf))) return s;
    }
    return nullptr;
  }

  // Waits until the renderer has been idle for 1.5 s (it keeps a cadence for a while after
  // input), checking the size of what came meanwhile.
  static void settle(Pipeline& p, Size size) {
    while (SamplePtr more = p.pull(1500ms)) EXPECT_EQ(sample_size(more.get()), size);
  }

  // A left-button drag sent upstream from the sink, as a viewer's window does (ximagesink, or
  // vtkstreamsink for a browser), numbered from 1000 as a server numbers them. Press and moves;
  // release() ends it. Returns the last number used.
  struct Drag {
    explicit Drag(Pipeline& p) : sink(p.element("sink")), pad(gst_element_get_static_pad(sink.get(), "sink")) {}
    guint64 send(GstEvent* ev) {
      gst_structure_set(gst_event_writable_structure(ev), contract::kSeqField, G_TYPE_UINT64, ++seq, nullptr);
      EXPECT_TRUE(gst_pad_push_event(pad.get(), ev)) << "event " << seq;
      return seq;
    }
    guint64 press_and_move(int x, int y) {
      send(gst_navigation_event_new_mouse_button_press(1, x, y, GST_NAVIGATION_MODIFIER_NONE));
      for (int i = 1; i <= 10; ++i)
        send(gst_navigation_event_new_mouse_move(x + 8 * i, y, GST_NAVIGATION_MODIFIER_BUTTON1_MASK));
      return seq;
    }
    guint64 release(int x, int y) {
      return send(gst_navigation_event_new_mouse_button_release(1, x, y, GST_NAVIGATION_MODIFIER_BUTTON1_MASK));
    }
    ObjectPtr<GstElement> sink;
    ObjectPtr<GstPad> pad;
    guint64 seq = 999;
  };

  // Downstream pins `pinned`; the renderer starts at `renderer_size` and would halve each side
  // while interacting. The held drag and the still after it must both come at the pinned size,
  // and the frame showing the drag must be the renderer's answer to the last move itself (not
  // one drawn after vtksrc had to ask again, which means reduced frames were dropped meanwhile).
  void drag_keeps_the_pinned_size(Size pinned, const char* renderer_size) {
    Pipeline p("vtksrc shm-name=" + name_ + " repeat-interval=0 ! video/x-raw,width=" +
               std::to_string(pinned.first) + ",height=" + std::to_string(pinned.second) +
               " ! appsink name=sink sync=false");
    play(p);
    start_renderer(renderer_size, {"--interactive-scale", "0.5"});
    SamplePtr first = p.pull(kFirstFrame);
    ASSERT_TRUE(first) << "no frame";
    ASSERT_EQ(sample_size(first.get()), pinned);
    settle(p, pinned);

    Drag drag(p);
    const guint64 last_move = drag.press_and_move(pinned.first / 2, pinned.second / 2);
    SamplePtr held = pull_echo(p, last_move, false, pinned);
    ASSERT_TRUE(held) << "no frame showed the drag; errors: " << p.errors();
    EXPECT_EQ(contract::frame_input_seq(gst_sample_get_buffer(held.get())), last_move)
        << "the frames answering the drag were dropped (rendered at another size)";
    EXPECT_FALSE(contract::frame_is_still(gst_sample_get_buffer(held.get())));
    EXPECT_TRUE(has_content(held.get()));

    const guint64 release = drag.release(pinned.first / 2 + 80, pinned.second / 2);
    SamplePtr still = pull_echo(p, release, true, pinned);
    ASSERT_TRUE(still) << "no still after the drag; errors: " << p.errors();
    EXPECT_EQ(p.errors(), 0u);
  }

  ~RealRenderer() override {
    if (renderer_) {
      EXPECT_EQ(renderer_->stop(), 0);
    }
  }

  std::string name_;
  std::unique_ptr<Child> renderer_;
};

TEST_F(RealRenderer, DownstreamCapsChooseTheRenderSize) {
  Pipeline p("vtksrc shm-name=" + name_ +
             " repeat-interval=0 ! video/x-raw,width=800,height=600 ! appsink name=sink sync=false");
  play(p);
  start_renderer("640x360");
  SamplePtr s = p.pull(kFirstFrame);
  ASSERT_TRUE(s) << "no frame";
  EXPECT_EQ(sample_size(s.get()), Size(800, 600));
  EXPECT_TRUE(has_content(s.get()));
  EXPECT_EQ(p.errors(), 0u);

  // A viewer cannot overrule the caps: a resize to another size is refused.
  ObjectPtr<GstElement> sink = p.element("sink");
  ObjectPtr<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  EXPECT_FALSE(gst_pad_push_event(pad.get(), contract::resize_event(320, 240)));
}

TEST_F(RealRenderer, ReconfigureRendersAtTheNewSize) {
  Pipeline p("vtksrc shm-name=" + name_ +
             " repeat-interval=0 ! capsfilter name=cf caps=video/x-raw,width=800,height=600"
             " ! appsink name=sink sync=false");
  play(p);
  start_renderer("640x360");
  SamplePtr first = p.pull(kFirstFrame);
  ASSERT_TRUE(first);
  ASSERT_EQ(sample_size(first.get()), Size(800, 600));
  // Let the renderer go idle (no frame for 1.5 s; it keeps a steady cadence for a moment after
  // input): then no frame of its own makes vtksrc look at the caps again, only the RECONFIGURE.
  while (SamplePtr more = p.pull(1500ms)) EXPECT_EQ(sample_size(more.get()), Size(800, 600));

  // capsfilter sends RECONFIGURE upstream when its caps change.
  ObjectPtr<GstElement> cf = p.element("cf");
  GstCaps* caps = gst_caps_from_string("video/x-raw,width=320,height=240");
  g_object_set(cf.get(), "caps", caps, nullptr);
  gst_caps_unref(caps);
  SamplePtr s = pull_until(p, {320, 240}, {800, 600}, kResize);
  ASSERT_TRUE(s) << "the renderer never rendered at the new size";
  EXPECT_TRUE(has_content(s.get()));
  EXPECT_EQ(p.errors(), 0u);
}

TEST_F(RealRenderer, UnconstrainedTakesTheRendererSizeAndFollowsResizeRequests) {
  Pipeline p("vtksrc shm-name=" + name_ + " repeat-interval=0 ! appsink name=sink sync=false");
  play(p);
  start_renderer("640x360");
  SamplePtr first = p.pull(kFirstFrame);
  ASSERT_TRUE(first);
  EXPECT_EQ(sample_size(first.get()), Size(640, 360));

  // The sink's path (viewers' window sizes): a vtkstream-resize event upstream.
  ObjectPtr<GstElement> sink = p.element("sink");
  ObjectPtr<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  EXPECT_TRUE(gst_pad_push_event(pad.get(), contract::resize_event(480, 270)));
  SamplePtr s = pull_until(p, {480, 270}, {640, 360}, kResize);
  ASSERT_TRUE(s) << "caps did not follow the renderer";
  EXPECT_EQ(p.errors(), 0u);
}

// Pipelines one after another on one renderer, each choosing its size. The renderer keeps echoing
// the last input number it applied; a new vtksrc numbered from 1 again, so the third pipeline
// took the old frame (echoing the first pipeline's request 1) as its own request applied and
// refused, and failed with "does not render at the 640x480 downstream asked for".
TEST_F(RealRenderer, PipelinesInARowEachChooseTheirSize) {
  start_renderer("640x360");
  const Size sizes[] = {{800, 600}, {800, 600}, {640, 480}, {320, 240}};
  for (const Size& want : sizes) {
    SCOPED_TRACE(std::to_string(want.first) + "x" + std::to_string(want.second));
    Pipeline p("vtksrc shm-name=" + name_ + " repeat-interval=0 ! video/x-raw,width=" +
               std::to_string(want.first) + ",height=" + std::to_string(want.second) +
               " ! appsink name=sink sync=false");
    play(p);
    SamplePtr s = p.pull(kFirstFrame);
    ASSERT_TRUE(s) << "no frame; errors: " << p.errors();
    EXPECT_EQ(sample_size(s.get()), want);
    EXPECT_EQ(p.errors(), 0u);
  }
}

// Caps that rejected the renderer's size: vtksrc asked for 800x600 and the renderer keeps it
// while the user drags (before the exact bit, the first reduced frame was taken as a refusal and
// the pipeline failed with a negotiation error).
TEST_F(RealRenderer, DragKeepsASizeDownstreamAskedFor) { drag_keeps_the_pinned_size({800, 600}, "640x360"); }

// Caps that fix the size the renderer draws anyway: nothing to resize, but the renderer is still
// told the size is pinned, so the drag's frames are not reduced and dropped.
TEST_F(RealRenderer, DragKeepsASizeDownstreamFixedThatTheRendererDrawsAlready) {
  drag_keeps_the_pinned_size({640, 360}, "640x360");
}

// Unconstrained downstream: the same drag is rendered at the interactive size (half of each side
// here), then the full-size still.
TEST_F(RealRenderer, UnpinnedDragIsReducedThenTheStillIsFullSize) {
  Pipeline p("vtksrc shm-name=" + name_ + " repeat-interval=0 ! appsink name=sink sync=false");
  play(p);
  start_renderer("640x360", {"--interactive-scale", "0.5"});
  SamplePtr first = p.pull(kFirstFrame);
  ASSERT_TRUE(first);
  ASSERT_EQ(sample_size(first.get()), Size(640, 360));
  settle(p, {640, 360});

  Drag drag(p);
  const guint64 last_move = drag.press_and_move(320, 180);
  SamplePtr held = pull_echo(p, last_move, false, std::nullopt);
  ASSERT_TRUE(held) << "no frame showed the drag";
  EXPECT_EQ(sample_size(held.get()), Size(320, 180)) << "the drag was not rendered at the interactive size";
  const guint64 release = drag.release(400, 180);
  SamplePtr still = pull_echo(p, release, true, std::nullopt);
  ASSERT_TRUE(still) << "no still after the drag";
  EXPECT_EQ(sample_size(still.get()), Size(640, 360));
  EXPECT_EQ(p.errors(), 0u);
}

TEST_F(RealRenderer, UridecodebinPlaysAVtkstreamUri) {
  Pipeline p("uridecodebin uri=vtkstream://" + name_ + " ! appsink name=sink sync=false");
  play(p);
  start_renderer("320x240");
  SamplePtr s = p.pull(kFirstFrame);
  ASSERT_TRUE(s) << "no frame through uridecodebin";
  EXPECT_EQ(sample_size(s.get()), Size(320, 240));
  EXPECT_TRUE(has_content(s.get()));
  // It is vtksrc's frame: the renderer's meta came through.
  EXPECT_TRUE(gst_buffer_get_custom_meta(gst_sample_get_buffer(s.get()), contract::kFrameMetaName));
  EXPECT_EQ(p.errors(), 0u);
}

// What gst-play-1.0 vtkstream://NAME does, with fakesink for audio and an appsink for video.
TEST_F(RealRenderer, PlaybinPlaysAVtkstreamUri) {
  Pipeline p("playbin uri=vtkstream://" + name_ +
             " video-sink=\"appsink name=vsink sync=false\" audio-sink=fakesink");
  play(p);
  start_renderer("320x240");
  GstElement* vsink = nullptr;
  g_object_get(p.get(), "video-sink", &vsink, nullptr);
  ASSERT_TRUE(vsink);
  ObjectPtr<GstElement> sink(vsink);
  SamplePtr s(gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), GST_SECOND * 30));
  ASSERT_TRUE(s) << "no frame through playbin";
  EXPECT_EQ(sample_size(s.get()), Size(320, 240));
  EXPECT_TRUE(has_content(s.get()));
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
