#include "size_ceiling.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace vtkstream::adapt {

namespace {

int64_t pixels_at(int height) { return int64_t(height) * height * 16 / 9; }

}  // namespace

int size_ceiling_kbps(const std::vector<Rung>& ladder, int width, int height) {
  if (width <= 0 || height <= 0) return 0;
  // (pixels, kbit/s), smallest picture first.
  std::vector<std::pair<int64_t, int>> points;
  for (const Rung& r : ladder) {
    if (r.max_kbps <= 0) continue;
    points.emplace_back(pixels_at(r.max_height > 0 ? r.max_height : kTopRungHeight), r.max_kbps);
  }
  if (points.empty()) return 0;
  std::sort(points.begin(), points.end());
  // Never less for a larger picture (a max-bitrate under a lower rung's ceiling).
  for (size_t i = 1; i < points.size(); ++i) points[i].second = std::max(points[i].second, points[i - 1].second);
  const int64_t px = int64_t(width) * height;
  if (px >= points.back().first) return points.back().second;
  if (px <= points.front().first)
    return std::max(kSizeCeilingFloorKbps, int(points.front().second * px / points.front().first));
  for (size_t i = 1; i < points.size(); ++i) {
    const auto [p1, k1] = points[i];
    if (px > p1) continue;
    const auto [p0, k0] = points[i - 1];
    return std::max(kSizeCeilingFloorKbps, int(k0 + (int64_t(k1) - k0) * (px - p0) / (p1 - p0)));
  }
  return points.back().second;
}

int applied_kbps(int requested, int ceiling, bool still) {
  if (still || ceiling <= 0) return requested;
  return std::min(requested, ceiling);
}

}  // namespace vtkstream::adapt
