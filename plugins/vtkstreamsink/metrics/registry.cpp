#include "registry.h"

#include <cmath>

namespace vtkstream::sink {

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // clock steps and NaN count as zero, never as negative
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds.assign(kBounds.begin(), kBounds.end());
  uint64_t total = 0;
  for (const auto& b : buckets_) {
    total += b.load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

void SinkMetrics::tick(int64_t now_us) {
  const uint64_t frames = frames_encoded.value(), enc = encoded_bytes.value(), web = webrtc_sent_bytes.value(),
                 mj = mjpeg_sent_bytes.value();
  std::lock_guard lock(rate_lock_);
  if (last_us_ != 0 && now_us > last_us_) {
    const double dt = static_cast<double>(now_us - last_us_) / 1e6;
    rates_.fps = static_cast<double>(frames - last_frames_) / dt;
    rates_.encoded_kbps = static_cast<double>(enc - last_encoded_) * 8 / 1000 / dt;
    rates_.webrtc_kbps = static_cast<double>(web - last_webrtc_) * 8 / 1000 / dt;
    rates_.mjpeg_kbps = static_cast<double>(mj - last_mjpeg_) * 8 / 1000 / dt;
  }
  last_us_ = now_us;
  last_frames_ = frames;
  last_encoded_ = enc;
  last_webrtc_ = web;
  last_mjpeg_ = mj;
}

SinkMetrics::Rates SinkMetrics::rates() const {
  std::lock_guard lock(rate_lock_);
  return rates_;
}

}  // namespace vtkstream::sink
