// The encoder bitrate a picture's size is worth. The ladder's ceilings (rung_policy.h) were
// measured per size: 1000 kbit/s makes a clean 640x360 VP8 picture at 30 fps, 400 a 426x240 one.
// The renderer draws smaller while a drag lasts (the interactive size), and every rung's encoder
// then encodes that smaller picture; the top rung, left at its own ceiling (up to max-bitrate),
// spent 1.2-2.2 Mbit/s on a 640x360 drag, bits that picture does not need and a weak link pays
// for in latency. So an encoder's rate is the rate asked for (the congestion controller's,
// through the rung planner), capped by the ceiling of the size it encodes now.
// Pure: sizes and rates in, a rate out (unit-tested in tests/adapt/test_size_ceiling.cpp).
#pragma once

#include <vector>

#include "rung_policy.h"

namespace vtkstream::adapt {

// The height at which the top rung's ceiling was measured (docs/performance.md "Rungs": the
// ladder was sized on 1280x720 windows); a rung's max_height is a height at 16:9.
constexpr int kTopRungHeight = 720;
// No picture is capped below this (the controller's default minimum; VP8 is blocks below it at
// any size we send).
constexpr int kSizeCeilingFloorKbps = 150;

// The ceiling for a w x h picture on `ladder`: piecewise linear in pixels through the rungs'
// points (16:9 at each rung's max_height, the top rung's at kTopRungHeight), the top ceiling at or
// above the top point, proportional to pixels below the lowest (not under the floor), never less
// for a larger picture (a top ceiling under a lower rung's is raised to it). 0 (no cap)
// when the size is unknown or the ladder has no ceilings (pass-through input, a custom encoder).
int size_ceiling_kbps(const std::vector<Rung>& ladder, int width, int height);

// What the encoder runs at: `requested` capped by `ceiling` (0: none), except for the renderer's
// still, which keeps the requested rate (the finer still needs it: media/still_quality.h).
int applied_kbps(int requested, int ceiling, bool still);

}  // namespace vtkstream::adapt
