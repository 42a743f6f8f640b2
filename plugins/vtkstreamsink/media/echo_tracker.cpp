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

uint64_t EchoTracker::frame_for(uint32_t peer, uint64_t input_seq, Transport transport) {
  if (input_seq == 0) return 0;
  std::lock_guard lock(lock_);
  auto it = peers_.find(peer);
  if (it == peers_.end() || it->second.transport != transport) return 0;
  auto& pending = it->second.pending;
  uint64_t newest = 0;
  while (!pending.empty() && pending.front().first <= input_seq) {
    newest = pending.front().second;
    pending.pop_front();
  }
  return newest;
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
