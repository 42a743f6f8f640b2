// The render size while someone interacts: smaller than the full size when a full-size frame
// would not fit the cadence (ParaView's image reduction factor, vtk.js remote views' interactive
// ratio). The picture is shown at the same display size by the page, only blurrier while it
// moves; the full-size still follows when the interaction ends (render_policy.h).
//
// The choice comes from a cost model of one frame, fitted to what the renderer measures:
//   cost(pixels) = fixed + (render_per_pixel + encode_per_pixel) * pixels
// fixed and render_per_pixel are fitted to the measured render + readback times of the last
// sizes rendered; encode_per_pixel is the encoder's cost per pixel, which the renderer cannot
// see (the encoder runs in another process): a measured constant (bench-encode,
// docs/performance.md), overridable with --encode-cost.
// Pure: no VTK, no clock; unit-tested in tests/render/test_render_policy.cpp.
#pragma once

#include <map>

namespace vtkstream::render {

struct RenderSize {
  int w = 0, h = 0;
  bool operator==(const RenderSize& o) const { return w == o.w && h == o.h; }
  bool operator!=(const RenderSize& o) const { return !(*this == o); }
};

// The largest size within `cap` that keeps `full`'s aspect (both sides even, at least 16), or
// `full` itself when it fits already; a cap with a side <= 0 is none. The server's interactive
// cap is the rung the controlling viewer receives ("at most 360 lines": width 4096, height 360),
// and this is the size that rung's scaler would make of `full`, so it passes unscaled.
RenderSize fit_within(RenderSize full, RenderSize cap);
// The interactive size under a cap: `chosen` (InteractiveSizer's choice for `full`) or
// fit_within(full, cap), whichever has fewer pixels. Rendering more than the controlling viewer
// receives only feeds a downscale; rendering less than the sizer's choice is still needed when
// the machine cannot afford the cap's size.
RenderSize capped_interactive_size(RenderSize chosen, RenderSize full, RenderSize cap);

class InteractiveSizer {
 public:
  struct Options {
    double budget_ms = 1000.0 / 30;  // one cadence period
    double encode_ns_per_pixel = 10;
    // 0: choose from the cost model; in (0, 1]: always this fraction of each side (1 = off).
    double fixed_scale = 0;
    double min_scale = 0.25;
  };

  explicit InteractiveSizer(const Options& o) : opts_(o) {}

  // What one frame of w x h cost the renderer: render plus readback, in milliseconds.
  void record(int w, int h, double ms);
  // The interactive size for a full size; the full size itself when that fits the budget. Both
  // sides even (4:2:0 encoders need it), the aspect kept, and the scale rounded down to a multiple
  // of 1/8 so that small changes in the measurements do not change the size from drag to drag
  // (every size change costs the encoder a keyframe).
  RenderSize choose(int full_w, int full_h) const;
  // The fraction of each side choose() uses.
  double scale(int full_w, int full_h) const;
  // Whether anything was measured yet (before that, choose() answers the full size).
  bool measured() const { return !cost_.empty(); }

 private:
  // The fitted model, false while nothing has been measured.
  bool model(double* fixed_ms, double* ms_per_pixel) const;

  Options opts_;
  std::map<long, double> cost_;  // pixels -> smoothed ms, the few sizes rendered lately
};

}  // namespace vtkstream::render
