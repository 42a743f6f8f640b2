#include "ws_video_flow.h"

#include <algorithm>

namespace vtkstream::sink {

bool WsVideoFlow::want_keyframe_now(int64_t now_us) {
  if (window_.size() >= kMaxInFlight) return false;  // asked when an ack makes room
  if (last_key_request_us_ && now_us - *last_key_request_us_ < kKeyframeRetryUs) return false;
  last_key_request_us_ = now_us;
  return true;
}

WsVideoFlow::Offer WsVideoFlow::offer(bool keyframe, size_t bytes, uint64_t echo_seq, int64_t now_us) {
  pending_seq_ = std::max(pending_seq_, echo_seq);
  bytes_offered_ += bytes;
  Offer o;
  const size_t limit = this->limit();
  if (keyframe && window_.size() < limit) need_keyframe_ = false;
  if (need_keyframe_ || window_.size() >= limit) {
    if (window_.size() >= limit) ++full_;
    need_keyframe_ = true;
    ++skipped_;
    o.want_keyframe = want_keyframe_now(now_us);
    return o;
  }
  o.send = true;
  o.frame_id = next_id_++;
  o.seq = pending_seq_;
  pending_seq_ = 0;
  last_key_request_us_.reset();
  window_.push_back({o.frame_id, bytes, now_us});
  if (keyframe) behind_key_ = true;
  bytes_sent_ += bytes;
  return o;
}

uint32_t WsVideoFlow::replay(size_t frames, size_t bytes, int64_t now_us) {
  const uint32_t first = next_id_;
  if (frames == 0) return first;
  next_id_ += static_cast<uint32_t>(frames);
  window_.push_back({next_id_ - 1, bytes, now_us});
  behind_key_ = true;
  bytes_sent_ += bytes;
  bytes_offered_ += bytes;
  need_keyframe_ = false;  // the replay starts with one
  return first;
}

WsVideoFlow::AckResult WsVideoFlow::ack(uint32_t frame_id, int64_t now_us) {
  AckResult r;
  while (!window_.empty() && window_.front().id <= frame_id) {
    r.known = true;
    r.rtt_us = now_us - window_.front().t_us;
    bytes_acked_ += window_.front().bytes;
    window_.pop_front();
  }
  if (window_.size() < kMaxInFlight) behind_key_ = false;
  if (r.known && need_keyframe_) r.want_keyframe = want_keyframe_now(now_us);
  return r;
}

size_t WsVideoFlow::in_flight_bytes() const {
  size_t n = 0;
  for (const Sent& s : window_) n += s.bytes;
  return n;
}

}  // namespace vtkstream::sink
