// The numbers congestion control needs from webrtcbin's get-stats reply: how much was sent to
// the viewer (outbound-rtp) and what the viewer's RTCP receiver reports said (remote-inbound-rtp:
// fraction lost, jitter, round-trip time). Everything else in the reply is ignored.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <optional>

namespace vtkstream::sink {

struct RtcStats {
  std::optional<uint64_t> bytes_sent;
  // From the newest receiver report; absent until the browser sent one.
  std::optional<double> fraction_lost, jitter_s, rtt_s;
};

RtcStats rtc_stats_from(const GstStructure* reply);

}  // namespace vtkstream::sink
