// A model of WebSocket video's path for closed-loop tests of the controller (test_ws_acks.cpp):
// whole messages in a FIFO drained at the link's rate (a TCP connection through a tbf: TCP
// retransmits what the bucket drops, so loss reaches the application as delay, and the sender's
// in-flight window, ws_video_flow.h, bounds what queues), then a fixed base round trip for the
// page's ack to come back.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace vtkstream::adapt::test {

struct TcpLinkModel {
  double kbps;
  int64_t base_rtt_us = 20'000;
  struct Msg {
    uint32_t id;
    double bits_left;
  };
  std::deque<Msg> queue;
  struct Ack {
    uint32_t id;
    int64_t at_us;
  };
  std::deque<Ack> acks;  // on the way back, in order

  void send(uint32_t id, size_t bytes) { queue.push_back({id, bytes * 8.0}); }
  // Advances the link by `dt_us` ending at `now_us`: messages that arrive whole are acked.
  void step(int64_t now_us, int64_t dt_us) {
    double budget = kbps * 1000 * dt_us / 1e6;
    while (!queue.empty() && budget > 0) {
      Msg& m = queue.front();
      const double take = m.bits_left < budget ? m.bits_left : budget;
      m.bits_left -= take;
      budget -= take;
      if (m.bits_left <= 0) {
        acks.push_back({m.id, now_us + base_rtt_us});
        queue.pop_front();
      }
    }
  }
  // The acks that reach the server by `now_us`.
  std::vector<uint32_t> take_acks(int64_t now_us) {
    std::vector<uint32_t> out;
    while (!acks.empty() && acks.front().at_us <= now_us) {
      out.push_back(acks.front().id);
      acks.pop_front();
    }
    return out;
  }
};

}  // namespace vtkstream::adapt::test
