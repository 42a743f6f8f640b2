// Input-to-photon bookkeeping. Every input event gets a server-global sequence number (the
// renderer echoes the last one it applied in each frame, via vtksrc's VtkStreamFrameMeta); this
// table maps those numbers back to (peer, the client's own `s`) so that the peer can be told
// which of its events a frame reflects. Each peer is told once per new `s`.
//
// record() runs on the main context, frame() on streaming threads: one mutex, short critical
// sections, nothing that blocks.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "protocol.h"

namespace vtkstream::sink {

class EchoTracker {
 public:
  // Events older than this many per peer are forgotten (e.g. input dropped while no renderer
  // was attached, so never echoed).
  static constexpr size_t kMaxPendingPerPeer = 512;

  struct Echo {
    uint32_t peer;
    uint64_t client_seq;
  };

  // Assigns the next global sequence number to an input event of `peer`. A client_seq of 0
  // means the client does not want an echo.
  uint64_t record(uint32_t peer, uint64_t client_seq);
  // A frame reflecting global input `input_seq` left the encoder of `transport`: returns, for each
  // peer watching through that transport with pending events <= input_seq, the newest of them.
  std::vector<Echo> frame(uint64_t input_seq, Transport transport);
  // The same for one peer only, if it watches through `transport` (a branch of its own, such as
  // WebSocket video): its newest client seq <= input_seq, once; 0 when none.
  uint64_t frame_for(uint32_t peer, uint64_t input_seq, Transport transport);

  void set_transport(uint32_t peer, Transport t);
  void remove_peer(uint32_t peer);

 private:
  struct PeerEntry {
    Transport transport = Transport::kWebRtc;
    std::deque<std::pair<uint64_t, uint64_t>> pending;  // (global, client), global increasing
  };
  std::mutex lock_;
  uint64_t next_ = 1;
  std::map<uint32_t, PeerEntry> peers_;
};

}  // namespace vtkstream::sink
