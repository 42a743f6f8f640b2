// Per-frame metadata that vtksrc attaches to every buffer, for whoever sits downstream (the web
// server measures input-to-photon with it).
//
// It is a GstCustomMeta (GStreamer >= 1.20) registered under kFrameMetaName, without tags, so
// elements that copy tag-less metas (videoconvert, videoscale, most encoders) keep it. Read it
// with only GStreamer's API, no vtkstream header needed:
//
//   GstCustomMeta* m = gst_buffer_get_custom_meta(buf, "VtkStreamFrameMeta");
//   const GstStructure* s = m ? gst_custom_meta_get_structure(m) : nullptr;
//   guint64 seq; gst_structure_get_uint64(s, "input-seq", &seq);
//
// The structure (named like the meta, as GStreamer creates it) holds:
//   input-seq    guint64   seq of the last input event the renderer applied before this frame
//   frame-number guint64   renderer frame number (also GST_BUFFER_OFFSET), per session
//   session-id   guint64   renderer session; changes when the renderer restarts
//   render-time  guint64   renderer CLOCK_MONOTONIC ns when the frame was finished
//   repeat       gboolean  TRUE for a keep-alive repeat of the previous picture
//
// A custom meta rather than GstReferenceTimestampMeta: an input sequence number is not a time,
// and one meta carries everything the latency measurement needs.
#pragma once

#include <gst/gst.h>

#include "vtkstream/shm.h"

namespace vtkstream::gst {

inline constexpr const char* kFrameMetaName = "VtkStreamFrameMeta";

// Idempotent; called from the element's class_init.
void register_frame_meta();
void add_frame_meta(GstBuffer* buffer, const shm::FrameInfo& info, bool repeat);

}  // namespace vtkstream::gst
