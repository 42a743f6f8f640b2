// The contract between vtksrc and whoever sits downstream of it (vtkstreamsink, vtkstream-serve,
// your own application). Every name that crosses the element boundary is spelled here once:
//
//   downstream, on every buffer   VtkStreamFrameMeta (GstCustomMeta): which input the picture shows
//   downstream, element message   "vtksrc-renderer": the renderer behind the ring came or went
//   downstream, OOB custom event  "vtksrc-renderer": the same notice, for elements in the pipeline
//                                  (a sink bin cannot see its siblings' bus messages)
//   upstream, navigation events   GstNavigation events, optionally carrying the two fields below
//   upstream, custom event        "vtkstream-resize": ask the renderer for another size
//   upstream, custom event        "vtkstream-interactive-cap": the largest size to render at
//                                  while someone interacts
//   downstream caps               a fixed width/height asks the renderer for that size too
//   both                          the resize limit, kMinResize..kMaxResize per side
//
// Header-only (inline functions on GStreamer's public API), installed as
// <vtkstream/vtksrc-contract.h>, so an application needs no vtkstream library to use it.
#pragma once

#include <gst/gst.h>
#include <gst/video/navigation.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vtkstream/shm_layout.h"

namespace vtkstream::contract {

// ---- Frame meta ------------------------------------------------------------------------------
// A GstCustomMeta without tags (so videoconvert, videoscale and encoders copy it). Its structure:
//   input-seq    guint64   seq of the last input event the renderer applied before this frame
//   frame-number guint64   renderer frame number (also GST_BUFFER_OFFSET), per session
//   session-id   guint64   renderer session; changes when the renderer restarts
//   render-time  guint64   renderer CLOCK_MONOTONIC ns when the frame was finished
//   repeat       gboolean  TRUE for a keep-alive repeat of the previous picture
//   still        gboolean  TRUE for the settled, full-size picture the renderer sends when an
//                          interaction ends (frames during it may be smaller), and for the copies
//                          of it the renderer republishes before going idle; an encoder should
//                          spend more bits on that picture. FALSE on vtksrc's own repeats.
inline constexpr const char* kFrameMetaName = "VtkStreamFrameMeta";
inline constexpr const char* kMetaInputSeq = "input-seq";
inline constexpr const char* kMetaFrameNumber = "frame-number";
inline constexpr const char* kMetaSessionId = "session-id";
inline constexpr const char* kMetaRenderTime = "render-time";
inline constexpr const char* kMetaRepeat = "repeat";
inline constexpr const char* kMetaStill = "still";

// The input sequence number a buffer's picture reflects; 0 when it carries no vtksrc meta.
inline uint64_t frame_input_seq(GstBuffer* buf) {
  GstCustomMeta* m = buf ? gst_buffer_get_custom_meta(buf, kFrameMetaName) : nullptr;
  guint64 seq = 0;
  if (!m || !gst_structure_get_uint64(gst_custom_meta_get_structure(m), kMetaInputSeq, &seq)) return 0;
  return seq;
}

// Whether a buffer is the renderer's still (kMetaStill); false without vtksrc meta.
inline bool frame_is_still(GstBuffer* buf) {
  GstCustomMeta* m = buf ? gst_buffer_get_custom_meta(buf, kFrameMetaName) : nullptr;
  gboolean still = FALSE;
  if (!m || !gst_structure_get_boolean(gst_custom_meta_get_structure(m), kMetaStill, &still)) return false;
  return still;
}

// Whether a buffer is one of vtksrc's keep-alive repeats of the previous picture (kMetaRepeat);
// false without vtksrc meta.
inline bool frame_is_repeat(GstBuffer* buf) {
  GstCustomMeta* m = buf ? gst_buffer_get_custom_meta(buf, kFrameMetaName) : nullptr;
  gboolean repeat = FALSE;
  if (!m || !gst_structure_get_boolean(gst_custom_meta_get_structure(m), kMetaRepeat, &repeat)) return false;
  return repeat;
}

// ---- Renderer notices ------------------------------------------------------------------------
// Structure "vtksrc-renderer": state (string, one of the names below), session-id (guint64),
// shm-name (string), and, when a supervising program sends it, detail (string, human text).
// A `lost` notice from vtksrc also says why, in reason (string): "exited" (the renderer closed
// its ring or its process is gone), "unresponsive" (its process exists but its heartbeat
// stopped: stopped or hung; a supervisor should kill and restart it) or "damaged" (the ring was
// truncated or overwritten; the renderer publishes a fresh one by itself).
// vtksrc sends waiting/attached/lost, once per transition, both as an element message and as an
// out-of-band downstream custom event. A program that restarts renderers (vtkstream-serve) sends
// `restarting` to vtkstreamsink's sink pad as the same event.
inline constexpr const char* kRendererNotice = "vtksrc-renderer";
enum class RendererState { kWaiting, kAttached, kLost, kRestarting };
inline constexpr const char* kLostExited = "exited";
inline constexpr const char* kLostUnresponsive = "unresponsive";
inline constexpr const char* kLostDamaged = "damaged";

inline const char* renderer_state_name(RendererState s) {
  switch (s) {
    case RendererState::kWaiting: return "waiting";
    case RendererState::kAttached: return "attached";
    case RendererState::kLost: return "lost";
    case RendererState::kRestarting: return "restarting";
  }
  return "waiting";
}

inline std::optional<RendererState> renderer_state_from_name(std::string_view n) {
  for (RendererState s : {RendererState::kWaiting, RendererState::kAttached, RendererState::kLost,
                          RendererState::kRestarting})
    if (n == renderer_state_name(s)) return s;
  return std::nullopt;
}

struct RendererNotice {
  RendererState state = RendererState::kWaiting;
  uint64_t session_id = 0;
  std::string shm_name;
  std::string detail;  // may be empty
  std::string reason;  // lost notices: kLostExited, kLostUnresponsive or kLostDamaged; else empty
};

inline GstStructure* renderer_notice_structure(const RendererNotice& n) {
  GstStructure* s = gst_structure_new(kRendererNotice, "state", G_TYPE_STRING, renderer_state_name(n.state),
                                      "session-id", G_TYPE_UINT64, static_cast<guint64>(n.session_id),
                                      "shm-name", G_TYPE_STRING, n.shm_name.c_str(), nullptr);
  if (!n.detail.empty()) gst_structure_set(s, "detail", G_TYPE_STRING, n.detail.c_str(), nullptr);
  if (!n.reason.empty()) gst_structure_set(s, "reason", G_TYPE_STRING, n.reason.c_str(), nullptr);
  return s;
}

inline GstEvent* renderer_notice_event(const RendererNotice& n) {
  return gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM_OOB, renderer_notice_structure(n));
}

// Reads a notice from a message's or an event's structure; nullopt if it is not one (or broken).
inline std::optional<RendererNotice> parse_renderer_notice(const GstStructure* s) {
  if (!s || !gst_structure_has_name(s, kRendererNotice)) return std::nullopt;
  const char* st = gst_structure_get_string(s, "state");
  const auto state = st ? renderer_state_from_name(st) : std::nullopt;
  if (!state) return std::nullopt;
  RendererNotice n;
  n.state = *state;
  guint64 sid = 0;
  if (gst_structure_get_uint64(s, "session-id", &sid)) n.session_id = sid;
  if (const char* name = gst_structure_get_string(s, "shm-name")) n.shm_name = name;
  if (const char* d = gst_structure_get_string(s, "detail")) n.detail = d;
  if (const char* r = gst_structure_get_string(s, "reason")) n.reason = r;
  return n;
}

// ---- Upstream input --------------------------------------------------------------------------
// GstNavigation events in pixels of the negotiated caps (normalised by vtksrc), with optional
//   "vtkstream-seq"  (guint64) the input sequence number the renderer echoes in frames
//   "vtkstream-peer" (guint)   who sent it (stored with the record)
// Scroll deltas: GStreamer's convention (positive delta_y = wheel up); a browser's deltaY is the
// opposite sign. Key names: X11 keysym names ("a", "Left", "Shift_L").
inline constexpr const char* kSeqField = "vtkstream-seq";
inline constexpr const char* kPeerField = "vtkstream-peer";

// Resize request: GST_EVENT_CUSTOM_UPSTREAM named "vtkstream-resize", "width"/"height" in pixels.
// vtksrc drops one outside the resize limit, one its downstream's caps exclude, and every one
// with view-only set.
inline constexpr const char* kResizeEvent = "vtkstream-resize";

// The resize limit: sizes anyone may ask the renderer for, per side, through the event above or
// through caps downstream of vtksrc. Defined once in shm_layout.h (the renderer checks the same
// numbers); named here for applications that include only this header.
inline constexpr unsigned kMinResize = shm::kMinRequestedDimension;
inline constexpr unsigned kMaxResize = shm::kMaxRequestedDimension;

inline GstEvent* resize_event(unsigned width, unsigned height) {
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                              gst_structure_new(kResizeEvent, "width", G_TYPE_UINT, width, "height",
                                                G_TYPE_UINT, height, nullptr));
}

// Interactive size cap: GST_EVENT_CUSTOM_UPSTREAM named "vtkstream-interactive-cap", "width" and
// "height" (guint, pixels): while someone interacts, the renderer renders at most this size,
// keeping its aspect (the still after the interaction stays full size). 0x0 lifts the cap.
// vtkstreamsink sends it for the rung of the viewer in control (a rung that encodes at most 360
// lines: width kMaxResize, height 360), and 0x0 when that viewer is on the top rung or nobody
// steers: rendering more than the controller receives would only be scaled down again. vtksrc
// turns it into a shm::InputKind::kInteractiveCap record, remembers the last one and gives it to
// every renderer that attaches later; it drops it with view-only set. A renderer that predates the
// cap ignores the record; a source that is not vtksrc ignores the event.
inline constexpr const char* kInteractiveCapEvent = "vtkstream-interactive-cap";

inline GstEvent* interactive_cap_event(unsigned width, unsigned height) {
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                              gst_structure_new(kInteractiveCapEvent, "width", G_TYPE_UINT, width, "height",
                                                G_TYPE_UINT, height, nullptr));
}

// Repeat now: GST_EVENT_CUSTOM_UPSTREAM named "vtkstream-repeat-now", no fields. vtksrc pushes its
// keep-alive repeat of the last picture as soon as that picture is 100 ms old instead of when the
// repeat interval ends (a new picture before then answers the request: no duplicate frames while
// the renderer draws; repeat-interval 0 does not turn it off). An idle
// renderer publishes nothing, so an encoder asked for a keyframe (a viewer joining) or a branch
// just added (an MJPEG viewer) would otherwise wait up to repeat-interval (1 s) for a picture;
// vtkstreamsink sends it right after such a request. Before the first picture it does nothing; a
// source that is not vtksrc ignores it.
inline constexpr const char* kRepeatNowEvent = "vtkstream-repeat-now";

inline GstEvent* repeat_now_event() {
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, gst_structure_new_empty(kRepeatNowEvent));
}

inline bool is_repeat_now_event(GstEvent* event) {
  const GstStructure* s = GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM ? gst_event_get_structure(event) : nullptr;
  return s && gst_structure_has_name(s, kRepeatNowEvent);
}

// Modifier bits of the shm input record (shm::InputModifiers, also the browser protocol's `m`)
// <-> GstNavigation's modifier state. Alt is Mod1 (the X11 convention); Super counts as Meta.
inline GstNavigationModifierType to_navigation_modifiers(uint32_t m) {
  int s = GST_NAVIGATION_MODIFIER_NONE;
  if (m & shm::kModShift) s |= GST_NAVIGATION_MODIFIER_SHIFT_MASK;
  if (m & shm::kModControl) s |= GST_NAVIGATION_MODIFIER_CONTROL_MASK;
  if (m & shm::kModAlt) s |= GST_NAVIGATION_MODIFIER_MOD1_MASK;
  if (m & shm::kModMeta) s |= GST_NAVIGATION_MODIFIER_META_MASK;
  return static_cast<GstNavigationModifierType>(s);
}

inline uint32_t from_navigation_modifiers(GstNavigationModifierType state) {
  uint32_t m = 0;
  if (state & GST_NAVIGATION_MODIFIER_SHIFT_MASK) m |= shm::kModShift;
  if (state & GST_NAVIGATION_MODIFIER_CONTROL_MASK) m |= shm::kModControl;
  if (state & GST_NAVIGATION_MODIFIER_MOD1_MASK) m |= shm::kModAlt;
  if (state & (GST_NAVIGATION_MODIFIER_META_MASK | GST_NAVIGATION_MODIFIER_SUPER_MASK)) m |= shm::kModMeta;
  return m;
}

}  // namespace vtkstream::contract
