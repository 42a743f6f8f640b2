// Notes when each RTP packet of a viewer's stream leaves for webrtcbin (after its queue, after any
// rung move rewrote the timestamps: what the viewer receives), in a DepartureLog
// (adapt/frame_delay.h), so the page's per-frame arrival times can be set against it.
#pragma once

#include <gst/gst.h>

#include <memory>

#include "frame_delay.h"

namespace vtkstream::sink {

// Adds the probe on `pad` (an RTP src pad); the probe keeps `log` alive while the pad lives.
void watch_departures(GstPad* pad, std::shared_ptr<adapt::DepartureLog> log);

}  // namespace vtkstream::sink
