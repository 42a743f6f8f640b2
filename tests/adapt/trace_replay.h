// Replays a recorded trace (plugins/vtkstreamsink/adapt/trace.h) through a fresh RateController:
// every input in recorded order, and the sink's 1 s tick in between, as the sink would. The
// controller's own decisions in the trace (T lines) are not used: the test judges this build's
// controller against what the link did (L lines).
#pragma once

#include <string>
#include <vector>

#include "rate_controller.h"
#include "trace.h"

namespace vtkstream::adapt::test {

struct Step {
  int64_t t_us;
  int target_kbps;
};

struct Replay {
  std::vector<Step> targets;     // after every input and tick
  std::vector<LinkMark> links;   // the link changes, in order
  int64_t start_us = 0, end_us = 0;
  // The link's rate at `t` (kbit/s; 0 = unconstrained or before the first mark).
  int link_at(int64_t t) const;
  // The target at `t` (the last one decided at or before it).
  int target_at(int64_t t) const;
};

std::vector<TraceLine> load_trace(const std::string& name);  // from the traces directory
// Replays the inputs of `lines` up to `stop_inputs_us` (later inputs are dropped, ticks go on),
// until `end_us` (0 = the trace's end).
Replay replay(const std::vector<TraceLine>& lines, Limits limits, int64_t stop_inputs_us = INT64_MAX,
              int64_t end_us = 0);

}  // namespace vtkstream::adapt::test
