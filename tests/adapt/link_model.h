// A model of the links the traces are recorded on, for closed-loop tests of the controller.
#pragma once

#include <algorithm>
#include <cstdint>

namespace vtkstream::adapt::test {

// A token bucket with a 200 ms queue (what `tc tbf ... latency 200ms` does: a full queue drops):
// the sender puts `target_kbps` in for `dt_us`; the link carries `kbps` and queues up to
// 200 ms of it. `bucket_bits` is tbf's burst: what an idle link saves up and lets through at
// once (the e2e tests' links: 16 kB), so a short burst arrives faster than the link's rate.
struct LinkModel {
  double kbps;
  double bucket_bits = 0;
  double queue_bits = 0, tokens_bits = 0;
  uint64_t sent = 0, received = 0, packets = 0, lost = 0;
  double lost_bits = 0;

  void step(double target_kbps, int64_t dt_us) {
    const double in = target_kbps * 1000 * dt_us / 1e6;
    const double out_cap = tokens_bits + kbps * 1000 * dt_us / 1e6;
    sent += uint64_t(in / 8);
    queue_bits += in;
    const double out = std::min(queue_bits, out_cap);
    queue_bits -= out;
    tokens_bits = std::min(bucket_bits, out_cap - out);
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
