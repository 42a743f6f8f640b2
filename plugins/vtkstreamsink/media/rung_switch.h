// Moves one viewer's branch between rungs' RTP tees without renegotiation and without a gap in
// its RTP (rtp_splice.h). Asked to move, it requests a pad on the new rung's tee whose packets are
// dropped until the first packet of a keyframe; on that packet (in the new rung's streaming
// thread) it unlinks the old pad from the branch's sink pad, links the new one, and shifts
// sequence numbers and picture ids from there on to continue the old rung's. Sticky events of the
// new pad (stream-start, caps, segment) are dropped: the rungs' RTP caps are equal by design
// (a branch moved before its first pad sent anything takes them from the new pad instead).
// The old pad is released on the sink's context (`released` runs there with its rung).
//
// One pad per rung feeds the branch at any time; a probe on each pad decides under one lock, so
// the two rungs' threads cannot both pass packets. Another move requested before the keyframe came
// replaces the pending one.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>

#include "protocol.h"

namespace vtkstream::sink {

class RungSwitch {
 public:
  using Released = std::function<void(int rung)>;  // on the sink's context

  // `sink_pad`: the branch's sink (ghost) pad; `pad`: the tee pad linked to it now, of `rung`.
  RungSwitch(GstPad* sink_pad, GstPad* pad, int rung, Codec codec, Released released);
  ~RungSwitch();  // stop() first
  RungSwitch(const RungSwitch&) = delete;
  RungSwitch& operator=(const RungSwitch&) = delete;

  // Starts a move to `tee` (rung `rung`): false when already there or on the way (the caller keeps
  // its claim on the rung only when true).
  bool move_to(GstElement* tee, int rung);
  int rung() const;     // where packets come from now
  int target() const;   // where they will (rung() when no move is pending)
  int moves() const;    // completed moves
  // Milliseconds from the last move's request to the new rung's first packet (-1: none yet).
  double last_gap_ms() const;

  // Ends switching: a pending pad is released (through `released`) and the pad that feeds the
  // branch now is returned (transfer full) with its rung, for the branch to tear down.
  GstPad* stop(int* rung);

  struct State;

 private:
  std::shared_ptr<State> st_;
};

}  // namespace vtkstream::sink
