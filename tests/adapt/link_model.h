// A model of the links the traces are recorded on, for closed-loop tests of the controller.
#pragma once

#include <algorithm>
#include <cstdint>

namespace vtkstream::adapt::test {

// A token bucket with a 200 ms queue (what `tc tbf ... latency 200ms` does: a full queue drops):
// the sender puts `target_kbps` in for `dt_us`; the link carries `kbps` and queues up to
// 200 ms of it.
struct LinkModel {
  double kbps;
  double queue_bits = 0;
  uint64_t sent = 0, received = 0, packets = 0, lost = 0;
  double lost_bits = 0;

  void step(double target_kbps, int64_t dt_us) {
    const double in = target_kbps * 1000 * dt_us / 1e6;
    const double out_cap = kbps * 1000 * dt_us / 1e6;
    sent += uint64_t(in / 8);
    queue_bits += in;
    const double out = std::min(queue_bits, out_cap);
    queue_bits -= out;
    received += uint64_t(out / 8);
    packets = received / 1200;
    const double max_q = kbps * 1000 * 0.2;
    if (queue_bits > max_q) {
      lost_bits += queue_bits - max_q;
      lost = uint64_t(lost_bits / 8 / 1200);
      queue_bits = max_q;
    }
  }
  double delay_ms() const { return queue_bits / (kbps * 1000) * 1000; }
};

}  // namespace vtkstream::adapt::test
