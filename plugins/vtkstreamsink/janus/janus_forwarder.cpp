#include "janus_forwarder.h"

#include "media.h"
#include "sink_context.h"

namespace vtkstream::sink {

std::unique_ptr<JanusForwarder> JanusForwarder::start(const JanusConfig& c, Parts parts, std::string* err) {
  std::unique_ptr<JanusForwarder> f(new JanusForwarder(c, std::move(parts)));
  JanusForwarder* self = f.get();
  const std::string name = f->parts_.log_name;
  // The one place that says which tee Janus is fed from: the shared encode (rung 0).
  f->branch_ = RtpForwardBranch::create(
      f->parts_.sink, f->parts_.media->rtp_tee(), c.host, c.video_port, f->counters_,
      [name](const std::string& why) { g_printerr("%s: janus: RTP forwarding failed: %s\n", name.c_str(), why.c_str()); },
      err);
  if (!f->branch_) return nullptr;
  if (c.rtcp_port > 0) {
    Media* media = f->parts_.media;
    if (!f->feedback_.open(c.host, c.rtcp_port, [media] { media->force_keyframe(); }, err)) return nullptr;
  }
  f->probe_ = std::make_unique<JanusProbe>(c.api_url, [self](bool up, const std::string& why) { self->changed(up, why); });
  // Janus learns where to send keyframe requests from our reports; repeating them every second
  // teaches a restarted Janus again, even one the probe never saw down.
  f->announce_ = add_timeout(1000, [self] {
    if (self->up()) self->feedback_.announce();
    return true;
  });
  return f;
}

JanusForwarder::~JanusForwarder() {
  cancel_source(announce_);
  probe_.reset();
  branch_.reset();
}

void JanusForwarder::changed(bool up, const std::string& why) {
  const char* n = parts_.log_name.c_str();
  if (up) {
    ++ups_;
    g_printerr("%s: janus: up (%s); forwarding RTP to %s:%d\n", n, why.c_str(), config_.host.c_str(), config_.video_port);
    branch_->set_forwarding(true);
    feedback_.announce();
    // Its viewers need a picture to start from; later joiners ask through RTCP.
    parts_.media->force_keyframe();
  } else {
    ++downs_;
    g_printerr("%s: janus: down at %s (%s); retrying every %d s at most, direct viewers are not affected\n", n,
               config_.api_url.c_str(), why.c_str(), JanusProbe::kMaxRetryMs / 1000);
    branch_->set_forwarding(false);
  }
}

std::vector<MetricFamily> JanusForwarder::families(const std::vector<std::unique_ptr<JanusForwarder>>& all) {
  using Type = MetricFamily::Type;
  using Value = double (*)(const JanusForwarder&);
  struct Def {
    const char* name;
    const char* help;
    Type type;
    Value value;
  };
  static const Def defs[] = {
      {"vtkstream_janus_up", "1 while Janus answers its HTTP API (RTP is forwarded only then)", Type::kGauge,
       [](const JanusForwarder& f) { return f.up() ? 1.0 : 0.0; }},
      {"vtkstream_janus_forwarded_packets_total", "RTP packets sent to the Janus mountpoint", Type::kCounter,
       [](const JanusForwarder& f) { return double(f.counters_->packets.value()); }},
      {"vtkstream_janus_forwarded_bytes_total", "RTP bytes sent to the Janus mountpoint", Type::kCounter,
       [](const JanusForwarder& f) { return double(f.counters_->bytes.value()); }},
      {"vtkstream_janus_keyframe_requests_total", "PLI/FIR from Janus (its viewers joining or losing packets)",
       Type::kCounter, [](const JanusForwarder& f) { return double(f.feedback_.requests()); }},
      {"vtkstream_janus_probe_failures_total", "Probes of Janus's HTTP API that failed", Type::kCounter,
       [](const JanusForwarder& f) { return double(f.probe_ ? f.probe_->failures() : 0); }},
      {"vtkstream_janus_down_total", "Times Janus was found down (including at the start)", Type::kCounter,
       [](const JanusForwarder& f) { return double(f.downs_); }},
  };
  std::vector<MetricFamily> out;
  for (const Def& d : defs) {
    MetricFamily fam{d.name, d.help, d.type, {}, {}};
    for (const auto& f : all) fam.samples.push_back({{{"janus", f->config_.api_url}}, d.value(*f)});
    out.push_back(std::move(fam));
  }
  return out;
}

}  // namespace vtkstream::sink
