// A plain-text trace of what one viewer's RateController saw, one event per line, so a real
// session over a rate-limited link can be recorded (VTKSTREAM_ADAPT_TRACE=FILE on the server)
// and replayed through the controller in unit tests (tests/adapt). Times are the server's
// monotonic clock in microseconds; "-" marks a value that was not measured.
//
//   S t_us peer bytes_sent                                    webrtcbin outbound-rtp
//   R t_us peer fraction_lost jitter_s rtt_s                  webrtcbin remote-inbound-rtp (RTCP RR)
//   P t_us peer bytes packets lost decoded dropped freezes freeze_ms jb_delay_ms jb_emitted delay_ms [net_queue_ms net_frame_bytes]
//   T t_us peer target_kbps state                             the controller's decision (for reading)
//   L t_us link_kbps                                          written by the recording script: the link changed
//                                                             (0 = unconstrained, -1 = an outage: everything dropped)
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "rate_controller.h"

namespace vtkstream::adapt {

struct TargetMark {
  int64_t t_us = 0;
  int kbps = 0;
  std::string state;
};
struct LinkMark {
  int64_t t_us = 0;
  int kbps = 0;  // 0 = unconstrained, -1 = an outage
};

using TraceEvent = std::variant<SenderSample, ReceiverReport, PageReport, TargetMark, LinkMark>;
struct TraceLine {
  uint32_t peer = 0;  // 0 for L lines
  TraceEvent event;
};

std::string trace_line(uint32_t peer, const SenderSample& s);
std::string trace_line(uint32_t peer, const ReceiverReport& r);
std::string trace_line(uint32_t peer, const PageReport& p);
std::string trace_line(uint32_t peer, const TargetMark& m);
// nullopt for a blank, comment (#) or malformed line.
std::optional<TraceLine> parse_trace_line(const std::string& line);

}  // namespace vtkstream::adapt
