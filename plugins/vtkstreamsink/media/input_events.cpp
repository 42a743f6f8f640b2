#include "input_events.h"

#include <gst/video/navigation.h>

#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sink {

GstEvent* make_input_event(const InputRecord& r, uint64_t global_seq, uint32_t peer, int width,
                           int height) {
  using K = InputRecord::Kind;
  GstEvent* ev = nullptr;
  if (r.kind == K::kResize) {
    ev = contract::resize_event(static_cast<unsigned>(r.width), static_cast<unsigned>(r.height));
  } else {
    // The protocol's modifier bits are the shm record's (docs/protocol.md).
    const GstNavigationModifierType mods = contract::to_navigation_modifiers(r.modifiers);
    const bool keyed = r.kind == K::kKeyDown || r.kind == K::kKeyUp;
    if (!keyed && (width <= 0 || height <= 0)) return nullptr;
    // Normalised -> pixels of the caps; vtksrc divides by the same size again.
    const double x = r.x * width, y = r.y * height;
    switch (r.kind) {
      case K::kPointerMove:
        ev = gst_navigation_event_new_mouse_move(x, y, mods);
        break;
      case K::kPointerDown:
        ev = gst_navigation_event_new_mouse_button_press(r.button, x, y, mods);
        break;
      case K::kPointerUp:
        ev = gst_navigation_event_new_mouse_button_release(r.button, x, y, mods);
        break;
      case K::kWheel:
        // Browser: positive dy = scroll down. GstNavigation: positive = up (vtksrc flips back).
        ev = gst_navigation_event_new_mouse_scroll(x, y, -r.dx, -r.dy, mods);
        break;
      case K::kKeyDown:
        ev = gst_navigation_event_new_key_press(r.key.c_str(), mods);
        break;
      case K::kKeyUp:
        ev = gst_navigation_event_new_key_release(r.key.c_str(), mods);
        break;
      case K::kTouchDown:
        ev = gst_navigation_event_new_touch_down(r.touch_id, x, y, 1.0, mods);
        break;
      case K::kTouchMove:
        ev = gst_navigation_event_new_touch_motion(r.touch_id, x, y, 1.0, mods);
        break;
      case K::kTouchUp:
        ev = gst_navigation_event_new_touch_up(r.touch_id, x, y, mods);
        break;
      case K::kResize:
        break;
    }
  }
  if (!ev) return nullptr;
  // Freshly created, so writable.
  GstStructure* s = gst_event_writable_structure(ev);
  gst_structure_set(s, contract::kSeqField, G_TYPE_UINT64, static_cast<guint64>(global_seq), contract::kPeerField,
                    G_TYPE_UINT, static_cast<guint>(peer), nullptr);
  return ev;
}

}  // namespace vtkstream::sink
