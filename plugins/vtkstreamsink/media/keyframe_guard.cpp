#include "keyframe_guard.h"

#include <algorithm>

#include "sink_context.h"

namespace vtkstream::sink {

KeyframeGuard::KeyframeGuard(std::function<bool(bool)> send, std::function<int()> guard_ms)
    : send_(std::move(send)), guard_ms_(std::move(guard_ms)) {}

KeyframeGuard::~KeyframeGuard() { cancel_source(timer_); }

int64_t KeyframeGuard::wait_us(int64_t last_us, int64_t now_us, int guard_ms) {
  if (last_us == 0) return 0;
  return std::max<int64_t>(0, last_us + int64_t(guard_ms) * 1000 - now_us);
}

void KeyframeGuard::request(bool join) {
  join_ = join_ || join;
  const int64_t now = g_get_monotonic_time();
  const int64_t wait = wait_us(last_us_, now, guard_ms_());
  if (wait > 0) {
    // Too soon after the last one: ask once more when the guard ends (one timer for any number
    // of requests inside it).
    if (!timer_)
      timer_ = add_timeout(static_cast<guint>(wait / 1000 + 1), [this] {
        cancel_source(timer_);
        request();
        return false;
      });
    return;
  }
  if (send_(join_)) {
    last_us_ = now;
    join_ = false;
  }
}

}  // namespace vtkstream::sink
