// Flow control of one viewer's WebSocket video (docs/protocol.md "WebSocket video"): which
// encoded frames go out, given the page's acks. Pure C++ with the time passed in, so the rules
// are unit-tested without sockets.
//
// The rules: at most kMaxInFlight frames sent and not yet acked (kMaxInFlight + kBehindKeyframe
// from a keyframe until the window drained below kMaxInFlight). A frame that finds the window full is skipped, and so is every frame after it until a keyframe: a decoder cannot use a delta
// frame whose predecessor it never got, and queueing instead would only make the picture later
// (TCP already holds what is in flight). While skipping with room in the window the viewer wants
// a keyframe (want_keyframe; the caller asks the encoder, whose guard limits the rate). The first
// frame sent is a keyframe (or a joiner's replay of the cached GOP, replay()). The echo of input (`seq`) a skipped frame carried rides on the next
// frame sent, so input-to-photon still resolves. Memory: the window (two entries) and counters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace vtkstream::sink {

class WsVideoFlow {
 public:
  static constexpr size_t kMaxInFlight = 2;
  // From a keyframe (or a joiner's replay) until the window has drained below kMaxInFlight again,
  // up to this many more frames go out behind it instead of being skipped. A keyframe is tens of kilobytes whatever the bitrate: at
  // 1 Mbit/s it takes a quarter of a second, so the two-frame window overflowed at every keyframe,
  // the overflow skipped to the next keyframe, and that one overflowed again (a closed-loop model
  // of a 1 Mbit/s path, tests/adapt/test_ws_acks.cpp, skipped two frames in three; the bench
  // counted 171 skipped in a 1 Mbit/s run). Deltas queued behind a keyframe cost the page only
  // the keyframe's own transmission time, which it waits anyway.
  static constexpr size_t kBehindKeyframe = 8;
  // While skipping with room in the window, ask again for a keyframe after this long (the first
  // request may have fallen inside the encoder's guard or been lost with a renderer restart).
  static constexpr int64_t kKeyframeRetryUs = 1'000'000;

  struct Offer {
    bool send = false;
    uint32_t frame_id = 0;  // when send
    uint64_t seq = 0;       // the echo to put in the header (0: none)
    bool want_keyframe = false;
  };
  // An encoded frame is ready; `echo_seq` is this viewer's newest input it reflects (0: none).
  Offer offer(bool keyframe, size_t bytes, uint64_t echo_seq, int64_t now_us);

  struct AckResult {
    bool known = false;                // it acked at least one frame in flight
    std::optional<int64_t> rtt_us;     // send -> ack of the newest frame it acked
    bool want_keyframe = false;
  };
  AckResult ack(uint32_t frame_id, int64_t now_us);
  // A joiner's replay of the cached GOP (ws_gop_cache.h), before any other frame: `frames`
  // frames (a keyframe first) of `bytes` in all, sent at once. It takes ids first..first+frames-1
  // (the return value is the first) and counts as ONE frame in flight, acked by the ack of its
  // last frame (acks are cumulative): the exception to the in-flight limit, bounded by the
  // cache's byte limit, so the live frame after it still goes out and decodes.
  uint32_t replay(size_t frames, size_t bytes, int64_t now_us);
  // Frames were lost before they reached us: the next frame sent must be a keyframe.
  void lost() { need_keyframe_ = true; }
  // A frame skipped before offer() because the socket takes no more: counted like a skip.
  void skipped_full(size_t bytes) {
    need_keyframe_ = true;
    ++skipped_;
    ++full_;
    bytes_offered_ += bytes;
  }

  size_t in_flight() const { return window_.size(); }
  size_t in_flight_bytes() const;
  uint64_t bytes_sent() const { return bytes_sent_; }
  // Every frame the encoder had for this viewer, sent or skipped (what it would have taken).
  uint64_t bytes_offered() const { return bytes_offered_; }
  uint64_t bytes_acked() const { return bytes_acked_; }
  uint64_t frames_sent() const { return next_id_ - 1; }
  uint64_t frames_skipped() const { return skipped_; }
  // Of those, the frames that found the path full (the window or the socket): the congestion
  // events, without the frames skipped after them while waiting for a keyframe.
  uint64_t frames_skipped_full() const { return full_; }

 private:
  bool want_keyframe_now(int64_t now_us);

  struct Sent {
    uint32_t id;
    size_t bytes;
    int64_t t_us;
  };
  size_t limit() const { return behind_key_ ? kMaxInFlight + kBehindKeyframe : kMaxInFlight; }
  bool behind_key_ = false;  // a keyframe went out and the window has not drained since
  std::deque<Sent> window_;
  uint32_t next_id_ = 1;
  bool need_keyframe_ = true;  // the first frame, and after a skip
  uint64_t pending_seq_ = 0;   // an echo a skipped frame carried
  std::optional<int64_t> last_key_request_us_;
  uint64_t bytes_sent_ = 0, bytes_acked_ = 0, bytes_offered_ = 0, skipped_ = 0, full_ = 0;
};

}  // namespace vtkstream::sink
