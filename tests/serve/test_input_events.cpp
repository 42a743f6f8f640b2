// Input records -> the upstream events vtksrc understands: pixel coordinates from normalised
// ones, the wheel sign flipped to GStreamer's convention, modifiers, and the vtkstream fields.
#include <gst/gst.h>
#include <gst/video/navigation.h>
#include <gtest/gtest.h>

#include "input_events.h"

using namespace vtkstream::sink;

namespace {

struct EventPtr {
  GstEvent* e;
  explicit EventPtr(GstEvent* ev) : e(ev) {}
  ~EventPtr() {
    if (e) gst_event_unref(e);
  }
};

InputRecord record(InputRecord::Kind k) {
  InputRecord r;
  r.kind = k;
  r.x = 0.25;
  r.y = 0.5;
  return r;
}

void expect_fields(GstEvent* e, guint64 seq, guint peer) {
  const GstStructure* s = gst_event_get_structure(e);
  guint64 got_seq = 0;
  guint got_peer = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, "vtkstream-seq", &got_seq));
  EXPECT_TRUE(gst_structure_get_uint(s, "vtkstream-peer", &got_peer));
  EXPECT_EQ(got_seq, seq);
  EXPECT_EQ(got_peer, peer);
}

}  // namespace

TEST(InputEvents, PointerInPixelsOfTheCaps) {
  InputRecord r = record(InputRecord::Kind::kPointerDown);
  r.button = 3;
  r.modifiers = 1 | 2 | 4 | 8;
  EventPtr ev(make_input_event(r, 42, 7, 640, 360));
  ASSERT_NE(ev.e, nullptr);
  EXPECT_EQ(gst_navigation_event_get_type(ev.e), GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS);
  gint button = 0;
  gdouble x = 0, y = 0;
  ASSERT_TRUE(gst_navigation_event_parse_mouse_button_event(ev.e, &button, &x, &y));
  EXPECT_EQ(button, 3);
  EXPECT_DOUBLE_EQ(x, 160);
  EXPECT_DOUBLE_EQ(y, 180);
  GstNavigationModifierType m{};
  ASSERT_TRUE(gst_navigation_event_parse_modifier_state(ev.e, &m));
  EXPECT_TRUE(m & GST_NAVIGATION_MODIFIER_SHIFT_MASK);
  EXPECT_TRUE(m & GST_NAVIGATION_MODIFIER_CONTROL_MASK);
  EXPECT_TRUE(m & GST_NAVIGATION_MODIFIER_MOD1_MASK);
  EXPECT_TRUE(m & GST_NAVIGATION_MODIFIER_META_MASK);
  expect_fields(ev.e, 42, 7);

  EventPtr up(make_input_event(record(InputRecord::Kind::kPointerUp), 1, 1, 640, 360));
  EXPECT_EQ(gst_navigation_event_get_type(up.e), GST_NAVIGATION_EVENT_MOUSE_BUTTON_RELEASE);
  EventPtr move(make_input_event(record(InputRecord::Kind::kPointerMove), 1, 1, 640, 360));
  EXPECT_EQ(gst_navigation_event_get_type(move.e), GST_NAVIGATION_EVENT_MOUSE_MOVE);
}

TEST(InputEvents, NoSizeNoPointerEventButKeysStillGo) {
  EXPECT_EQ(make_input_event(record(InputRecord::Kind::kPointerMove), 1, 1, 0, 0), nullptr);
  InputRecord k = record(InputRecord::Kind::kKeyDown);
  k.key = "Left";
  EventPtr ev(make_input_event(k, 3, 2, 0, 0));
  ASSERT_NE(ev.e, nullptr);
  const gchar* key = nullptr;
  ASSERT_TRUE(gst_navigation_event_parse_key_event(ev.e, &key));
  EXPECT_STREQ(key, "Left");
  EXPECT_EQ(gst_navigation_event_get_type(ev.e), GST_NAVIGATION_EVENT_KEY_PRESS);
  k.kind = InputRecord::Kind::kKeyUp;
  EventPtr up(make_input_event(k, 4, 2, 0, 0));
  EXPECT_EQ(gst_navigation_event_get_type(up.e), GST_NAVIGATION_EVENT_KEY_RELEASE);
}

TEST(InputEvents, WheelSignIsGStreamers) {
  InputRecord r = record(InputRecord::Kind::kWheel);
  r.dx = 10;
  r.dy = 120;  // browser: scroll down
  EventPtr ev(make_input_event(r, 1, 1, 100, 100));
  gdouble x, y, dx, dy;
  ASSERT_TRUE(gst_navigation_event_parse_mouse_scroll_event(ev.e, &x, &y, &dx, &dy));
  EXPECT_DOUBLE_EQ(dx, -10);
  EXPECT_DOUBLE_EQ(dy, -120);  // GstNavigation: positive = up; vtksrc flips it back
}

TEST(InputEvents, Touch) {
  for (auto k : {InputRecord::Kind::kTouchDown, InputRecord::Kind::kTouchMove, InputRecord::Kind::kTouchUp}) {
    InputRecord r = record(k);
    r.touch_id = 5;
    EventPtr ev(make_input_event(r, 9, 1, 200, 100));
    ASSERT_NE(ev.e, nullptr);
    guint id = 0;
    gdouble x = 0, y = 0, p = 0;
    if (k == InputRecord::Kind::kTouchUp)
      ASSERT_TRUE(gst_navigation_event_parse_touch_up_event(ev.e, &id, &x, &y));
    else
      ASSERT_TRUE(gst_navigation_event_parse_touch_event(ev.e, &id, &x, &y, &p));
    EXPECT_EQ(id, 5u);
    EXPECT_DOUBLE_EQ(x, 50);
    EXPECT_DOUBLE_EQ(y, 50);
    expect_fields(ev.e, 9, 1);
  }
}

TEST(InputEvents, ResizeIsTheCustomUpstreamEvent) {
  InputRecord r;
  r.kind = InputRecord::Kind::kResize;
  r.width = 800;
  r.height = 600;
  EventPtr ev(make_input_event(r, 11, 3, 0, 0));
  ASSERT_NE(ev.e, nullptr);
  EXPECT_EQ(GST_EVENT_TYPE(ev.e), GST_EVENT_CUSTOM_UPSTREAM);
  const GstStructure* s = gst_event_get_structure(ev.e);
  EXPECT_TRUE(gst_structure_has_name(s, "vtkstream-resize"));
  guint w = 0, h = 0;
  EXPECT_TRUE(gst_structure_get_uint(s, "width", &w));
  EXPECT_TRUE(gst_structure_get_uint(s, "height", &h));
  EXPECT_EQ(w, 800u);
  EXPECT_EQ(h, 600u);
  expect_fields(ev.e, 11, 3);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
