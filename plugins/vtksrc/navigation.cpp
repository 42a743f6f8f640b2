#include "navigation.h"

#include <gst/video/navigation.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::gst {

namespace {

using shm::InputKind;
using contract::kPeerField;
using contract::kSeqField;

// Pixel coordinate -> [0,1]. Non-finite input (a NaN from a buggy sender) maps to 0.
float normalise(double v, uint32_t extent) {
  if (!std::isfinite(v) || extent == 0) return 0.f;
  return static_cast<float>(std::clamp(v / extent, 0.0, 1.0));
}

float finite_or_zero(double v) { return std::isfinite(v) ? static_cast<float>(v) : 0.f; }

// Integers in structures arrive as gint, guint, gint64 or guint64 depending on who built them
// (gst_structure_new_from_string gives gint unless told otherwise); accept any non-negative one.
bool get_unsigned(const GstStructure* s, const char* field, uint64_t* out) {
  const GValue* v = gst_structure_get_value(s, field);
  if (!v) return false;
  if (G_VALUE_HOLDS_UINT64(v)) {
    *out = g_value_get_uint64(v);
  } else if (G_VALUE_HOLDS_UINT(v)) {
    *out = g_value_get_uint(v);
  } else if (G_VALUE_HOLDS_INT(v) && g_value_get_int(v) >= 0) {
    *out = static_cast<uint64_t>(g_value_get_int(v));
  } else if (G_VALUE_HOLDS_INT64(v) && g_value_get_int64(v) >= 0) {
    *out = static_cast<uint64_t>(g_value_get_int64(v));
  } else {
    return false;
  }
  return true;
}

void set_kind(shm::InputEvent* out, InputKind kind) { out->kind = static_cast<uint16_t>(kind); }

bool set_key(const char* key, shm::InputEvent* out, std::string* why) {
  if (!key || !*key) {
    *why = "key event without a key name";
    return false;
  }
  // Truncating could turn one key name into another, so refuse instead.
  if (std::strlen(key) >= sizeof(out->key)) {
    *why = std::string("key name too long for the input record: ") + key;
    return false;
  }
  std::strncpy(out->key, key, sizeof(out->key) - 1);
  return true;
}

}  // namespace

Translate navigation_to_input(GstEvent* event, uint32_t width, uint32_t height,
                              shm::InputEvent* out, std::string* why) {
  *out = shm::InputEvent{};
  const GstStructure* s = gst_event_get_structure(event);
  if (!s) {
    *why = "navigation event without a structure";
    return Translate::kInvalid;
  }

  GstNavigationModifierType state = GST_NAVIGATION_MODIFIER_NONE;
  if (gst_navigation_event_parse_modifier_state(event, &state)) out->modifiers = contract::from_navigation_modifiers(state);
  uint64_t v = 0;
  if (get_unsigned(s, kSeqField, &v)) out->seq = v;
  if (get_unsigned(s, kPeerField, &v)) out->peer_id = static_cast<uint32_t>(v);

  const GstNavigationEventType type = gst_navigation_event_get_type(event);
  const bool pointer = type == GST_NAVIGATION_EVENT_MOUSE_MOVE ||
                       type == GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS ||
                       type == GST_NAVIGATION_EVENT_MOUSE_BUTTON_RELEASE ||
                       type == GST_NAVIGATION_EVENT_MOUSE_SCROLL ||
                       type == GST_NAVIGATION_EVENT_TOUCH_DOWN ||
                       type == GST_NAVIGATION_EVENT_TOUCH_MOTION ||
                       type == GST_NAVIGATION_EVENT_TOUCH_UP;
  if (pointer && (width == 0 || height == 0)) {
    *why = "pointer event before any caps were negotiated";
    return Translate::kIgnored;
  }

  double x = 0, y = 0;
  switch (type) {
    case GST_NAVIGATION_EVENT_MOUSE_MOVE:
      if (!gst_navigation_event_parse_mouse_move_event(event, &x, &y)) break;
      set_kind(out, InputKind::kPointerMove);
      out->x = normalise(x, width);
      out->y = normalise(y, height);
      return Translate::kOk;
    case GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS:
    case GST_NAVIGATION_EVENT_MOUSE_BUTTON_RELEASE: {
      gint button = 0;
      if (!gst_navigation_event_parse_mouse_button_event(event, &button, &x, &y)) break;
      if (button < 0 || button > 0xffff) {
        *why = "mouse button number out of range";
        return Translate::kInvalid;
      }
      set_kind(out, type == GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS ? InputKind::kPointerDown
                                                                     : InputKind::kPointerUp);
      out->button = static_cast<uint16_t>(button);
      out->x = normalise(x, width);
      out->y = normalise(y, height);
      return Translate::kOk;
    }
    case GST_NAVIGATION_EVENT_MOUSE_SCROLL: {
      double dx = 0, dy = 0;
      if (!gst_navigation_event_parse_mouse_scroll_event(event, &x, &y, &dx, &dy)) break;
      set_kind(out, InputKind::kWheel);
      out->x = normalise(x, width);
      out->y = normalise(y, height);
      // GStreamer: positive = up/left; ring: positive = down/right (see navigation.h).
      out->wheel_dx = -finite_or_zero(dx);
      out->wheel_dy = -finite_or_zero(dy);
      return Translate::kOk;
    }
    case GST_NAVIGATION_EVENT_KEY_PRESS:
    case GST_NAVIGATION_EVENT_KEY_RELEASE: {
      const gchar* key = nullptr;
      if (!gst_navigation_event_parse_key_event(event, &key)) break;
      if (!set_key(key, out, why)) return Translate::kInvalid;
      set_kind(out, type == GST_NAVIGATION_EVENT_KEY_PRESS ? InputKind::kKeyDown
                                                           : InputKind::kKeyUp);
      return Translate::kOk;
    }
    case GST_NAVIGATION_EVENT_TOUCH_DOWN:
    case GST_NAVIGATION_EVENT_TOUCH_MOTION: {
      guint id = 0;
      double pressure = 0;
      if (!gst_navigation_event_parse_touch_event(event, &id, &x, &y, &pressure)) break;
      if (id > 0xffff) {
        *why = "touch identifier out of range";
        return Translate::kInvalid;
      }
      set_kind(out, type == GST_NAVIGATION_EVENT_TOUCH_DOWN ? InputKind::kTouchDown
                                                            : InputKind::kTouchMove);
      out->button = static_cast<uint16_t>(id);
      out->x = normalise(x, width);
      out->y = normalise(y, height);
      return Translate::kOk;
    }
    case GST_NAVIGATION_EVENT_TOUCH_UP: {
      guint id = 0;
      if (!gst_navigation_event_parse_touch_up_event(event, &id, &x, &y)) break;
      if (id > 0xffff) {
        *why = "touch identifier out of range";
        return Translate::kInvalid;
      }
      set_kind(out, InputKind::kTouchUp);
      out->button = static_cast<uint16_t>(id);
      out->x = normalise(x, width);
      out->y = normalise(y, height);
      return Translate::kOk;
    }
    case GST_NAVIGATION_EVENT_TOUCH_FRAME:
      set_kind(out, InputKind::kTouchFrame);
      return Translate::kOk;
    default:
      // Commands (DVD menus), touch-cancel and unknown types mean nothing to a VTK scene.
      *why = std::string("navigation event not used: ") + gst_structure_get_name(s);
      return Translate::kIgnored;
  }
  *why = "malformed navigation event: " + std::string(gst_structure_get_name(s));
  return Translate::kInvalid;
}

bool is_resize_event(GstEvent* event) {
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM) return false;
  const GstStructure* s = gst_event_get_structure(event);
  return s && gst_structure_has_name(s, contract::kResizeEvent);
}

Translate resize_to_input(const GstStructure* s, shm::InputEvent* out, std::string* why) {
  *out = shm::InputEvent{};
  uint64_t w = 0, h = 0;
  if (!get_unsigned(s, "width", &w) || !get_unsigned(s, "height", &h)) {
    *why = "resize request without integer width and height";
    return Translate::kInvalid;
  }
  if (w < shm::kMinRequestedDimension || h < shm::kMinRequestedDimension ||
      w > shm::kMaxRequestedDimension || h > shm::kMaxRequestedDimension) {
    *why = "resize request out of range: " + std::to_string(w) + "x" + std::to_string(h);
    return Translate::kInvalid;
  }
  set_kind(out, InputKind::kResize);
  out->width = static_cast<uint32_t>(w);
  out->height = static_cast<uint32_t>(h);
  uint64_t v = 0;
  if (get_unsigned(s, kSeqField, &v)) out->seq = v;
  if (get_unsigned(s, kPeerField, &v)) out->peer_id = static_cast<uint32_t>(v);
  return Translate::kOk;
}

bool is_interactive_cap_event(GstEvent* event) {
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM) return false;
  const GstStructure* s = gst_event_get_structure(event);
  return s && gst_structure_has_name(s, contract::kInteractiveCapEvent);
}

Translate interactive_cap_to_input(const GstStructure* s, shm::InputEvent* out, std::string* why) {
  *out = shm::InputEvent{};
  uint64_t w = 0, h = 0;
  if (!get_unsigned(s, "width", &w) || !get_unsigned(s, "height", &h)) {
    *why = "interactive size cap without integer width and height";
    return Translate::kInvalid;
  }
  // 0x0 lifts the cap; anything else is a size within the resize limit (a cap is a render size).
  const bool none = w == 0 && h == 0;
  if (!none && (w < shm::kMinRequestedDimension || h < shm::kMinRequestedDimension ||
                w > shm::kMaxRequestedDimension || h > shm::kMaxRequestedDimension)) {
    *why = "interactive size cap out of range: " + std::to_string(w) + "x" + std::to_string(h);
    return Translate::kInvalid;
  }
  set_kind(out, InputKind::kInteractiveCap);
  out->width = static_cast<uint32_t>(w);
  out->height = static_cast<uint32_t>(h);
  return Translate::kOk;
}

}  // namespace vtkstream::gst
