// The navigation -> input-record mapping on its own, including input a buggy or hostile sender
// could produce (NaN coordinates, huge key names, events before caps).
#include <gst/video/navigation.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

#include "navigation.h"
#include "vtkstream/vtksrc-contract.h"

namespace {

namespace shm = vtkstream::shm;
namespace vg = vtkstream::gst;

class Navigation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  // Translates and frees `ev`.
  static vg::Translate translate(GstEvent* ev, shm::InputEvent* out, uint32_t w = 200,
                                 uint32_t h = 100) {
    std::string why;
    vg::Translate t = vg::navigation_to_input(ev, w, h, out, &why);
    gst_event_unref(ev);
    return t;
  }
};

TEST_F(Navigation, NormalisesAndClampsCoordinates) {
  shm::InputEvent e;
  ASSERT_EQ(translate(gst_navigation_event_new_mouse_move(50, 25, GST_NAVIGATION_MODIFIER_NONE), &e),
            vg::Translate::kOk);
  EXPECT_FLOAT_EQ(e.x, 0.25f);
  EXPECT_FLOAT_EQ(e.y, 0.25f);
  ASSERT_EQ(translate(gst_navigation_event_new_mouse_move(-5, 1e9, GST_NAVIGATION_MODIFIER_NONE), &e),
            vg::Translate::kOk);
  EXPECT_FLOAT_EQ(e.x, 0.f);
  EXPECT_FLOAT_EQ(e.y, 1.f);
  ASSERT_EQ(translate(gst_navigation_event_new_mouse_move(NAN, INFINITY, GST_NAVIGATION_MODIFIER_NONE),
                      &e),
            vg::Translate::kOk);
  EXPECT_TRUE(std::isfinite(e.x));
  EXPECT_TRUE(std::isfinite(e.y));
}

TEST_F(Navigation, PointerBeforeCapsIsIgnored) {
  shm::InputEvent e;
  EXPECT_EQ(translate(gst_navigation_event_new_mouse_move(1, 1, GST_NAVIGATION_MODIFIER_NONE), &e, 0, 0),
            vg::Translate::kIgnored);
  // Keys need no size.
  EXPECT_EQ(translate(gst_navigation_event_new_key_press("r", GST_NAVIGATION_MODIFIER_NONE), &e, 0, 0),
            vg::Translate::kOk);
  EXPECT_STREQ(e.key, "r");
}

TEST_F(Navigation, MapsModifiers) {
  shm::InputEvent e;
  auto all = GstNavigationModifierType(GST_NAVIGATION_MODIFIER_SHIFT_MASK |
                                       GST_NAVIGATION_MODIFIER_CONTROL_MASK |
                                       GST_NAVIGATION_MODIFIER_MOD1_MASK |
                                       GST_NAVIGATION_MODIFIER_META_MASK);
  ASSERT_EQ(translate(gst_navigation_event_new_key_press("x", all), &e), vg::Translate::kOk);
  EXPECT_EQ(e.modifiers, uint32_t(shm::kModShift | shm::kModControl | shm::kModAlt | shm::kModMeta));
}

TEST_F(Navigation, RejectsKeyNamesThatWouldBeTruncated) {
  shm::InputEvent e;
  const std::string longest(sizeof(e.key) - 1, 'k');
  const std::string too_long(sizeof(e.key), 'k');
  EXPECT_EQ(translate(gst_navigation_event_new_key_press(longest.c_str(), GST_NAVIGATION_MODIFIER_NONE),
                      &e),
            vg::Translate::kOk);
  EXPECT_EQ(std::string(e.key), longest);
  EXPECT_EQ(translate(gst_navigation_event_new_key_press(too_long.c_str(), GST_NAVIGATION_MODIFIER_NONE),
                      &e),
            vg::Translate::kInvalid);
  EXPECT_EQ(translate(gst_navigation_event_new_key_press("XF86AudioRaiseVolume",
                                                         GST_NAVIGATION_MODIFIER_NONE),
                      &e),
            vg::Translate::kOk);
}

TEST_F(Navigation, IgnoresCommandsAndMalformedEvents) {
  shm::InputEvent e;
  EXPECT_EQ(translate(gst_navigation_event_new_command(GST_NAVIGATION_COMMAND_MENU1), &e),
            vg::Translate::kIgnored);
  // A structure that claims to be a button press but lacks its fields.
  GstEvent* bad = gst_event_new_navigation(
      gst_structure_new("application/x-gst-navigation", "event", G_TYPE_STRING,
                        "mouse-button-press", nullptr));
  EXPECT_EQ(translate(bad, &e), vg::Translate::kInvalid);
}

TEST_F(Navigation, ReadsServerSequenceAndPeerAsAnyIntegerType) {
  shm::InputEvent e;
  GstEvent* ev = gst_navigation_event_new_mouse_move(0, 0, GST_NAVIGATION_MODIFIER_NONE);
  // gst_structure_from_string and JSON bridges produce plain ints.
  gst_structure_set(gst_event_writable_structure(ev), "vtkstream-seq", G_TYPE_INT, 12,
                    "vtkstream-peer", G_TYPE_INT, 3, nullptr);
  ASSERT_EQ(translate(ev, &e), vg::Translate::kOk);
  EXPECT_EQ(e.seq, 12u);
  EXPECT_EQ(e.peer_id, 3u);
}

TEST_F(Navigation, ResizeRequestsAreValidated) {
  shm::InputEvent e;
  std::string why;
  GstStructure* ok = gst_structure_new("vtkstream-resize", "width", G_TYPE_UINT, 1280u, "height",
                                       G_TYPE_UINT, 720u, nullptr);
  EXPECT_EQ(vg::resize_to_input(ok, &e, &why), vg::Translate::kOk);
  EXPECT_EQ(e.kind, uint16_t(shm::InputKind::kResize));
  EXPECT_EQ(e.width, 1280u);
  gst_structure_free(ok);
  GstStructure* huge = gst_structure_new("vtkstream-resize", "width", G_TYPE_INT, 100000, "height",
                                         G_TYPE_INT, 10, nullptr);
  EXPECT_EQ(vg::resize_to_input(huge, &e, &why), vg::Translate::kInvalid);
  gst_structure_free(huge);
  GstStructure* neg = gst_structure_new("vtkstream-resize", "width", G_TYPE_INT, -4, "height",
                                        G_TYPE_INT, 10, nullptr);
  EXPECT_EQ(vg::resize_to_input(neg, &e, &why), vg::Translate::kInvalid);
  gst_structure_free(neg);
  // The resize limit (shm_layout.h) is inclusive at both ends, and nothing past it passes.
  for (auto [w, h, want] : {std::tuple{shm::kMaxRequestedDimension, shm::kMinRequestedDimension, vg::Translate::kOk},
                            std::tuple{shm::kMaxRequestedDimension + 1, 100u, vg::Translate::kInvalid},
                            std::tuple{100u, shm::kMinRequestedDimension - 1, vg::Translate::kInvalid}}) {
    GstStructure* s = gst_structure_new("vtkstream-resize", "width", G_TYPE_UINT, w, "height", G_TYPE_UINT, h,
                                        nullptr);
    EXPECT_EQ(vg::resize_to_input(s, &e, &why), want) << w << "x" << h;
    gst_structure_free(s);
  }
}

// The interactive size cap: a size within the resize limit, or 0x0 (none); nothing else.
TEST_F(Navigation, InteractiveCapEvent) {
  shm::InputEvent e;
  std::string why;
  GstEvent* ev = vtkstream::contract::interactive_cap_event(4096, 360);
  EXPECT_TRUE(vg::is_interactive_cap_event(ev));
  EXPECT_FALSE(vg::is_resize_event(ev));
  EXPECT_EQ(vg::interactive_cap_to_input(gst_event_get_structure(ev), &e, &why), vg::Translate::kOk);
  EXPECT_EQ(e.kind, uint16_t(shm::InputKind::kInteractiveCap));
  EXPECT_EQ(e.width, 4096u);
  EXPECT_EQ(e.height, 360u);
  EXPECT_EQ(e.seq, 0u) << "a cap carries no input number";
  gst_event_unref(ev);
  for (auto [w, h, want] : {std::tuple{0u, 0u, vg::Translate::kOk},
                            std::tuple{0u, 360u, vg::Translate::kInvalid},
                            std::tuple{640u, 0u, vg::Translate::kInvalid},
                            std::tuple{shm::kMaxRequestedDimension + 1, 360u, vg::Translate::kInvalid},
                            std::tuple{shm::kMinRequestedDimension - 1, 360u, vg::Translate::kInvalid}}) {
    GstStructure* s = gst_structure_new(vtkstream::contract::kInteractiveCapEvent, "width", G_TYPE_UINT, w, "height",
                                        G_TYPE_UINT, h, nullptr);
    EXPECT_EQ(vg::interactive_cap_to_input(s, &e, &why), want) << w << "x" << h;
    gst_structure_free(s);
  }
  GstStructure* missing = gst_structure_new(vtkstream::contract::kInteractiveCapEvent, "width", G_TYPE_UINT, 640u, nullptr);
  EXPECT_EQ(vg::interactive_cap_to_input(missing, &e, &why), vg::Translate::kInvalid);
  gst_structure_free(missing);
}

}  // namespace
