#include "ws_gop_cache.h"

namespace vtkstream::sink {

void GopCache::push(GBytes* data, bool keyframe, uint64_t input_seq, uint64_t pts_ns, bool after_gap) {
  if (keyframe || after_gap) clear();
  if (frames_.empty() && !keyframe) return;  // nothing to decode it against: wait for a keyframe
  const size_t n = g_bytes_get_size(data);
  if (bytes_ + n > max_bytes_) {
    clear();
    ++dropped_;
    return;
  }
  frames_.push_back({g_bytes_ref(data), keyframe, input_seq, pts_ns});
  bytes_ += n;
}

void GopCache::clear() {
  for (Frame& f : frames_) g_bytes_unref(f.data);
  frames_.clear();
  bytes_ = 0;
}

}  // namespace vtkstream::sink
