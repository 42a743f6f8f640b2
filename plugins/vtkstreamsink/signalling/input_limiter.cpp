#include "input_limiter.h"

#include <algorithm>
#include <cmath>

namespace vtkstream::sink {

namespace {
using K = InputRecord::Kind;
bool is_move(K k) { return k == K::kPointerMove || k == K::kTouchMove; }
bool is_release(K k) { return k == K::kPointerUp || k == K::kKeyUp || k == K::kTouchUp; }
}  // namespace

void InputLimiter::refill(int64_t now_us) {
  if (last_us_ >= 0 && now_us > last_us_)
    tokens_ = std::min(std::max(rate_, 1.0), tokens_ + rate_ * double(now_us - last_us_) / 1e6);
  if (now_us > last_us_) last_us_ = now_us;
}

InputLimiter::Out InputLimiter::offer(const InputRecord& r, int64_t now_us) {
  Out out;
  if (rate_ <= 0) {
    out.forward.push_back(r);
    return out;
  }
  refill(now_us);
  if (is_move(r.kind)) {
    if (waiting_.empty() && tokens_ >= 1) {
      tokens_ -= 1;
      out.forward.push_back(r);
      return out;
    }
    auto same = std::find_if(waiting_.begin(), waiting_.end(), [&](const InputRecord& w) {
      return w.kind == r.kind && w.touch_id == r.touch_id;
    });
    if (same != waiting_.end()) *same = r;  // coalesced: the newest position wins
    else waiting_.push_back(r);
    return out;
  }
  // Anything else goes after the moves that came before it.
  if (is_release(r.kind) || tokens_ >= 1) {
    out.forward = std::move(waiting_);
    waiting_.clear();
    tokens_ = std::max(0.0, tokens_ - double(out.forward.size()));
    if (!is_release(r.kind)) tokens_ = std::max(0.0, tokens_ - 1);
    out.forward.push_back(r);
    return out;
  }
  out.dropped = true;
  return out;
}

std::vector<InputRecord> InputLimiter::take_due(int64_t now_us) {
  std::vector<InputRecord> out;
  refill(now_us);
  while (!waiting_.empty() && tokens_ >= 1) {
    out.push_back(waiting_.front());
    waiting_.erase(waiting_.begin());
    tokens_ -= 1;
  }
  return out;
}

int64_t InputLimiter::next_token_in_us(int64_t now_us) {
  if (rate_ <= 0) return 0;
  refill(now_us);
  if (tokens_ >= 1) return 0;
  return static_cast<int64_t>(std::ceil((1 - tokens_) * 1e6 / rate_));
}

}  // namespace vtkstream::sink
