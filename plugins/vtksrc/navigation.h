// Upstream events -> shm input records.
//
// vtksrc turns GstNavigation events (and two vtkstream extensions) into shm::InputEvent records
// for the renderer. Kept apart from the element so the mapping can be tested on its own.
//
// Conventions (read these before sending events from a server):
// * Pointer and touch coordinates are in pixels of the caps vtksrc negotiated (what a video sink
//   or videoscale reports); they are normalised to [0,1] from the top left and clamped.
// * Scroll deltas follow GStreamer's navigation convention (positive delta_y = wheel up, as the
//   GL and GTK sinks send it). The ring wants positive = scroll down (a browser's deltaY), so the
//   sign is flipped here. A web server converting browser wheel events must negate deltaY.
// * Key names are X11 keysym names ("a", "Left", "Shift_L"), what the X11/GTK sinks send.
// * Optional extra fields in the navigation structure, for a server that has its own numbering:
//     contract::kSeqField  (guint64, guint or a non-negative int) the input sequence number
//                          echoed in frames
//     contract::kPeerField (guint) the peer id stored with the record
//   Without a sequence field vtksrc numbers events itself, continuing after the last given one.
// * Resize request: a GST_EVENT_CUSTOM_UPSTREAM whose structure is named contract::kResizeEvent
//   with "width" and "height" (gint or guint, pixels); contract::resize_event() builds one.
// * Interactive size cap: a GST_EVENT_CUSTOM_UPSTREAM named contract::kInteractiveCapEvent, the
//   same two fields (0x0: no cap); contract::interactive_cap_event() builds one.
// The names themselves are spelled once, in <vtkstream/vtksrc-contract.h>.
#pragma once

#include <gst/gst.h>

#include <string>

#include "vtkstream/shm_layout.h"

namespace vtkstream::gst {

// Result of translating one event. `seq` is 0 when the event carried no sequence field.
enum class Translate { kOk, kIgnored, kInvalid };

// Translates a navigation event. `width`/`height` are the negotiated frame size; 0 means nothing
// is negotiated yet (pointer events are then ignored). On kIgnored/kInvalid `why` says why.
Translate navigation_to_input(GstEvent* event, uint32_t width, uint32_t height,
                              shm::InputEvent* out, std::string* why);

// Translates a resize request (contract::kResizeEvent) custom upstream event.
Translate resize_to_input(const GstStructure* s, shm::InputEvent* out, std::string* why);

// True when `event` is a vtkstream resize request.
bool is_resize_event(GstEvent* event);

// Translates an interactive size cap (contract::kInteractiveCapEvent): "width" and "height" within
// the resize limit, or both 0 (no cap). The record carries no sequence number of its own.
Translate interactive_cap_to_input(const GstStructure* s, shm::InputEvent* out, std::string* why);
bool is_interactive_cap_event(GstEvent* event);

}  // namespace vtkstream::gst
