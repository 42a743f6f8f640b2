// When an encoder's bitrate is worth changing. Which bitrate each encode gets is the rung
// planner's choice (shared_rate.h); this only keeps small steps from reaching the encoder.
#pragma once

namespace vtkstream::adapt {

// Whether a change from `from` to `to` kbit/s is worth applying: small steps would only churn
// the encoder's rate control (a change of under 5 % is skipped).
bool worth_changing(int from, int to);

}  // namespace vtkstream::adapt
