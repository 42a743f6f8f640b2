// The server side of the rung policy (rung_policy.h): after any viewer's estimate or pin moved (and
// on the 1 s tick, which lets a held estimate climb a rung), put each viewer (WebRTC or WebSocket video) on its rung,
// bound each unpinned viewer's estimate by its rung's ceiling (RateController::set_ceiling),
// set each rung's encoder bitrate, and tell each viewer its estimate (`estimate`) and rung
// (`rung`), only when they changed; and the per-viewer figures for /healthz.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "rung_policy.h"

namespace vtkstream::sink {

class Media;
class Peer;
using Peers = std::map<uint32_t, std::unique_ptr<Peer>>;

class RungPlanner {
 public:
  explicit RungPlanner(int max_kbps) : max_kbps_(max_kbps) {}
  void apply(Peers& peers, std::optional<uint32_t> controller, Media& media, int64_t now_us);
  // The rung a viewer is assigned (-1: none).
  int rung_of(uint32_t peer) const;

 private:
  int max_kbps_;
  std::map<uint32_t, adapt::RungState> states_;
};
// "encoder_kbps" and "viewers": [{peer, role, controlling, estimate_kbps, state, recv_kbps,
// send_kbps, loss, delay_ms, rtt_ms, freezes, frames_dropped, transport, rung, rung_moves}] for
// viewers with adaptation (WebRTC or WebSocket video).
void add_rate_health(JsonBuilder* b, const Peers& peers, std::optional<uint32_t> controller, const Media& media);

}  // namespace vtkstream::sink
