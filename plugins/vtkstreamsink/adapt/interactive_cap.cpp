#include "interactive_cap.h"

#include "vtkstream/shm_layout.h"

namespace vtkstream::adapt {

CapSize interactive_cap(const std::vector<Rung>& ladder, int controller_rung) {
  if (controller_rung <= 0 || controller_rung >= static_cast<int>(ladder.size())) return {};
  const int lines = ladder[static_cast<size_t>(controller_rung)].max_height;
  if (lines <= 0) return {};
  const unsigned h = static_cast<unsigned>(lines);
  if (h < shm::kMinRequestedDimension || h > shm::kMaxRequestedDimension) return {};
  return {shm::kMaxRequestedDimension, h};
}

std::optional<CapSize> CapTracker::due(CapSize want) const {
  if (last_ && *last_ == want) return std::nullopt;
  return want;
}

}  // namespace vtkstream::adapt
