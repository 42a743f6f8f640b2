#include "admission.h"

#include <algorithm>

namespace vtkstream::sink {

size_t view_slots(const Slots& s) {
  if (s.max_peers == 0) return 0;
  return s.max_peers - std::min(s.owner_slots, s.max_peers - 1);
}

std::optional<std::string> refuse_peer(Role role, size_t peers, size_t view_peers, const Slots& s) {
  if (peers >= s.max_peers) return "too many peers (max-peers " + std::to_string(s.max_peers) + ")";
  if (role == Role::kViewer && view_peers >= view_slots(s))
    return "too many view-only peers (" + std::to_string(view_slots(s)) + " of max-peers " +
           std::to_string(s.max_peers) + "; the rest are kept for the control link)";
  return std::nullopt;
}

}  // namespace vtkstream::sink
