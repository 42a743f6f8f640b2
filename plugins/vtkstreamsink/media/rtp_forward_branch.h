// The shared encode as plain RTP over UDP to one address: what a Janus streaming mountpoint (or
// any RTP receiver) takes. A branch (branch.h) on a request pad of an RTP tee, made by create()
// and nowhere else, so pointing it at another tee (one rung of an encoding ladder) is a change of
// one argument at the call site.
//
//   tee ─► valve "gate" ─► queue (leaky, its own thread) ─► udpsink (sync=false async=false)
//
// Nothing in here can hold the tee up: the valve drops on the streaming thread while the receiver
// is known to be down, the leaky queue drops the oldest packets if sending ever stalls, and
// udpsink neither waits for the clock nor asks the pipeline for preroll.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "branch.h"
#include "registry.h"

namespace vtkstream::sink {

class RtpForwardBranch : public Branch {
 public:
  struct Counters {
    Counter packets;  // RTP packets handed to udpsink
    Counter bytes;
  };

  // `tee` carries RTP (the payloader's caps); `counters` must outlive the elements (the forwarder
  // holds them in a shared_ptr that the pad probe keeps too).
  static std::unique_ptr<RtpForwardBranch> create(GstBin* sink, GstElement* tee, const std::string& host, int port,
                                                  std::shared_ptr<Counters> counters, ErrorFn on_error,
                                                  std::string* err);

  // Opens or closes the gate (any thread).
  void set_forwarding(bool on);
  bool forwarding() const;

 private:
  RtpForwardBranch(GstBin* sink, ErrorFn on_error) : Branch(sink, "rtp-forward", std::move(on_error)) {}
  GstElement* gate_ = nullptr;  // owned by bin_
};

}  // namespace vtkstream::sink
