// What /metrics reports (docs/metrics.md lists every name): SinkMetrics' counters, histograms
// and rates plus the state the web service counts at scrape time, as families for
// format_exposition(). Pure, so the names and labels are unit-tested without a pipeline.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "exposition.h"
#include "registry.h"

namespace vtkstream::sink {

struct ScrapeState {
  // (transport, role) -> peers now. Transports: webrtc, ws, mjpeg, whep, none (a WebSocket peer
  // that has not chosen one yet); roles: owner, viewer. Every combination is reported, zeros too.
  std::map<std::pair<std::string, std::string>, size_t> peers;
  uint64_t peers_served = 0;  // WebSocket peers accepted since the start
  uint64_t ws_in_flight_bytes = 0;  // WebSocket video sent and not yet acked, all viewers
  bool renderer_running = false;
  int width = 0, height = 0;
};

std::vector<MetricFamily> sink_families(const SinkMetrics& m, const ScrapeState& s);

// The rung label of the shared encode. One rung today; an encoding ladder adds more.
inline constexpr const char* kRung0 = "0";

}  // namespace vtkstream::sink
