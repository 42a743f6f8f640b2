// One rung of the encoding ladder (adapt/rung_policy.h) to one Janus streaming mountpoint
// (janus_forwarder.h): while it runs it holds the rung (Media::acquire_rung, which creates a lower
// rung's encoder for its first user) and an RtpForwardBranch on the rung's tee to the mountpoint's
// video port; stopped, it removes the branch and gives the rung back, so a lower rung that only
// Janus used stops being encoded. Its RTCP socket (RtcpFeedback) lives as long as the feed, and
// turns the keyframe requests Janus sends for this mountpoint into requests of this rung's encoder.
// Sink context only.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "rtcp_feedback.h"
#include "rtp_forward_branch.h"

namespace vtkstream::sink {

class Media;

class JanusRungFeed {
 public:
  struct Target {
    std::string host;    // numeric
    int video_port = 0;  // this rung's mountpoint
    int rtcp_port = 0;   // 0: no keyframe requests from its viewers
  };
  // Opens the RTCP socket; null with *err when it cannot be opened.
  static std::unique_ptr<JanusRungFeed> create(int rung, const Target& t, GstBin* sink, Media* media,
                                               std::string log_name, std::string* err);
  ~JanusRungFeed();

  // Holds the rung and forwards its RTP. False with *err when the rung cannot be had (its encoder
  // cannot be built or failed). Asks the rung for a keyframe: Janus's viewers start from one.
  bool start(std::string* err);
  // Stops forwarding and gives the rung back (no-op when not running).
  void stop();
  bool running() const { return branch_ != nullptr; }
  // Sends the RTCP report that tells Janus where this mountpoint's keyframe requests go.
  void announce();

  int rung() const { return rung_; }
  const Target& target() const { return target_; }
  const RtpForwardBranch::Counters& counters() const { return *counters_; }
  // PLI/FIR from the mountpoint acted on (while running; those arriving while stopped are not).
  unsigned keyframe_requests() const { return keyframe_requests_; }
  // Our RTCP reports answered "port unreachable" while forwarding: no mountpoint on that port.
  unsigned rtcp_refused() const { return rtcp_refused_; }

 private:
  JanusRungFeed(int rung, Target t, GstBin* sink, Media* media, std::string log_name)
      : rung_(rung), target_(std::move(t)), sink_(sink), media_(media), log_name_(std::move(log_name)) {}

  int rung_;
  Target target_;
  GstBin* sink_;
  Media* media_;
  std::string log_name_;
  // Kept across stops and starts: /metrics counts for the feed's whole life.
  std::shared_ptr<RtpForwardBranch::Counters> counters_ = std::make_shared<RtpForwardBranch::Counters>();
  std::unique_ptr<RtpForwardBranch> branch_;  // while running
  unsigned keyframe_requests_ = 0;
  unsigned rtcp_refused_ = 0;
  bool said_refused_ = false;
  int refusals_this_run_ = 0;
  static constexpr int kRefusalsToSay = 3;
  RtcpFeedback feedback_;
};

}  // namespace vtkstream::sink
