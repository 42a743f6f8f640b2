#include "echo_tracker.h"

namespace vtkstream::sink {

uint64_t EchoTracker::record(uint32_t peer, uint64_t client_seq) {
  std::lock_guard lock(lock_);
  const uint64_t global = next_++;
  if (client_seq == 0) return global;
  auto& pending = peers_[peer].pending;
  pending.emplace_back(global, client_seq);
  if (pending.size() > kMaxPendingPerPeer) pending.pop_front();
  return global;
}

std::vector<EchoTracker::Echo> EchoTracker::frame(uint64_t input_seq, Transport transport) {
  std::vector<Echo> out;
  if (input_seq == 0) return out;
  std::lock_guard lock(lock_);
  for (auto& [peer, e] : peers_) {
    if (e.transport != transport) continue;
    uint64_t newest = 0;
    while (!e.pending.empty() && e.pending.front().first <= input_seq) {
      newest = e.pending.front().second;
      e.pending.pop_front();
    }
    if (newest) out.push_back({peer, newest});
  }
  return out;
}

void EchoTracker::set_transport(uint32_t peer, Transport t) {
  std::lock_guard lock(lock_);
  peers_[peer].transport = t;
}

void EchoTracker::remove_peer(uint32_t peer) {
  std::lock_guard lock(lock_);
  peers_.erase(peer);
}

}  // namespace vtkstream::sink
