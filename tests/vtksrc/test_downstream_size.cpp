// Downstream caps choose the render size, and view-only sends the renderer nothing: vtksrc in real
// pipelines against an in-process FrameWriter, which lets the test read the input ring and
// publish exactly the frames a slow or refusing renderer would. (The same behaviour against the
// real renderer process: test_real_renderer.cpp.)
#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fake_renderer.h"
#include "gst_helpers.h"
#include "vtkstream/vtksrc-contract.h"

using namespace std::chrono_literals;
using namespace vtktest;
namespace contract = vtkstream::contract;

namespace {

constexpr auto kTimeout = 5s;

class DownstreamSize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_gstreamer(); }

  static std::string launch(const std::string& name, const std::string& props, const std::string& caps) {
    return "vtksrc name=src shm-name=" + name + " repeat-interval=0 " + props + " ! " + caps +
           " ! appsink name=sink sync=false";
  }
  static void play(Pipeline& p) {
    ASSERT_TRUE(p.ok()) << p.error();
    ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
};

std::pair<int, int> sample_size(GstSample* s) {
  const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
  int w = 0, h = 0;
  gst_structure_get_int(st, "width", &w);
  gst_structure_get_int(st, "height", &h);
  return {w, h};
}

// The resize records vtksrc wrote into the ring, waiting (futex, with a timeout) for the first.
std::vector<shm::InputEvent> wait_input(FakeRenderer& r) {
  std::vector<shm::InputEvent> got;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (got.empty() && std::chrono::steady_clock::now() < deadline) {
    r.writer().wait_input(500);
    r.writer().drain_input(&got);
  }
  return got;
}

GstPad* sink_pad(Pipeline& p) {
  ObjectPtr<GstElement> sink = p.element("sink");
  return gst_element_get_static_pad(sink.get(), "sink");
}

bool is_error(GstMessage* m) { return GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR; }

std::string error_text(GstMessage* m) {
  GError* err = nullptr;
  gchar* dbg = nullptr;
  gst_message_parse_error(m, &err, &dbg);
  std::string text = std::string(err ? err->message : "") + " | " + (dbg ? dbg : "");
  if (err) g_error_free(err);
  g_free(dbg);
  return text;
}

// ------------------------------------------------------------------------------------------

// Frames of the old size never reach a downstream that fixed another one: vtksrc asks the
// renderer (a resize record in the input ring), drops what comes meanwhile, and the first buffer
// out is the renderer's first frame at the new size.
TEST_F(DownstreamSize, AsksTheRendererAndDropsFramesUntilItResized) {
  const std::string name = unique_name("dsize");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "", "video/x-raw,width=80,height=60"));
  play(p);
  r.publish(64, 48, /*input_seq=*/0, /*tag=*/1);

  const std::vector<shm::InputEvent> asked = wait_input(r);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].kind, uint16_t(shm::InputKind::kResize));
  EXPECT_EQ(asked[0].width, 80u);
  EXPECT_EQ(asked[0].height, 60u);
  EXPECT_TRUE(asked[0].button & shm::kResizeExact) << "downstream pinned the size: no interactive reduction";
  ASSERT_GT(asked[0].seq, 0u);

  // A frame rendered before the renderer read the request: dropped, no error.
  r.publish(64, 48, /*input_seq=*/0, /*tag=*/2);
  // The resized frame, echoing the request.
  r.publish(80, 60, asked[0].seq, /*tag=*/3);
  SamplePtr s = p.pull(kTimeout);
  ASSERT_TRUE(s);
  EXPECT_EQ(sample_size(s.get()), std::make_pair(80, 60));
  EXPECT_EQ(contract::frame_input_seq(gst_sample_get_buffer(s.get())), asked[0].seq);
  EXPECT_EQ(p.errors(), 0u);

  // A viewer's resize to a size downstream excludes is refused, not sent to the renderer.
  GstPad* pad = sink_pad(p);
  EXPECT_FALSE(gst_pad_push_event(pad, contract::resize_event(64, 48)));
  // One it accepts goes through (the same caps, as a plain check that resizes still pass).
  EXPECT_TRUE(gst_pad_push_event(pad, contract::resize_event(80, 60)));
  gst_object_unref(pad);
  const std::vector<shm::InputEvent> after = wait_input(r);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].width, 80u);
  // The only size downstream takes: the viewer's request must not lift the pin.
  EXPECT_TRUE(after[0].button & shm::kResizeExact);
}

// Caps that fix the size the renderer draws already: nothing to resize, but the renderer is told
// the size is pinned, or it would render the next drag smaller and every frame of it be dropped.
TEST_F(DownstreamSize, APinnedSizeTheRendererDrawsIsStillAskedForExactly) {
  const std::string name = unique_name("dsize-same");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "", "video/x-raw,width=64,height=48"));
  play(p);
  r.publish(64, 48);
  SamplePtr s = p.pull(kTimeout);
  ASSERT_TRUE(s);
  EXPECT_EQ(sample_size(s.get()), std::make_pair(64, 48));
  const std::vector<shm::InputEvent> asked = wait_input(r);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].kind, uint16_t(shm::InputKind::kResize));
  EXPECT_EQ(asked[0].width, 64u);
  EXPECT_EQ(asked[0].height, 48u);
  EXPECT_TRUE(asked[0].button & shm::kResizeExact);
  // Asked once per renderer session, not per frame.
  r.publish(64, 48, asked[0].seq);
  ASSERT_TRUE(p.pull(kTimeout));
  std::vector<shm::InputEvent> more;
  r.writer().drain_input(&more);
  EXPECT_TRUE(more.empty());
  EXPECT_EQ(p.errors(), 0u);
}

// A downstream that takes any size pins nothing: a viewer's window size goes without the exact
// bit (the renderer may reduce it while someone interacts), and nothing is asked unprompted.
TEST_F(DownstreamSize, AViewersResizeIsNotExactWhenDownstreamTakesAnySize) {
  const std::string name = unique_name("dsize-free");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "", "video/x-raw"));
  play(p);
  r.publish(64, 48);
  ASSERT_TRUE(p.pull(kTimeout));
  std::vector<shm::InputEvent> none;
  r.writer().drain_input(&none);
  EXPECT_TRUE(none.empty());
  GstPad* pad = sink_pad(p);
  EXPECT_TRUE(gst_pad_push_event(pad, contract::resize_event(80, 60)));
  gst_object_unref(pad);
  const std::vector<shm::InputEvent> got = wait_input(r);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].width, 80u);
  EXPECT_FALSE(got[0].button & shm::kResizeExact);
}

// New caps that fit the frame already in the ring send it at once: a RECONFIGURE wakes vtksrc,
// and an idle renderer would never send that picture again.
TEST_F(DownstreamSize, ReconfigureToTheRenderersSizeSendsItsPictureAtOnce) {
  const std::string name = unique_name("dsize-reconf");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p("vtksrc name=src shm-name=" + name +
             " repeat-interval=0 ! capsfilter name=cf caps=video/x-raw,width=80,height=60"
             " ! appsink name=sink sync=false");
  play(p);
  r.publish(64, 48, /*input_seq=*/0, /*tag=*/5);
  ASSERT_EQ(wait_input(r).size(), 1u);  // asked for 80x60; the 64x48 frame was dropped

  ObjectPtr<GstElement> cf = p.element("cf");
  GstCaps* caps = gst_caps_from_string("video/x-raw,width=64,height=48");
  g_object_set(cf.get(), "caps", caps, nullptr);
  gst_caps_unref(caps);
  SamplePtr s = p.pull(kTimeout);
  ASSERT_TRUE(s) << "the frame in the ring was not sent after the reconfigure";
  EXPECT_EQ(sample_size(s.get()), std::make_pair(64, 48));
  EXPECT_EQ(p.errors(), 0u);
}

// A renderer that applied the request (its frame echoes the request's sequence number) and still
// draws the old size refused it: a negotiation error naming the size, not an endless wait.
TEST_F(DownstreamSize, ARefusedResizeIsANegotiationError) {
  const std::string name = unique_name("dsize-refused");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "", "video/x-raw,width=80,height=60"));
  play(p);
  r.publish(64, 48);
  const std::vector<shm::InputEvent> asked = wait_input(r);
  ASSERT_EQ(asked.size(), 1u);
  r.publish(64, 48, asked[0].seq);
  MessagePtr err = p.log().wait_for(is_error, kTimeout);
  ASSERT_TRUE(err);
  const std::string text = error_text(err.get());
  EXPECT_NE(text.find("80x60"), std::string::npos) << text;
  EXPECT_NE(text.find("64x48"), std::string::npos) << text;
}

// A size beyond the resize limit cannot be asked for: the error says so at once.
TEST_F(DownstreamSize, SizesBeyondTheLimitAreNotNegotiated) {
  const std::string name = unique_name("dsize-huge");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  const unsigned too_wide = vtkstream::shm::kMaxRequestedDimension + 2;
  Pipeline p(launch(name, "", "video/x-raw,width=" + std::to_string(too_wide) + ",height=64"));
  play(p);
  r.publish(64, 48);
  MessagePtr err = p.log().wait_for(is_error, kTimeout);
  ASSERT_TRUE(err);
  const std::string text = error_text(err.get());
  EXPECT_NE(text.find("4096"), std::string::npos) << text;
  // What downstream takes, not the (empty) intersection with our own caps.
  EXPECT_NE(text.find("width=(int)" + std::to_string(too_wide)), std::string::npos) << text;
  std::vector<shm::InputEvent> none;
  r.writer().drain_input(&none);
  EXPECT_TRUE(none.empty());
}

// Caps on a field vtksrc never sets pass the caps query but refuse the fixed caps: vtksrc itself
// says so (the first error, naming the field), not only the generic not-negotiated flow error.
TEST_F(DownstreamSize, AFieldVtksrcNeverSetsIsAClearError) {
  const std::string name = unique_name("dsize-field");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "", "video/x-raw,colorimetry=bt709"));
  play(p);
  r.publish(64, 48);
  MessagePtr err = p.log().wait_for(is_error, kTimeout);
  ASSERT_TRUE(err);
  EXPECT_STREQ(GST_OBJECT_NAME(GST_MESSAGE_SRC(err.get())), "src");
  const std::string text = error_text(err.get());
  EXPECT_NE(text.find("Downstream refused the caps"), std::string::npos) << text;
  EXPECT_NE(text.find("colorimetry=(string)bt709"), std::string::npos) << text;
}

// view-only: navigation and resize events are refused and never reach the ring; switching it off
// lets the next event through, and that event is the first record the renderer sees.
TEST_F(DownstreamSize, ViewOnlySendsTheRendererNothing) {
  const std::string name = unique_name("viewonly");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "view-only=true", "video/x-raw"));
  play(p);
  r.publish(64, 48);
  SamplePtr s = p.pull(kTimeout);
  ASSERT_TRUE(s);
  EXPECT_EQ(sample_size(s.get()), std::make_pair(64, 48));

  GstPad* pad = sink_pad(p);
  const auto none = GST_NAVIGATION_MODIFIER_NONE;
  EXPECT_FALSE(gst_pad_push_event(pad, gst_navigation_event_new_mouse_move(10, 10, none)));
  EXPECT_FALSE(gst_pad_push_event(pad, gst_navigation_event_new_mouse_button_press(1, 10, 10, none)));
  EXPECT_FALSE(gst_pad_push_event(pad, gst_navigation_event_new_key_press("r", none)));
  EXPECT_FALSE(gst_pad_push_event(pad, contract::resize_event(32, 32)));

  ObjectPtr<GstElement> src = p.element("src");
  g_object_set(src.get(), "view-only", FALSE, nullptr);
  EXPECT_TRUE(gst_pad_push_event(pad, gst_navigation_event_new_key_press("w", none)));
  gst_object_unref(pad);
  const std::vector<shm::InputEvent> got = wait_input(r);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, uint16_t(shm::InputKind::kKeyDown));
  EXPECT_STREQ(got[0].key, "w");
}

// view-only never asks for another size: caps that exclude the renderer's size fail to negotiate
// and nothing is written to the ring.
TEST_F(DownstreamSize, ViewOnlyDoesNotResizeTheRenderer) {
  const std::string name = unique_name("viewonly-caps");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name, "view-only=true", "video/x-raw,width=80,height=60"));
  play(p);
  r.publish(64, 48);
  MessagePtr err = p.log().wait_for(is_error, kTimeout);
  ASSERT_TRUE(err);
  EXPECT_NE(error_text(err.get()).find("view-only"), std::string::npos) << error_text(err.get());
  std::vector<shm::InputEvent> got;
  r.writer().drain_input(&got);
  EXPECT_TRUE(got.empty());
}

}  // namespace
