// Where the sink sends its RTP for a Janus audience (janus_forwarder.h), checked from the
// sink's properties. Apart from the forwarder so that vtkstream-serve checks its --janus options
// the same way before it builds a pipeline.
#pragma once

#include <string>
#include <vector>

namespace vtkstream::sink {

// One Janus to feed. Several (a comma-separated janus-url) share the ports, each on its own host.
// Each forwarded rung of the encoding ladder (adapt/rung_policy.h) goes to a mountpoint of its
// own: rung N to video_port + 2N, its RTCP on rtcp_port + 2N (launch/janus/janus-config.sh writes
// the mountpoints the same way, id 1 + N).
struct JanusConfig {
  std::string api_url;   // Janus HTTP API base, e.g. http://127.0.0.1:8088/janus
  std::string host;      // numeric address the RTP goes to (the API URL's host)
  int video_port = 0;    // rung 0's mountpoint's videoport; 0 = no forwarding
  int rtcp_port = 0;     // its videortcpport; 0 = no keyframe requests from Janus viewers
  std::vector<int> rungs{0};  // the rungs forwarded (janus-rungs), ascending
  bool enabled() const { return video_port > 0; }
  int video_port_of(int rung) const { return video_port + 2 * rung; }
  int rtcp_port_of(int rung) const { return rtcp_port > 0 ? rtcp_port + 2 * rung : 0; }
};

// The most rungs a ladder has (adapt::default_ladder), so the most mountpoints per Janus.
int janus_max_rungs();

// At most this many Janus from one sink. Each costs a full copy of the stream on the uplink, a
// thread and about four file descriptors: 250 of them took the server to 1021 descriptors, the
// whole of a common 1024 limit, leaving none for the direct viewers. Past a handful, Janus
// instances should feed each other, not each be fed by the render machine.
constexpr int kMaxJanus = 16;

// What the messages call the three settings: the sink's properties, or a program's options.
struct JanusNames {
  const char* url = "janus-url";
  const char* video_port = "janus-video-port";
  const char* rtcp_port = "janus-rtcp-port";
  const char* rungs = "janus-rungs";
};

// From the four settings: one JanusConfig per URL of the comma-separated `urls` (none when
// forwarding is off). `rungs` is "all" (or empty: the same) or comma-separated rung numbers.
// False with *err naming the setting that is wrong.
bool janus_configuration(const std::string& urls, int video_port, int rtcp_port, const std::string& rungs,
                         std::vector<JanusConfig>* out, std::string* err, const JanusNames& names = {});

}  // namespace vtkstream::sink
