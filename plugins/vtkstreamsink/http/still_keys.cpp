#include "still_keys.h"

#include "auth.h"

namespace vtkstream::sink {

const std::string& StillKeys::key_for(uint32_t peer) {
  auto it = keys_.find(peer);
  if (it == keys_.end()) it = keys_.emplace(peer, generate_token()).first;
  return it->second;
}

std::optional<uint32_t> StillKeys::peer_of(std::string_view key) const {
  if (key.empty() || key.size() > 64) return std::nullopt;  // keys are 32 characters
  std::optional<uint32_t> found;
  // Every key is compared, so the time says nothing about which one (or how much of one) matched.
  for (const auto& [peer, k] : keys_)
    if (constant_time_equal(k, key)) found = peer;
  return found;
}

void StillKeys::forget(uint32_t peer) { keys_.erase(peer); }

}  // namespace vtkstream::sink
