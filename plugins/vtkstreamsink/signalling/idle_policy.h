// When a quiet peer is warned and when it is closed (--idle-timeout, docs/protocol.md "Limits"):
// pure, so the timing is unit-tested without clocks. The warning goes out once per quiet spell,
// `idle_warning_lead_s` before the end (half the timeout for short ones, so a test's timeout of a
// few seconds still warns), and the page offers a "stay" button that answers it.
#pragma once

#include <algorithm>
#include <cstdint>

namespace vtkstream::sink {

inline constexpr int kIdleWarningMaxLeadS = 60;

inline constexpr int idle_warning_lead_s(int timeout_s) { return std::min(kIdleWarningMaxLeadS, timeout_s / 2); }

struct IdleStep {
  enum class Kind { kNothing, kWarn, kClose };
  Kind kind = Kind::kNothing;
  int seconds_left = 0;  // kWarn: whole seconds until the close, at least 1
};

// timeout_s 0 = never; idle_us: time since the peer's last input, control or stay message.
inline IdleStep idle_step(int timeout_s, int64_t idle_us, bool warned) {
  if (timeout_s <= 0) return {};
  const int64_t timeout_us = int64_t(timeout_s) * 1000000;
  if (idle_us >= timeout_us) return {IdleStep::Kind::kClose, 0};
  const int lead = idle_warning_lead_s(timeout_s);
  if (warned || lead <= 0 || idle_us < timeout_us - int64_t(lead) * 1000000) return {};
  const int64_t left_us = timeout_us - idle_us;
  return {IdleStep::Kind::kWarn, static_cast<int>(std::max<int64_t>(1, (left_us + 999999) / 1000000))};
}

}  // namespace vtkstream::sink
