// Where SinkMetrics' media numbers come from: pad probes (and the encoder queue's "overrun"
// signal) on the shared part of the pipeline and on each viewer's branch. Probes run on
// streaming threads and only bump atomics (plus one short lock for encode-time matching).
#pragma once

#include <gst/gst.h>

#include "registry.h"

namespace vtkstream::sink {

// Frames arriving at the sink: a buffer probe on `pad` (the input tee's sink pad).
void count_frames_in(GstPad* pad, SinkMetrics* m);
// Inside MIDDLE (the encode bin, encoder_factory.h): the `encqueue` queue's drops, the `enc`
// encoder's time per frame, frames and their age at the `pay` payloader, and RTP bytes at the
// bin's src pad. Elements a custom encoder description does not name are skipped.
void watch_middle(GstElement* middle, SinkMetrics* m);
// Adds the bytes of every buffer (or buffer list) leaving `pad` to `bytes`.
void count_bytes(GstPad* pad, Counter* bytes);

}  // namespace vtkstream::sink
