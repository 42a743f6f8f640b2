// The playout-delay RTP header extension
// (http://www.webrtc.org/experiments/rtp-hdrext/playout-delay): the sender tells the receiver the
// least and most time it may hold a frame before showing it. With min = max = 0 Chromium drops its
// render smoothing and shows each frame as soon as it is decoded (the low-latency path cloud-gaming
// services use); the page's jitterBufferTarget / playoutDelayHint of 0 do not get it there alone.
// GStreamer 1.22 (base and plugins-rs) has no implementation, hence this one: a
// GstRTPHeaderExtension, registered as an element factory like GStreamer's own extensions, so a
// payloader's auto-header-extension finds it by URI too.
#pragma once

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

namespace vtkstream::sink {

inline constexpr const char* kPlayoutDelayUri = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
// The extmap id we offer it under. The payloaders are shared by every viewer, so the packets carry
// one id for all, also for WHEP viewers, whose own offers choose the ids: 14, the last of the
// one-byte header's. Firefox's offers use 3-7; Chromium's video m-line uses 14 for toffset (and
// offers playout-delay under 5), so a WHEP answer keeps 14 only where the offer has it as
// playout-delay (answer_extmap.h); a viewer that did not negotiate it ignores it.
inline constexpr guint kPlayoutDelayExtId = 14;

// The extension's type (element factory "rtphdrextplayoutdelay"); min-ms and max-ms properties,
// both 0 by default, in steps of 10 ms up to 40950.
GType playout_delay_ext_get_type();
gboolean register_playout_delay_ext(GstPlugin* plugin);

// A new extension with id kPlayoutDelayExtId, writing min = max = 0 (transfer full).
GstRTPHeaderExtension* make_playout_delay_ext();

// The delays in an extension's 3 data bytes: 12 bits of min, then 12 of max, in 10 ms units.
// false if fewer than 3 bytes.
bool parse_playout_delay(const guint8* data, gsize size, guint* min_ms, guint* max_ms);

}  // namespace vtkstream::sink
