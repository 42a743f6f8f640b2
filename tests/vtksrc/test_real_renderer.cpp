// vtksrc against the real renderer process (vtkstream-render --demo, headless): downstream caps
// choose the render size, a reconfigure changes it, an unconstrained downstream gets the
// renderer's own size and follows a vtkstream-resize, and vtkstream://NAME plays through
// uridecodebin and playbin.
//
// Exit 77 (skipped) only when the renderer binary is not built. Every wait is on appsink or the
// bus with a timeout; the only processes stopped are the renderers this test started.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

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

  void start_renderer(const char* size) {
    renderer_ = std::make_unique<Child>(std::vector<std::string>{
        renderer_path(), "--shm", name_, "--size", size, "--demo"});
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
