// At most one keyframe request per guard interval, for one encoder (the top rung's in Media, each
// lower rung's in RungEncode). Browsers send PLI/FIR in bursts after loss, and joining viewers and
// rung moves each ask too; on a slow link every keyframe is tens of kilobytes (Media::
// keyframe_guard_ms() says how long the guard is at a bitrate). A request inside the guard is not
// dropped but deferred once to its end, so that a viewer joining right after another still gets
// its keyframe without waiting for its own PLI. Sink context only (the deferred request is a timer
// on the thread-default context, sink_context.h).
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>

namespace vtkstream::sink {

class KeyframeGuard {
 public:
  // `send` asks the encoder for a keyframe now and says whether it could (false: nothing to ask
  // yet, e.g. before the first caps; nothing is recorded then). `guard_ms` is read at each
  // request, so the guard follows the encoder's bitrate.
  // `send(join)`: `join` when a request since the last one sent was a join's (join_keyframe.h).
  KeyframeGuard(std::function<bool(bool join)> send, std::function<int()> guard_ms);
  ~KeyframeGuard();  // a deferred request is cancelled
  KeyframeGuard(const KeyframeGuard&) = delete;
  KeyframeGuard& operator=(const KeyframeGuard&) = delete;

  // `join`: for a viewer who joins with nothing to decode; a small keyframe serves every request
  // it is merged with.
  void request(bool join = false);
  bool deferred() const { return timer_ != nullptr; }

  // How long a request at `now_us` waits when the last keyframe was asked for at `last_us`
  // (0: never) with a guard of `guard_ms`; 0 means at once.
  static int64_t wait_us(int64_t last_us, int64_t now_us, int guard_ms);

 private:
  std::function<bool(bool)> send_;
  bool join_ = false;  // a join's request is waiting
  std::function<int()> guard_ms_;
  int64_t last_us_ = 0;
  GSource* timer_ = nullptr;
};

}  // namespace vtkstream::sink
