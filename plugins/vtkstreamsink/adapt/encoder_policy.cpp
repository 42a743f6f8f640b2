#include "encoder_policy.h"

#include <cstdlib>

namespace vtkstream::adapt {

std::optional<int> shared_encoder_kbps(const std::vector<ViewerEstimate>& viewers) {
  for (const ViewerEstimate& v : viewers)
    if (v.controlling) return v.kbps;
  if (viewers.size() == 1) return viewers.front().kbps;
  return std::nullopt;
}

bool worth_changing(int from, int to) {
  const int d = std::abs(to - from);
  return d > 0 && d * 20 >= from;
}

}  // namespace vtkstream::adapt
