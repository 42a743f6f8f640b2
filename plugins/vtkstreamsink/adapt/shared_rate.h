// The server side of the interim policy of encoder_policy.h: after any viewer's estimate moved,
// set the one shared encoder's bitrate and tell each WebRTC viewer its estimate (`estimate`,
// only when it changed); and the per-viewer figures for /healthz.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

namespace vtkstream::sink {

class Media;
class Peer;
using Peers = std::map<uint32_t, std::unique_ptr<Peer>>;

// Applies the policy; returns the encoder's bitrate now (0: no encoder of ours).
int apply_shared_rate(Peers& peers, std::optional<uint32_t> controller, Media& media);
// "encoder_kbps" and "viewers": [{peer, role, controlling, estimate_kbps, state, recv_kbps,
// send_kbps, loss, delay_ms, rtt_ms, freezes, frames_dropped}] for WebRTC viewers with adaptation.
void add_rate_health(JsonBuilder* b, const Peers& peers, std::optional<uint32_t> controller, const Media& media);

}  // namespace vtkstream::sink
