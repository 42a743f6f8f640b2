// --max-input-rate: a token bucket per peer (rate N events/s, burst N). Transport-free;
// unit-tested in tests/serve/test_control.cpp.
//  * pointer and touch moves beyond the rate are coalesced, not dropped: the newest move (per
//    kind and touch id) waits and goes out when the bucket refills (take_due);
//  * releases (pu, ku, tu) always pass, so nothing stays pressed on the renderer;
//  * other records (press, wheel, key, resize) beyond the rate are dropped and counted.
// Records that go out are in arrival order, with waiting moves flushed before the next record.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol.h"

namespace vtkstream::sink {

class InputLimiter {
 public:
  explicit InputLimiter(double per_second) : rate_(per_second), tokens_(per_second) {}

  struct Out {
    std::vector<InputRecord> forward;
    bool dropped = false;  // a record was dropped over the rate
  };
  Out offer(const InputRecord& r, int64_t now_us);
  // Waiting moves that may go out now (a token each).
  std::vector<InputRecord> take_due(int64_t now_us);
  bool has_waiting() const { return !waiting_.empty(); }
  // Microseconds until the next token (0 if one is there).
  int64_t next_token_in_us(int64_t now_us);
  bool limited() const { return rate_ > 0; }

 private:
  void refill(int64_t now_us);
  double rate_;        // tokens per second; <= 0 = unlimited
  double tokens_;
  int64_t last_us_ = -1;
  std::vector<InputRecord> waiting_;  // coalesced moves
};

}  // namespace vtkstream::sink
