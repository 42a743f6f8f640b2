// Per-frame metadata that vtksrc attaches to every buffer, for whoever sits downstream (the web
// server measures input-to-photon with it).
//
// The meta's name, its fields and a reader (contract::frame_input_seq) are part of the element's
// contract, in <vtkstream/vtksrc-contract.h>; this file only registers and fills it. It is a
// GstCustomMeta (GStreamer >= 1.20) without tags, so elements that copy tag-less metas
// (videoconvert, videoscale, most encoders) keep it, and a reader needs only GStreamer's API.
//
// A custom meta rather than GstReferenceTimestampMeta: an input sequence number is not a time,
// and one meta carries everything the latency measurement needs.
#pragma once

#include <gst/gst.h>

#include "vtkstream/shm.h"

namespace vtkstream::gst {

// Idempotent; called from the element's class_init.
void register_frame_meta();
void add_frame_meta(GstBuffer* buffer, const shm::FrameInfo& info, bool repeat);

}  // namespace vtkstream::gst
