// The server's interactive size cap against the real renderer: `vtksrc ! appsink` in front of
// vtkstream-render (--interactive-scale 1: the renderer would not reduce by itself), a
// `vtkstream-interactive-cap` event sent upstream as vtkstreamsink sends it for a controller on a
// lower rung, and drags. Without a cap the drag's frames are full size; with one they arrive at
// the cap's size (the aspect kept), and the still after the release is full size again; a 0x0
// cap lifts it.
//
// The whole chain too: vtkstreamsink beside the appsink, a WebSocket controller that pins the
// 360-line rung, and the renderer then drags at 360 lines.
//
// Exit 77 (skipped) only when the renderer binary is not built (main() in test_render_vtksrc.cpp).
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "../vtksrc/gst_helpers.h"
#include "child.h"
#include "vtkstream/vtksrc-contract.h"
#include "ws_client.h"

using namespace std::chrono_literals;
using namespace vtktest;
using vtkstream::test::Child;
namespace contract = vtkstream::contract;

namespace {

std::string renderer_path() {
  const char* dir = std::getenv("VTKSTREAM_BUILD_DIR");
  return std::string(dir ? dir : "") + "/apps/render/vtkstream-render";
}

using Size = std::pair<int, int>;

struct DragFrames {
  std::set<Size> interactive;  // sizes of the frames that showed the drag before the still
  Size still{0, 0};            // the still that echoed the release
};

class InteractiveCap : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_gstreamer(); }

  void send(GstEvent* ev) {
    gst_structure_set(gst_event_writable_structure(ev), contract::kSeqField, G_TYPE_UINT64, ++seq_, nullptr);
    EXPECT_TRUE(gst_pad_push_event(pad_.get(), ev)) << "event " << seq_;
  }

  // A left-button drag across the middle; every frame after it until the still that echoes the
  // release. appsink keeps every frame (max-buffers=0): the drag's frames are what is checked.
  DragFrames drag(Pipeline& p) {
    const auto none = GST_NAVIGATION_MODIFIER_NONE;
    const auto held = GST_NAVIGATION_MODIFIER_BUTTON1_MASK;
    // Coordinates are in pixels of the caps negotiated now (the full size between drags).
    send(gst_navigation_event_new_mouse_move(320, 180, none));
    send(gst_navigation_event_new_mouse_button_press(1, 320, 180, none));
    const guint64 press = seq_;
    for (int i = 1; i <= 15; ++i) send(gst_navigation_event_new_mouse_move(320 + 10 * i, 180, held));
    send(gst_navigation_event_new_mouse_button_release(1, 470, 180, held));
    const guint64 release = seq_;
    DragFrames out;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      SamplePtr s = p.pull(5s);
      if (!s) break;
      GstBuffer* buf = gst_sample_get_buffer(s.get());
      const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(s.get()), 0);
      Size size;
      gst_structure_get_int(st, "width", &size.first);
      gst_structure_get_int(st, "height", &size.second);
      const uint64_t seq = contract::frame_input_seq(buf);
      const bool still = contract::frame_is_still(buf);
      if (still && seq >= release) {
        out.still = size;
        break;
      }
      if (!still && seq >= press) out.interactive.insert(size);
    }
    return out;
  }

  guint64 seq_ = 0;
  ObjectPtr<GstPad> pad_;
};

TEST_F(InteractiveCap, InteractiveFramesArriveAtTheCapsSize) {
  const std::string name = unique_name("cap");
  Pipeline p("vtksrc shm-name=" + name + " repeat-interval=0 ! appsink name=sink sync=false max-buffers=0");
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  Child renderer({renderer_path(), "--shm", name, "--size", "640x360", "--demo", "--interactive-scale", "1"});
  ASSERT_TRUE(renderer.started());
  ASSERT_TRUE(p.pull(30s)) << "no frame from the renderer";
  // The start-up frames settle: the scene is still once no frame comes for 1.5 s.
  while (SamplePtr next = p.pull(1500ms)) {
  }
  ObjectPtr<GstElement> sink = p.element("sink");
  pad_.reset(gst_element_get_static_pad(sink.get(), "sink"));

  // No cap: the renderer keeps the full size while dragging (reduction is off).
  const DragFrames plain = drag(p);
  EXPECT_EQ(plain.interactive, (std::set<Size>{{640, 360}})) << "without a cap the drag was not full size";
  EXPECT_EQ(plain.still, (Size{640, 360}));

  // A controller on a 180-line rung: the drag renders at 320x180, the still at the full size.
  EXPECT_TRUE(gst_pad_push_event(pad_.get(), contract::interactive_cap_event(contract::kMaxResize, 180)));
  const DragFrames capped = drag(p);
  EXPECT_EQ(capped.interactive, (std::set<Size>{{320, 180}})) << "the drag did not render at the cap's size";
  EXPECT_EQ(capped.still, (Size{640, 360})) << "the still after a capped drag is not full size";

  // The controller back on the top rung: no cap, full-size drags again.
  EXPECT_TRUE(gst_pad_push_event(pad_.get(), contract::interactive_cap_event(0, 0)));
  const DragFrames lifted = drag(p);
  EXPECT_EQ(lifted.interactive, (std::set<Size>{{640, 360}})) << "a 0x0 cap did not lift the cap";
  EXPECT_EQ(lifted.still, (Size{640, 360}));

  EXPECT_TRUE(renderer.running());
  EXPECT_EQ(renderer.stop(), 0);
  EXPECT_EQ(p.errors(), 0u);
}

// The chain: the sink decides the cap from its controller's rung, vtksrc carries it, the renderer
// obeys. A 1280x720 renderer; the drags come from navigation events on the appsink branch (a tee
// sends upstream events on to vtksrc), so only the cap comes from the sink.
TEST_F(InteractiveCap, TheControllersPinnedRungCapsTheDrag) {
  const std::string name = unique_name("cap-chain");
  Pipeline p("vtksrc shm-name=" + name + " repeat-interval=0 ! tee name=t ! queue ! vtkstreamsink name=web "
             "port=0 auth=false address=127.0.0.1 t. ! queue ! appsink name=sink sync=false max-buffers=0");
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  Child renderer({renderer_path(), "--shm", name, "--size", "1280x720", "--demo", "--interactive-scale", "1"});
  ASSERT_TRUE(renderer.started());
  ASSERT_TRUE(p.pull(30s)) << "no frame from the renderer";
  while (SamplePtr next = p.pull(1500ms)) {
  }
  ObjectPtr<GstElement> sink = p.element("sink");
  pad_.reset(gst_element_get_static_pad(sink.get(), "sink"));

  // A controller on the top rung: no cap, the drag is full size.
  ObjectPtr<GstElement> web = p.element("web");
  gchar* url = nullptr;
  g_object_get(web.get(), "url", &url, nullptr);
  ASSERT_TRUE(url && g_str_has_prefix(url, "http://"));
  const std::string ws_url = "ws://" + std::string(url + 7) + "ws";
  g_free(url);
  vtkstream::test::WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url)) << ws.connect_error();
  ws.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
  ASSERT_FALSE(ws.wait_for("welcome").empty());
  ASSERT_NE(ws.wait_for("control").find("\"you\":true"), std::string::npos) << "a lone owner steers";
  const DragFrames top = drag(p);
  EXPECT_EQ(top.interactive, (std::set<Size>{{1280, 720}})) << "the top rung capped the drag";

  // It pins the 360-line rung: the planner run that says so (`rung`, pinned) sent the cap.
  ws.send(R"({"type":"quality","rung":1})");
  bool pinned = false;
  for (std::string m; !pinned && !(m = ws.wait_for("rung")).empty();)
    pinned = m.find("\"pinned\":true") != std::string::npos;
  ASSERT_TRUE(pinned) << "no rung message for the pin";
  // The sink sends `rung` and then, in the same step on its thread, the cap upstream. A page's
  // drag would queue behind that step; ours bypasses the sink (the appsink branch), so a pong,
  // answered after that step, says the cap is in the ring before the drag.
  ws.send(R"({"type":"ping","t":1})");
  ASSERT_FALSE(ws.wait_for("pong").empty());
  const DragFrames capped = drag(p);
  EXPECT_EQ(capped.interactive, (std::set<Size>{{640, 360}})) << "the controller's rung did not cap the drag";
  EXPECT_EQ(capped.still, (Size{1280, 720})) << "the still is not full size";

  EXPECT_EQ(renderer.stop(), 0);
  EXPECT_EQ(p.errors(), 0u);
}

}  // namespace
