// The render size while someone interacts follows the rung of the viewer in control (issue 9,
// item 3): a viewer on the 360-line rung receives at most 360 lines, so a renderer drawing 720
// lines for it pays the render, readback and conversion of four times the pixels only for the
// rung's scaler to throw them away. The sink tells the renderer the largest size worth rendering
// (contract::kInteractiveCapEvent, upstream into vtksrc), and the renderer renders at most that
// while the interaction lasts; the still after it stays full size. Pure: no GStreamer (unit-tested
// in tests/adapt/test_interactive_cap.cpp); web_service.cpp sends what CapTracker says.
#pragma once

#include <optional>
#include <vector>

#include "rung_policy.h"

namespace vtkstream::adapt {

struct CapSize {
  unsigned width = 0, height = 0;  // 0x0: no cap
  bool operator==(const CapSize&) const = default;
};

// The cap for the controlling viewer's rung (`controller_rung` -1: nobody steers, or the
// controller has no rung yet). None for the top rung and for any rung of the input's own size
// (max_height 0). A rung limits lines only (its scaler keeps the aspect), so the cap's width is
// the resize limit: the renderer fits its own aspect into it.
CapSize interactive_cap(const std::vector<Rung>& ladder, int controller_rung);

// What was sent upstream, so the 1 s tick (and every viewer's reports) do not repeat an
// unchanged cap. The first decision is always sent, 0x0 included: a renderer (or a vtksrc) may
// still hold a cap from a pipeline that ran before this sink started. A source that refuses the
// event (one that is not vtksrc ignores it) is not asked again: vtksrc takes it whether or not a
// renderer is attached, and gives it to renderers that attach later.
class CapTracker {
 public:
  // The cap to send now, if it differs from what went upstream last.
  std::optional<CapSize> due(CapSize want) const;
  void sent(CapSize sent) { last_ = sent; }

 private:
  std::optional<CapSize> last_;  // none: nothing sent yet
};
}  // namespace vtkstream::adapt
