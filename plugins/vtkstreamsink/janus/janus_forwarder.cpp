#include "janus_forwarder.h"

#include "media.h"
#include "sink_context.h"

namespace vtkstream::sink {

std::unique_ptr<JanusForwarder> JanusForwarder::start(const JanusConfig& c, Parts parts, std::string* err) {
  std::unique_ptr<JanusForwarder> f(new JanusForwarder(c, std::move(parts)));
  JanusForwarder* self = f.get();
  for (int rung : c.rungs) {
    JanusRungFeed::Target t{c.host, c.video_port_of(rung), c.rtcp_port_of(rung)};
    f->feeds_.push_back(JanusRungFeed::create(rung, t, f->parts_.sink, f->parts_.media, f->parts_.log_name, err));
    if (!f->feeds_.back()) return nullptr;
  }
  f->probe_ = std::make_unique<JanusProbe>(c.api_url, [self](bool up, const std::string& why) { self->changed(up, why); });
  // Janus learns where to send keyframe requests from our reports; repeating them every second
  // teaches a restarted Janus again, even one the probe never saw down.
  f->announce_ = add_timeout(1000, [self] {
    if (self->up())
      for (auto& feed : self->feeds_) feed->announce();
    return true;
  });
  return f;
}

JanusForwarder::~JanusForwarder() {
  cancel_source(announce_);
  probe_.reset();
  feeds_.clear();  // each stops: branches removed, rungs given back
}

// The rungs this input has now (one before the first caps and for pass-through input), those
// whose encoder has not failed; one line on stderr for those started.
void JanusForwarder::start_feeds() {
  Media* media = parts_.media;
  // The input first: the first caps set it on the streaming thread, maybe between these two reads.
  // Read in this order, a known input comes with its own ladder (a ladder read first could still
  // be the one rung of no input, and rungs 1 and 2 were then said to be missing from raw video).
  const bool input_known = media->input() != Media::Input::kNone;
  const size_t ladder = media->ladder(0).size();
  std::string started;
  for (auto& feed : feeds_) {
    const int rung = feed->rung();
    // Once the input is known, a rung it does not have is said once: janus-rungs=1,2 with
    // pass-through input or a custom encoder forwarded nothing, with Janus up and not a word.
    if (size_t(rung) >= ladder && input_known && told_absent_.insert(rung).second)
      g_printerr("%s: janus: rung %d not forwarded: this input has rung 0 only (pass-through or a custom encoder)\n",
                 parts_.log_name.c_str(), rung);
    if (feed->running() || size_t(rung) >= ladder || !media->rung_usable(rung)) continue;
    std::string err;
    if (!feed->start(&err)) {
      g_printerr("%s: janus: rung %d not forwarded: %s\n", parts_.log_name.c_str(), rung, err.c_str());
      continue;
    }
    feed->announce();
    started += (started.empty() ? "" : ", ") + std::to_string(feed->target().video_port) + " (rung " +
               std::to_string(rung) + ")";
  }
  if (!started.empty())
    g_printerr("%s: janus: forwarding RTP to %s:%s\n", parts_.log_name.c_str(), config_.host.c_str(), started.c_str());
}

void JanusForwarder::media_changed() {
  if (up()) start_feeds();
}

void JanusForwarder::rung_failed(int rung) {
  for (auto& feed : feeds_)
    if (feed->rung() == rung) feed->stop();
}

void JanusForwarder::changed(bool up, const std::string& why) {
  const char* n = parts_.log_name.c_str();
  if (up) {
    ++ups_;
    g_printerr("%s: janus: up (%s) at %s\n", n, why.c_str(), config_.api_url.c_str());
    // Each feed asks its rung for a keyframe (its viewers need a picture to start from); later
    // joiners ask through RTCP.
    start_feeds();
  } else {
    ++downs_;
    g_printerr("%s: janus: down at %s (%s); retrying every %d s at most, direct viewers are not affected\n", n,
               config_.api_url.c_str(), why.c_str(), JanusProbe::kMaxRetryMs / 1000);
    // Nothing goes to a Janus that is not there, and no lower rung is encoded for it.
    for (auto& feed : feeds_) feed->stop();
  }
}

std::vector<MetricFamily> JanusForwarder::families(const std::vector<std::unique_ptr<JanusForwarder>>& all) {
  using Type = MetricFamily::Type;
  struct Def {
    const char* name;
    const char* help;
    Type type;
    double (*value)(const JanusForwarder&);
  };
  static const Def per_janus[] = {
      {"vtkstream_janus_up", "1 while Janus answers its HTTP API (RTP is forwarded only then)", Type::kGauge,
       [](const JanusForwarder& f) { return f.up() ? 1.0 : 0.0; }},
      {"vtkstream_janus_probe_failures_total", "Probes of Janus's HTTP API that failed", Type::kCounter,
       [](const JanusForwarder& f) { return double(f.probe_ ? f.probe_->failures() : 0); }},
      {"vtkstream_janus_down_total", "Times Janus was found down (including at the start)", Type::kCounter,
       [](const JanusForwarder& f) { return double(f.downs_); }},
  };
  struct RungDef {
    const char* name;
    const char* help;
    Type type;
    double (*value)(const JanusRungFeed&);
  };
  static const RungDef per_rung[] = {
      {"vtkstream_janus_forwarded_packets_total", "RTP packets sent to a rung's Janus mountpoint", Type::kCounter,
       [](const JanusRungFeed& f) { return double(f.counters().packets.value()); }},
      {"vtkstream_janus_forwarded_bytes_total", "RTP bytes sent to a rung's Janus mountpoint", Type::kCounter,
       [](const JanusRungFeed& f) { return double(f.counters().bytes.value()); }},
      {"vtkstream_janus_keyframe_requests_total",
       "PLI/FIR from a rung's Janus mountpoint (its viewers joining or losing packets)", Type::kCounter,
       [](const JanusRungFeed& f) { return double(f.keyframe_requests()); }},
      {"vtkstream_janus_rung_forwarding", "1 while the rung is encoded and forwarded to Janus", Type::kGauge,
       [](const JanusRungFeed& f) { return f.running() ? 1.0 : 0.0; }},
      {"vtkstream_janus_rtcp_unreachable_total",
       "RTCP reports to a rung's mountpoint answered port unreachable while forwarding (mountpoint missing?)",
       Type::kCounter, [](const JanusRungFeed& f) { return double(f.rtcp_refused()); }},
  };
  std::vector<MetricFamily> out;
  for (const Def& d : per_janus) {
    MetricFamily fam{d.name, d.help, d.type, {}, {}};
    for (const auto& f : all) fam.samples.push_back({{{"janus", f->config_.api_url}}, d.value(*f)});
    out.push_back(std::move(fam));
  }
  for (const RungDef& d : per_rung) {
    MetricFamily fam{d.name, d.help, d.type, {}, {}};
    for (const auto& f : all)
      for (const auto& feed : f->feeds_)
        fam.samples.push_back({{{"janus", f->config_.api_url}, {"rung", std::to_string(feed->rung())}}, d.value(*feed)});
    out.push_back(std::move(fam));
  }
  return out;
}

}  // namespace vtkstream::sink
