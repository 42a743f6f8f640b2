// Which viewer's estimate the ONE shared encoder follows, until there is a ladder of encodes
// (rungs) to move each viewer between.
//
// Interim policy: the encoder follows the viewer in control (the one steering is the one who
// must see its drags), or the only WebRTC viewer when nobody steers. With several viewers and
// nobody in control it keeps its bitrate. A view-only viewer never lowers it: a weak viewer
// watching must not spoil the picture of the person steering; it gets what its link lets
// through (with loss and retransmissions) until rungs give it an encode of its own. Every
// viewer's own estimate is still computed and published (/healthz, the page's `estimate`), so a
// later rung ladder can take it as each viewer's target bitrate.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vtkstream::adapt {

struct ViewerEstimate {
  uint32_t peer = 0;
  int kbps = 0;
  bool controlling = false;
};

// The bitrate the shared encoder should have, or nullopt to leave it alone.
std::optional<int> shared_encoder_kbps(const std::vector<ViewerEstimate>& viewers);

// Whether a change from `from` to `to` kbit/s is worth applying: small steps would only churn
// the encoder's rate control (a change of under 5 % is skipped).
bool worth_changing(int from, int to);

}  // namespace vtkstream::adapt
