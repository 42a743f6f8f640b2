#include "interactive_size.h"

#include <algorithm>
#include <cmath>

namespace vtkstream::render {

namespace {
constexpr double kSmoothing = 0.3;  // weight of a new measurement
constexpr size_t kMaxSizes = 4;     // sizes remembered for the fit
constexpr double kStep = 1.0 / 8;

int even_at_least(double v, int min) { return std::max(min, static_cast<int>(v / 2) * 2); }
}  // namespace

void InteractiveSizer::record(int w, int h, double ms) {
  if (w <= 0 || h <= 0 || !std::isfinite(ms) || ms < 0) return;
  const long px = long(w) * h;
  auto it = cost_.find(px);
  if (it == cost_.end()) {
    if (cost_.size() >= kMaxSizes) {
      // Forget the size nearest to the new one: the fit needs sizes far apart.
      auto nearest = std::min_element(cost_.begin(), cost_.end(), [px](const auto& a, const auto& b) {
        return std::labs(a.first - px) < std::labs(b.first - px);
      });
      cost_.erase(nearest);
    }
    cost_[px] = ms;
  } else {
    it->second += kSmoothing * (ms - it->second);
  }
}

bool InteractiveSizer::model(double* fixed_ms, double* ms_per_pixel) const {
  if (cost_.empty()) return false;
  if (cost_.size() == 1) {
    // One size only: all of it counts as per-pixel cost, which overestimates the cost of smaller
    // frames and so errs on the small side until a second size is measured.
    *fixed_ms = 0;
    *ms_per_pixel = cost_.begin()->second / double(cost_.begin()->first);
    return true;
  }
  // Least squares line through (pixels, ms).
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [px, ms] : cost_) {
    n += 1;
    sx += double(px);
    sy += ms;
    sxx += double(px) * double(px);
    sxy += double(px) * ms;
  }
  const double den = n * sxx - sx * sx;
  double slope = den > 0 ? (n * sxy - sx * sy) / den : 0;
  // Measurements on a loaded machine can make smaller frames look dearer; the cost never falls
  // with more pixels, so fall back to the proportional model through the largest size.
  if (slope <= 0) {
    const auto& [px, ms] = *cost_.rbegin();
    *fixed_ms = 0;
    *ms_per_pixel = ms / double(px);
    return true;
  }
  *ms_per_pixel = slope;
  *fixed_ms = std::max(0.0, (sy - slope * sx) / n);
  return true;
}

double InteractiveSizer::scale(int full_w, int full_h) const {
  if (opts_.fixed_scale > 0) return std::min(1.0, opts_.fixed_scale);
  double fixed = 0, per_px = 0;
  if (full_w <= 0 || full_h <= 0 || !model(&fixed, &per_px)) return 1.0;
  const double full_px = double(full_w) * full_h;
  const double per_px_total = per_px + opts_.encode_ns_per_pixel * 1e-6;
  const double room = opts_.budget_ms - fixed;
  if (per_px_total <= 0 || fixed + per_px_total * full_px <= opts_.budget_ms) return 1.0;
  // Even the fixed part alone overruns the budget: only resolution can help, so go smallest.
  if (room <= 0) return opts_.min_scale;
  const double s = std::sqrt(room / per_px_total / full_px);
  const double stepped = std::floor(s / kStep) * kStep;
  return std::clamp(stepped, opts_.min_scale, 1.0);
}

RenderSize InteractiveSizer::choose(int full_w, int full_h) const {
  const double s = scale(full_w, full_h);
  if (s >= 1.0) return {full_w, full_h};
  return {even_at_least(full_w * s, 16), even_at_least(full_h * s, 16)};
}

RenderSize fit_within(RenderSize full, RenderSize cap) {
  if (cap.w <= 0 || cap.h <= 0 || full.w <= 0 || full.h <= 0) return full;
  if (full.w <= cap.w && full.h <= cap.h) return full;
  // Integer arithmetic: 1080 * (360.0 / 1080) in doubles is 359.999..., which would floor to 358.
  long w = 0, h = 0;
  if (long(cap.w) * full.h >= long(cap.h) * full.w) {  // the height binds
    h = cap.h;
    w = long(full.w) * cap.h / full.h;
  } else {
    w = cap.w;
    h = long(full.h) * cap.w / full.w;
  }
  return {even_at_least(double(w), 16), even_at_least(double(h), 16)};
}

RenderSize capped_interactive_size(RenderSize chosen, RenderSize full, RenderSize cap) {
  const RenderSize capped = fit_within(full, cap);
  return long(capped.w) * capped.h < long(chosen.w) * chosen.h ? capped : chosen;
}

}  // namespace vtkstream::render
