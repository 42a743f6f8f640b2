// The renderer's newest still (the frame meta's `still`, vtksrc-contract.h: the settled,
// full-size picture after an interaction), kept for the viewers that show the crisp still, who
// get it as an image over HTTP (http/still_image.h) on top of their video's picture.
//
// A pad probe on the input tee's sink pad, next to LastFrame's. The renderer republishes its still
// a few times (same input seq) before going idle: the first copy is the new still, the others
// are the same picture and ignored. Nothing is kept, and the listener is not called, while
// nobody wants stills (set_wanted(false): no viewer said `stills`): such an audience costs one
// meta lookup per frame.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace vtkstream::sink {

class StillFrame {
 public:
  // Called on the streaming thread with the new still's id (1, 2, ...); post elsewhere.
  using Listener = std::function<void(uint64_t id)>;

  explicit StillFrame(GstPad* pad);  // the input tee's sink pad (transfer none; outlives us)
  ~StillFrame();
  StillFrame(const StillFrame&) = delete;
  StillFrame& operator=(const StillFrame&) = delete;

  void set_listener(Listener l);
  void set_wanted(bool wanted) { wanted_.store(wanted, std::memory_order_relaxed); }
  // The newest still, its id and when it arrived (g_get_monotonic_time) (transfer full), or nullptr.
  GstSample* sample(uint64_t* id, int64_t* arrived_us = nullptr) const;
  void clear();  // the sink stopped

 private:
  static GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo* info, gpointer self);
  void keep(GstBuffer* buf);

  GstPad* pad_;
  gulong probe_ = 0;
  std::atomic<bool> wanted_{false};
  mutable std::mutex lock_;
  Listener listener_;
  GstSample* sample_ = nullptr;  // our reference
  uint64_t id_ = 0;
  int64_t arrived_us_ = 0;
  // The still last seen (streaming thread): its input seq and size; a copy of it is no new still.
  uint64_t last_seq_ = UINT64_MAX;
  int last_w_ = 0, last_h_ = 0;
};

}  // namespace vtkstream::sink
