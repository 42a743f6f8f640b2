// The current group of pictures for WebSocket viewers who join (docs/protocol.md "WebSocket
// video"): the newest keyframe and every frame since, so a joining page gets a decodable picture
// at once instead of waiting for a new keyframe (which the encoder's keyframe guard may defer by
// up to 2 s, media.h). Bounded in bytes: a GOP that outgrows kMaxBytes (a long drag since the last
// keyframe) is dropped, and the cache stays empty until the next keyframe; a joiner then asks for
// a keyframe as before. Replaying more than that would also take longer on a slow link than a
// fresh keyframe does. Pure C++ on GBytes, so the rules are unit-tested.
#pragma once

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <deque>

namespace vtkstream::sink {

class GopCache {
 public:
  static constexpr size_t kMaxBytes = 256 * 1024;

  struct Frame {
    GBytes* data;  // a reference the cache holds
    bool keyframe;
    uint64_t input_seq;
    uint64_t pts_ns;
  };

  explicit GopCache(size_t max_bytes = kMaxBytes) : max_bytes_(max_bytes) {}
  ~GopCache() { clear(); }
  GopCache(const GopCache&) = delete;
  GopCache& operator=(const GopCache&) = delete;

  // A frame as it left the encoder, in order. `after_gap`: frames before it never reached us, so
  // what is cached no longer decodes into the current picture.
  void push(GBytes* data, bool keyframe, uint64_t input_seq, uint64_t pts_ns, bool after_gap);
  void clear();

  // Starts with a keyframe, or is empty.
  const std::deque<Frame>& frames() const { return frames_; }
  size_t bytes() const { return bytes_; }
  uint64_t dropped() const { return dropped_; }  // GOPs dropped for outgrowing the bound

 private:
  size_t max_bytes_;
  std::deque<Frame> frames_;
  size_t bytes_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace vtkstream::sink
