// How many page reports (`stats`, docs/protocol.md "Link statistics") of one viewer reach its
// congestion controller: a token bucket, kPerSecond on average and kBurst at once.
//
// Why: every report fed asks webrtcbin for its statistics and looks its `frames` up in the
// viewer's departure log (adapt/frame_delay.h), about 60 us of the sink's main context each;
// a page sending them as fast as its socket allows (7,000-12,000 a second over loopback) kept
// that context busy, and another viewer's `ping` waited 100-650 ms for its `pong`. The web client
// sends one every 300 ms; the extra ones of a faster page are ignored. Their counters are
// cumulative, so the next report fed carries what a skipped one said.
//
// Written here rather than taken from GLib, which has no token bucket; InputLimiter's one is
// shaped for input records (coalesced moves, releases that always pass).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace vtkstream::adapt {

class ReportPacer {
 public:
  static constexpr double kPerSecond = 10;  // three times the web client's rate
  static constexpr double kBurst = 5;       // timers a busy page fires late, back to back

  // True when a report arriving at `now_us` is to be fed; false when it is over the rate.
  bool offer(int64_t now_us) {
    if (last_us_) tokens_ = std::min(kBurst, tokens_ + double(now_us - *last_us_) * kPerSecond / 1e6);
    last_us_ = now_us;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double tokens_ = kBurst;
  std::optional<int64_t> last_us_;
};

}  // namespace vtkstream::adapt
