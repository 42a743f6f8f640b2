// Sends the shared encode to a Janus streaming mountpoint (docs/janus.md): an RtpForwardBranch
// to the mountpoint's video port, a JanusProbe that says whether Janus is up (the branch forwards
// only then), and RtcpFeedback that turns Janus viewers' keyframe requests into ours. Everything
// lives on the sink's context; nothing here waits for Janus, so a Janus that is down, slow or
// restarting costs the direct viewers nothing.
//
// The mountpoint itself is Janus's static configuration (launch/janus/), not created by us over
// the API: a static mountpoint comes back by itself when Janus restarts, needs no admin secret in
// the sink, and its ports are fixed in one file that both sides read.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

#include "exposition.h"
#include "janus_config.h"
#include "janus_probe.h"
#include "rtcp_feedback.h"
#include "rtp_forward_branch.h"

namespace vtkstream::sink {

class Media;

class JanusForwarder {
 public:
  struct Parts {
    GstBin* sink;
    Media* media;
    std::string log_name;  // prefix of the operator notes on stderr
  };
  // Sink context. Null with *err when the branch or the socket cannot be made.
  static std::unique_ptr<JanusForwarder> start(const JanusConfig& c, Parts parts, std::string* err);
  ~JanusForwarder();

  bool up() const { return probe_ && probe_->up(); }
  // /metrics families (docs/metrics.md, "Janus"): one sample per Janus, labelled janus=<its URL>.
  static std::vector<MetricFamily> families(const std::vector<std::unique_ptr<JanusForwarder>>& all);

 private:
  JanusForwarder(const JanusConfig& c, Parts p) : config_(c), parts_(std::move(p)) {}
  void changed(bool up, const std::string& why);

  JanusConfig config_;
  Parts parts_;
  std::shared_ptr<RtpForwardBranch::Counters> counters_ = std::make_shared<RtpForwardBranch::Counters>();
  std::unique_ptr<RtpForwardBranch> branch_;
  RtcpFeedback feedback_;
  std::unique_ptr<JanusProbe> probe_;
  GSource* announce_ = nullptr;
  unsigned ups_ = 0, downs_ = 0;
};

}  // namespace vtkstream::sink
