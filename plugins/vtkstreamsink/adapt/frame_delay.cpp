#include "frame_delay.h"

#include <algorithm>

namespace vtkstream::adapt {

void DepartureLog::note_packet(uint32_t rtp_ts, bool marker, size_t payload_bytes, int64_t now_us) {
  std::lock_guard lock(mu_);
  if (open_ && open_->rtp_ts != rtp_ts) {  // the previous frame's marker was lost: it ended
    frames_.push_back(*open_);
    open_.reset();
  }
  if (!open_) open_ = Departure{rtp_ts, now_us, 0};
  open_->t_us = now_us;
  open_->bytes += payload_bytes;
  if (marker) {
    frames_.push_back(*open_);
    open_.reset();
  }
  while (frames_.size() > kFrames) frames_.pop_front();
}

std::optional<DepartureLog::Departure> DepartureLog::find(uint32_t rtp_ts) const {
  std::lock_guard lock(mu_);
  // A timestamp that left twice is ambiguous: a rung move sends the picture it happened at again
  // from the new rung's encoder under the same timestamp (rtp_splice.h), and taking the later
  // departure for a frame that arrived from the earlier one made the empty path look 80 ms
  // shorter, so that every later frame seemed queued.
  std::optional<Departure> found;
  for (const Departure& d : frames_) {
    if (d.rtp_ts != rtp_ts) continue;
    if (found) return std::nullopt;
    found = d;
  }
  return found;
}

std::optional<NetDelay::Result> NetDelay::on_report(const std::vector<std::pair<uint32_t, double>>& frames,
                                                    const DepartureLog& log, int64_t now_us) {
  struct Placed {
    double offset_ms;
    uint64_t bytes;
  };
  std::vector<Placed> placed;
  for (const auto& [ts, arrival_ms] : frames) {
    const auto d = log.find(ts);
    if (!d) continue;  // older than the log, or from before a rung move's rewrite
    const double offset = arrival_ms - double(d->t_us) / 1000.0;
    placed.push_back({offset, d->bytes});
    offsets_.emplace_back(now_us, offset);
  }
  while (!offsets_.empty() && (offsets_.front().first < now_us - kBaseWindowUs || offsets_.size() > kMaxOffsets))
    offsets_.pop_front();
  if (placed.empty()) return std::nullopt;
  double base = offsets_.front().second;
  for (const auto& [t, o] : offsets_) base = std::min(base, o);
  Result r;
  for (const Placed& p : placed) {
    if (p.offset_ms - base >= r.queue_ms) r = {p.offset_ms - base, p.bytes};
  }
  return r;
}

}  // namespace vtkstream::adapt
