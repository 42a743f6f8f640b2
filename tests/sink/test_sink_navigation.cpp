// Viewers' input leaves vtkstreamsink upstream: `appsrc (live, RGBA 320x240) ! vtkstreamsink`, a
// WebSocket viewer on the MJPEG transport, and a probe on appsrc's src pad that records the
// upstream events. Also who may steer (a view-only peer's input stays in the sink) and the
// `vtkstreamsink-viewer` / `vtkstreamsink-control` bus messages.
#include <gst/app/gstappsrc.h>
#include <gst/video/navigation.h>

#include "sink_test_util.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sinktest {
namespace {

namespace contract = vtkstream::contract;

class SinkNavigation : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p_.ok());
    src_ = p_.by_name("src");
    Ref<GstPad> pad(gst_element_get_static_pad(src_, "src"));
    gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &SinkNavigation::on_upstream, this, nullptr);
    ASSERT_NE(p_.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    // A few pictures so the sink knows the size (pointer events are in its pixels).
    for (int i = 0; i < 3; ++i) {
      GstBuffer* b = gst_buffer_new_allocate(nullptr, 320 * 240 * 4, nullptr);
      GST_BUFFER_PTS(b) = GST_SECOND * i / 30;
      ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src_), b), GST_FLOW_OK);
    }
    ASSERT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  }
  void TearDown() override {
    // The probe's `this` must not outlive us: stop the pipeline first.
    p_.set_state(GST_STATE_NULL);
  }

  static GstPadProbeReturn on_upstream(GstPad*, GstPadProbeInfo* info, gpointer d) {
    auto* self = static_cast<SinkNavigation*>(d);
    {
      std::lock_guard lock(self->lock_);
      self->events_.emplace_back(gst_event_ref(GST_PAD_PROBE_INFO_EVENT(info)));
    }
    g_main_context_wakeup(nullptr);
    return GST_PAD_PROBE_OK;
  }

  // Waits for the first recorded upstream event matching `pred`; returns a ref or nullptr.
  EventPtr wait_event(const std::function<bool(GstEvent*)>& pred, int timeout_ms = 5000) {
    EventPtr found;
    run_until(
        [&] {
          if (found) return true;
          std::lock_guard lock(lock_);
          for (auto& e : events_)
            if (e && pred(e.get())) {
              found = std::move(e);
              return true;
            }
          return false;
        },
        timeout_ms);
    return found;
  }
  size_t count_events(const std::function<bool(GstEvent*)>& pred) {
    std::lock_guard lock(lock_);
    size_t n = 0;
    for (auto& e : events_)
      if (e && pred(e.get())) ++n;
    return n;
  }

  static bool is_nav(GstEvent* e, GstNavigationEventType t) {
    return GST_EVENT_TYPE(e) == GST_EVENT_NAVIGATION && gst_navigation_event_get_type(e) == t;
  }

  Pipeline p_{"appsrc name=src is-live=true format=time "
              "caps=video/x-raw,format=RGBA,width=320,height=240,framerate=30/1 ! vtkstreamsink name=sink"};
  GstElement* src_ = nullptr;
  std::mutex lock_;
  std::vector<EventPtr> events_;
};

TEST_F(SinkNavigation, PointerKeyAndResizeGoUpstream) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p_.sink())));
  Json welcome(hello(ws, "mjpeg"));
  ASSERT_EQ(welcome.str("codec"), "MJPEG");
  EXPECT_EQ(welcome.integer("width"), 320);
  EXPECT_EQ(welcome.integer("height"), 240);

  ws.send(R"({"type":"input","t":"pm","x":0.5,"y":0.25,"s":7})");
  EventPtr move = wait_event([](GstEvent* e) { return is_nav(e, GST_NAVIGATION_EVENT_MOUSE_MOVE); });
  ASSERT_TRUE(move) << "no mouse-move upstream";
  gdouble x = -1, y = -1;
  ASSERT_TRUE(gst_navigation_event_parse_mouse_move_event(move.get(), &x, &y));
  EXPECT_DOUBLE_EQ(x, 160.0);
  EXPECT_DOUBLE_EQ(y, 60.0);
  guint64 seq = 0;
  EXPECT_TRUE(gst_structure_get_uint64(gst_event_get_structure(move.get()), contract::kSeqField, &seq));
  EXPECT_GT(seq, 0u);
  guint peer = 0;
  EXPECT_TRUE(gst_structure_get_uint(gst_event_get_structure(move.get()), contract::kPeerField, &peer));
  EXPECT_EQ(peer, static_cast<guint>(welcome.integer("peer_id")));

  ws.send(R"({"type":"input","t":"kd","k":"R","m":1,"s":8})");
  EventPtr key = wait_event([](GstEvent* e) { return is_nav(e, GST_NAVIGATION_EVENT_KEY_PRESS); });
  ASSERT_TRUE(key) << "no key press upstream";
  const gchar* name = nullptr;
  ASSERT_TRUE(gst_navigation_event_parse_key_event(key.get(), &name));
  EXPECT_STREQ(name, "R");
  GstNavigationModifierType mods = GST_NAVIGATION_MODIFIER_NONE;
  ASSERT_TRUE(gst_navigation_event_parse_modifier_state(key.get(), &mods));
  EXPECT_TRUE(mods & GST_NAVIGATION_MODIFIER_SHIFT_MASK);
  EXPECT_FALSE(mods & GST_NAVIGATION_MODIFIER_CONTROL_MASK);

  ws.send(R"({"type":"input","t":"rs","w":640,"h":360})");
  EventPtr rs = wait_event([](GstEvent* e) {
    return GST_EVENT_TYPE(e) == GST_EVENT_CUSTOM_UPSTREAM && gst_event_has_name(e, contract::kResizeEvent);
  });
  ASSERT_TRUE(rs) << "no resize event upstream";
  guint w = 0, h = 0;
  EXPECT_TRUE(gst_structure_get_uint(gst_event_get_structure(rs.get()), "width", &w));
  EXPECT_TRUE(gst_structure_get_uint(gst_event_get_structure(rs.get()), "height", &h));
  EXPECT_EQ(w, 640u);
  EXPECT_EQ(h, 360u);
}

TEST_F(SinkNavigation, ViewOnlyPeersInputStaysInTheSink) {
  WsClient owner, viewer;
  ASSERT_TRUE(owner.connect(ws_url(p_.sink())));
  ASSERT_FALSE(hello(owner, "mjpeg").empty());
  ASSERT_TRUE(viewer.connect(ws_url(p_.sink(), /*view_only=*/true)));
  ASSERT_FALSE(hello(viewer, "mjpeg").empty());
  // A move (dropped silently), then a press: its `forbidden` says both were handled.
  viewer.send(R"({"type":"input","t":"pm","x":0.9,"y":0.9,"s":1})");
  viewer.send(R"({"type":"input","t":"pd","x":0.9,"y":0.9,"b":1,"s":2})");
  viewer.send(R"({"type":"input","t":"rs","w":800,"h":600})");
  Json err(viewer.wait_for("error"));
  EXPECT_EQ(err.str("code"), "forbidden");
  // The owner's input after it does arrive: the sink was not simply deaf.
  owner.send(R"({"type":"input","t":"pm","x":0.1,"y":0.1,"s":1})");
  ASSERT_TRUE(wait_event([](GstEvent* e) { return is_nav(e, GST_NAVIGATION_EVENT_MOUSE_MOVE); }));
  EXPECT_EQ(count_events([](GstEvent* e) { return is_nav(e, GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS); }), 0u);
  EXPECT_EQ(count_events([](GstEvent* e) {
              gdouble x = 0, y = 0;
              return is_nav(e, GST_NAVIGATION_EVENT_MOUSE_MOVE) &&
                     gst_navigation_event_parse_mouse_move_event(e, &x, &y) && x > 200;
            }),
            0u);
  EXPECT_EQ(count_events([](GstEvent* e) { return gst_event_has_name(e, contract::kResizeEvent); }), 0u);
}

TEST_F(SinkNavigation, ViewerAndControlMessagesOnTheBus) {
  guint owner_id = 0, viewer_id = 0;
  {
    WsClient owner;
    ASSERT_TRUE(owner.connect(ws_url(p_.sink())));
    MessagePtr joined = p_.log().wait_for(element_message("vtkstreamsink-viewer", "action", "joined"));
    ASSERT_TRUE(joined);
    const GstStructure* s = gst_message_get_structure(joined.get());
    EXPECT_STREQ(gst_structure_get_string(s, "role"), "owner");
    guint peers = 0;
    gst_structure_get_uint(s, "peers", &peers);
    EXPECT_EQ(peers, 1u);
    gst_structure_get_uint(s, "peer", &owner_id);
    EXPECT_GT(owner_id, 0u);
    // A lone owner steers.
    MessagePtr control = p_.log().wait_for(element_message("vtkstreamsink-control"));
    ASSERT_TRUE(control);
    guint controller = 0;
    gst_structure_get_uint(gst_message_get_structure(control.get()), "controller", &controller);
    EXPECT_EQ(controller, owner_id);
    guint now = 0;
    g_object_get(p_.sink(), "peers", &now, nullptr);
    EXPECT_EQ(now, 1u);

    WsClient viewer;
    ASSERT_TRUE(viewer.connect(ws_url(p_.sink(), true)));
    joined = p_.log().wait_for(element_message("vtkstreamsink-viewer", "role", "viewer"));
    ASSERT_TRUE(joined);
    gst_structure_get_uint(gst_message_get_structure(joined.get()), "peer", &viewer_id);
    EXPECT_NE(viewer_id, owner_id);
    gst_structure_get_uint(gst_message_get_structure(joined.get()), "peers", &now);
    EXPECT_EQ(now, 2u);
    EXPECT_TRUE(viewer.close());
    EXPECT_TRUE(owner.close());
  }
  for (int i = 0; i < 2; ++i) {
    MessagePtr left = p_.log().wait_for(element_message("vtkstreamsink-viewer", "action", "left"));
    ASSERT_TRUE(left) << "left #" << i;
  }
  // The controller left: nobody steers.
  MessagePtr control = p_.log().wait_for([](GstMessage* m) {
    guint c = 1;
    return element_message("vtkstreamsink-control")(m) &&
           gst_structure_get_uint(gst_message_get_structure(m), "controller", &c) && c == 0;
  });
  EXPECT_TRUE(control);
  guint now = 9;
  g_object_get(p_.sink(), "peers", &now, nullptr);
  EXPECT_EQ(now, 0u);
}

}  // namespace
}  // namespace vtkstream::sinktest
