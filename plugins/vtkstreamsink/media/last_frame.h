// The newest raw picture that reached the sink, for "save picture" (/snapshot.png, http/snapshot.h):
// the renderer's own full-resolution frame, not a grab of the lossy video. A pad probe on the
// input tee's sink pad keeps a reference to every raw buffer as it passes (and its caps), and
// drops it when the input is not raw (VP8/H.264 pass-through: nothing to save) or the sink stops.
//
// Holding a reference costs no copy and, behind vtksrc, no buffer of its pool either: vtksrc copies
// each shm slot into a pool buffer (it never lends the shm ring itself) and keeps the last pushed
// buffer for its keep-alive repeats, so the buffer kept here is the one vtksrc keeps anyway (the
// probe runs inside vtksrc's push, before it lets the previous one go); its pool is unbounded
// unless downstream asks otherwise. A source whose pool is bounded (a camera's ring of a few
// buffers) would lose one buffer to us, so such buffers are copied instead.
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>

namespace vtkstream::sink {

class LastFrame {
 public:
  explicit LastFrame(GstPad* pad);  // the input tee's sink pad (transfer none; outlives us)
  ~LastFrame();
  LastFrame(const LastFrame&) = delete;
  LastFrame& operator=(const LastFrame&) = delete;

  // The newest raw frame with its caps (transfer full), or nullptr with *why set.
  GstSample* sample(std::string* why) const;
  void clear();  // the sink stopped: hold nothing

 private:
  static GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer self);
  void keep(GstBuffer* buf);
  void set_caps(GstCaps* caps);
  bool bounded_pool(GstBufferPool* pool);

  GstPad* pad_;
  gulong probe_ = 0;
  mutable std::mutex lock_;
  GstBuffer* buffer_ = nullptr;  // our reference
  GstCaps* caps_ = nullptr;      // our reference; raw video only
  std::string why_none_ = "no picture has reached the server yet";
  GstBufferPool* last_pool_ = nullptr;  // streaming thread: the pool checked last, and whether
  bool last_pool_bounded_ = false;      // it is bounded (a pool's limits do not change while active)
};

}  // namespace vtkstream::sink
