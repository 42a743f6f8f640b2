// Browser input records -> the upstream events of the vtksrc contract (vtkstream/vtksrc-contract.h):
// GstNavigation events in pixels of the negotiated caps plus the "vtkstream-seq" and
// "vtkstream-peer" fields, and the "vtkstream-resize" custom event for `rs`.
#pragma once

#include <gst/gst.h>

#include <cstdint>

#include "protocol.h"

namespace vtkstream::sink {

// Returns a new event (transfer full), or nullptr for a pointer record while no size is known
// (width/height 0: nothing negotiated yet, vtksrc would drop it anyway).
GstEvent* make_input_event(const InputRecord& r, uint64_t global_seq, uint32_t peer, int width,
                           int height);

}  // namespace vtkstream::sink
