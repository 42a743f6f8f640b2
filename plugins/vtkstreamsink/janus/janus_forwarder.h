// Sends the shared encodes to a Janus (docs/janus.md): for each rung of the encoding ladder it is
// configured to forward, a JanusRungFeed to that rung's mountpoint (RTP to its video port, keyframe
// requests back from its RTCP port), and one JanusProbe that says whether Janus is up. The feeds
// run only while it is: a lower rung is encoded for Janus only then (Media::acquire_rung), and
// given back when Janus goes down or the sink stops. Everything lives on the sink's context;
// nothing here waits for Janus, so a Janus that is down, slow or restarting costs the direct
// viewers nothing.
//
// The mountpoints are Janus's static configuration (launch/janus/), not created by us over the
// API: a static mountpoint comes back by itself when Janus restarts, needs no admin secret in the
// sink, and its ports are fixed in one file that both sides read.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exposition.h"
#include "janus_config.h"
#include "janus_probe.h"
#include "janus_rung_feed.h"

namespace vtkstream::sink {

class Media;

class JanusForwarder {
 public:
  struct Parts {
    GstBin* sink;
    Media* media;
    std::string log_name;  // prefix of the operator notes on stderr
  };
  // Sink context. Null with *err when a rung's RTCP socket cannot be opened.
  static std::unique_ptr<JanusForwarder> start(const JanusConfig& c, Parts parts, std::string* err);
  ~JanusForwarder();

  bool up() const { return probe_ && probe_->up(); }
  // The input's ladder may have grown (the first caps: lower rungs exist only for raw input):
  // while Janus is up, starts the feeds of rungs that can run now.
  void media_changed();
  // A rung's encoder failed (Media::on_rung_failed): its feed stops and gives it back.
  void rung_failed(int rung);
  // /metrics families (docs/metrics.md, "Janus"): per Janus (label janus=<its URL>), the
  // forwarding numbers per rung too (label rung=N).
  static std::vector<MetricFamily> families(const std::vector<std::unique_ptr<JanusForwarder>>& all);

 private:
  JanusForwarder(const JanusConfig& c, Parts p) : config_(c), parts_(std::move(p)) {}
  void changed(bool up, const std::string& why);
  void start_feeds();

  JanusConfig config_;
  Parts parts_;
  std::vector<std::unique_ptr<JanusRungFeed>> feeds_;  // one per configured rung, ascending
  std::unique_ptr<JanusProbe> probe_;
  GSource* announce_ = nullptr;
  unsigned ups_ = 0, downs_ = 0;
  std::set<int> told_absent_;  // configured rungs the input lacks, said once
};

}  // namespace vtkstream::sink
