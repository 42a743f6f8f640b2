// The controlling viewer's rung caps the render size while interacting (adapt/interactive_cap.h):
// `appsrc (live, RGBA 640x480) ! vtkstreamsink`, WebSocket viewers on the WebRTC transport (a
// session has rungs from its hello on; no answer is needed to pin one), and a probe on appsrc's
// src pad recording the `vtkstream-interactive-cap` events that leave the sink upstream.
#include <gst/app/gstappsrc.h>

#include "sink_test_util.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sinktest {
namespace {

namespace contract = vtkstream::contract;

struct Cap {
  guint width = 0, height = 0;
  bool operator==(const Cap&) const = default;
};

class SinkRenderCap : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p_.ok());
    src_ = p_.by_name("src");
    Ref<GstPad> pad(gst_element_get_static_pad(src_, "src"));
    gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &SinkRenderCap::on_upstream, this, nullptr);
    ASSERT_NE(p_.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    // Raw pictures: the ladder has its lower rungs (360 and 240 lines) once caps came.
    for (int i = 0; i < 3; ++i) {
      GstBuffer* b = gst_buffer_new_allocate(nullptr, 640 * 480 * 4, nullptr);
      gst_buffer_memset(b, 0, 0x40, 640 * 480 * 4);
      GST_BUFFER_PTS(b) = GST_SECOND * i / 30;
      ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src_), b), GST_FLOW_OK);
    }
    ASSERT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  }
  void TearDown() override { p_.set_state(GST_STATE_NULL); }

  static GstPadProbeReturn on_upstream(GstPad*, GstPadProbeInfo* info, gpointer d) {
    auto* self = static_cast<SinkRenderCap*>(d);
    GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
    const GstStructure* s = gst_event_get_structure(e);
    if (GST_EVENT_TYPE(e) != GST_EVENT_CUSTOM_UPSTREAM || !s ||
        !gst_structure_has_name(s, contract::kInteractiveCapEvent))
      return GST_PAD_PROBE_OK;
    Cap c;
    EXPECT_TRUE(gst_structure_get_uint(s, "width", &c.width));
    EXPECT_TRUE(gst_structure_get_uint(s, "height", &c.height));
    {
      std::lock_guard lock(self->lock_);
      self->caps_.push_back(c);
    }
    g_main_context_wakeup(nullptr);
    return GST_PAD_PROBE_OK;
  }

  std::vector<Cap> caps() {
    std::lock_guard lock(lock_);
    return caps_;
  }
  // Waits until the newest cap sent upstream is `want`.
  bool wait_cap(Cap want, int timeout_ms = 10000) {
    return run_until(
        [&] {
          std::lock_guard lock(lock_);
          return !caps_.empty() && caps_.back() == want;
        },
        timeout_ms);
  }
  static std::string quality(int rung) { return R"({"type":"quality","rung":)" + std::to_string(rung) + "}"; }
  // Waits for this viewer's `rung` message saying it is pinned (sent by the same planner run
  // that decides the cap, so that run has seen the pin).
  static bool pinned(WsClient& ws) {
    for (;;) {
      const std::string m = ws.wait_for("rung");
      if (m.empty()) return false;
      if (m.find("\"pinned\":true") != std::string::npos) return true;
    }
  }
  // No decision was sent twice in a row (the planner runs after every report and each second).
  void expect_no_repeats() {
    const std::vector<Cap> seen = caps();
    for (size_t i = 1; i < seen.size(); ++i)
      EXPECT_FALSE(seen[i] == seen[i - 1]) << "cap " << seen[i].width << "x" << seen[i].height << " sent twice";
  }

  Pipeline p_{"appsrc name=src is-live=true format=time "
              "caps=video/x-raw,format=RGBA,width=640,height=480,framerate=30/1 ! vtkstreamsink name=sink"};
  GstElement* src_ = nullptr;
  std::mutex lock_;
  std::vector<Cap> caps_;
};

constexpr Cap kNone{0, 0};
constexpr Cap k360{4096, 360};
constexpr Cap k240{4096, 240};

TEST_F(SinkRenderCap, ControllersRungMovesTheCap) {
  WsClient owner;
  ASSERT_TRUE(owner.connect(ws_url(p_.sink())));
  ASSERT_FALSE(hello(owner, "webrtc").empty());
  ASSERT_NE(owner.wait_for("control").find("\"you\":true"), std::string::npos) << "a lone owner steers";
  // On the top rung: no cap (said once, so a renderer left with an old cap drops it).
  ASSERT_TRUE(wait_cap(kNone)) << "no cap decision went upstream";

  owner.send(quality(1));
  EXPECT_TRUE(wait_cap(k360)) << "the controller on the 360-line rung did not cap the render";
  owner.send(quality(2));  // held by the pin pacer for up to 250 ms, then applied
  EXPECT_TRUE(wait_cap(k240)) << "the cap did not follow the controller down";

  // Nobody steers: no cap. The owner takes control back: its rung's cap again.
  owner.send(R"({"type":"control","action":"release"})");
  EXPECT_TRUE(wait_cap(kNone)) << "the cap outlived the controller's control";
  owner.send(R"({"type":"control","action":"take"})");
  EXPECT_TRUE(wait_cap(k240));
  owner.send(quality(0));
  EXPECT_TRUE(wait_cap(kNone)) << "the top rung still capped the render";

  expect_no_repeats();
}

TEST_F(SinkRenderCap, AViewerOnALowRungDoesNotCapTheController) {
  WsClient owner, viewer;
  ASSERT_TRUE(owner.connect(ws_url(p_.sink())));
  ASSERT_FALSE(hello(owner, "webrtc").empty());
  ASSERT_TRUE(wait_cap(kNone));
  ASSERT_TRUE(viewer.connect(ws_url(p_.sink(), /*view_only=*/true)));
  ASSERT_FALSE(hello(viewer, "webrtc").empty());
  viewer.send(quality(2));
  // The planner has run with the viewer on the 240-line rung once it says so.
  ASSERT_TRUE(pinned(viewer));
  owner.send(quality(1));
  ASSERT_TRUE(wait_cap(k360));
  for (const Cap& c : caps()) EXPECT_FALSE(c == k240) << "a view-only viewer's rung capped the render";
  expect_no_repeats();
}

}  // namespace
}  // namespace vtkstream::sinktest
