#include "sink_families.h"

#include "protocol.h"

namespace vtkstream::sink {

namespace {

using Type = MetricFamily::Type;

MetricFamily one(const char* name, const char* help, Type type, double value, Labels labels = {}) {
  MetricFamily f{name, help, type, {}, {}};
  f.samples.push_back({std::move(labels), value});
  return f;
}

MetricFamily histogram(const char* name, const char* help, const Histogram& h) {
  MetricFamily f{name, help, Type::kHistogram, {}, {}};
  f.histograms.push_back({{}, h.snapshot()});
  return f;
}

}  // namespace

std::vector<MetricFamily> sink_families(const SinkMetrics& m, const ScrapeState& s) {
  std::vector<MetricFamily> out;
  MetricFamily peers{"vtkstream_peers", "Connected peers by transport (webrtc, ws, mjpeg, whep, none) and role",
                     Type::kGauge, {}, {}};
  for (const char* transport : {"webrtc", "ws", "mjpeg", "whep", "none"})
    for (const char* role : {"owner", "viewer"}) {
      const auto it = s.peers.find({transport, role});
      peers.samples.push_back({{{"transport", transport}, {"role", role}}, double(it == s.peers.end() ? 0 : it->second)});
    }
  out.push_back(std::move(peers));
  out.push_back(one("vtkstream_peers_served_total", "WebSocket peers accepted since the sink started", Type::kCounter,
                    double(s.peers_served)));
  out.push_back(one("vtkstream_whep_sessions_total", "WHEP sessions created", Type::kCounter,
                    double(m.whep_sessions.value())));
  out.push_back(one("vtkstream_whep_refused_total", "WHEP offers refused (bad SDP, no slot, WebRTC error)",
                    Type::kCounter, double(m.whep_refused.value())));

  const SinkMetrics::Rates r = m.rates();
  const Labels rung{{"rung", kRung0}};
  out.push_back(one("vtkstream_frames_in_total", "Frames that reached the sink", Type::kCounter,
                    double(m.frames_in.value())));
  out.push_back(one("vtkstream_frames_encoded_total", "Frames encoded (or passed through) to RTP", Type::kCounter,
                    double(m.frames_encoded.value()), rung));
  out.push_back(one("vtkstream_frames_dropped_total",
                    "Frames dropped before the encoder because it was still busy with an older one",
                    Type::kCounter, double(m.frames_dropped.value()), rung));
  out.push_back(one("vtkstream_fps", "Frames encoded per second over the last second", Type::kGauge, r.fps, rung));
  out.push_back(one("vtkstream_encoded_bytes_total", "RTP bytes out of the shared encode", Type::kCounter,
                    double(m.encoded_bytes.value()), rung));
  out.push_back(one("vtkstream_encoded_kbps", "kbit/s out of the shared encode over the last second", Type::kGauge,
                    r.encoded_kbps, rung));
  MetricFamily sent{"vtkstream_sent_bytes_total", "Bytes handed to viewers (all WebRTC viewers together, MJPEG responses)",
                    Type::kCounter, {}, {}};
  sent.samples.push_back({{{"transport", "webrtc"}, {"rung", kRung0}}, double(m.webrtc_sent_bytes.value())});
  sent.samples.push_back({{{"transport", "mjpeg"}, {"rung", "mjpeg"}}, double(m.mjpeg_sent_bytes.value())});
  sent.samples.push_back({{{"transport", "ws"}, {"rung", kRung0}}, double(m.ws_sent_bytes.value())});
  out.push_back(std::move(sent));
  out.push_back(one("vtkstream_ws_video_in_flight_bytes",
                    "WebSocket video sent and not yet acknowledged by the pages, all viewers together", Type::kGauge,
                    double(s.ws_in_flight_bytes)));
  out.push_back(one("vtkstream_ws_video_skipped_frames_total",
                    "WebSocket video frames not sent because the viewer was behind (skipped to the next keyframe)",
                    Type::kCounter, double(m.ws_frames_skipped.value())));
  MetricFamily kbps{"vtkstream_sent_kbps", "kbit/s handed to viewers over the last second", Type::kGauge, {}, {}};
  kbps.samples.push_back({{{"transport", "webrtc"}, {"rung", kRung0}}, r.webrtc_kbps});
  kbps.samples.push_back({{{"transport", "mjpeg"}, {"rung", "mjpeg"}}, r.mjpeg_kbps});
  out.push_back(std::move(kbps));
  out.push_back(histogram("vtkstream_encode_seconds", "Time a frame spent in the encoder", m.encode_seconds));
  out.push_back(histogram("vtkstream_frame_age_seconds",
                          "From the renderer finishing a frame to its encoded picture reaching the RTP payloader "
                          "(vtksrc input only)",
                          m.frame_age_seconds));

  MetricFamily input{"vtkstream_input_events_total",
                     "Viewers' input records by kind (protocol names) and outcome (forwarded upstream, or dropped: "
                     "the peer was not in control)",
                     Type::kCounter, {}, {}};
  for (size_t k = 0; k <= size_t(InputRecord::Kind::kResize); ++k) {
    const char* kind = input_kind_name(static_cast<InputRecord::Kind>(k));
    input.samples.push_back({{{"kind", kind}, {"outcome", "forwarded"}}, double(m.input_forwarded[k].value())});
    input.samples.push_back({{{"kind", kind}, {"outcome", "dropped"}}, double(m.input_dropped[k].value())});
  }
  out.push_back(std::move(input));
  out.push_back(histogram("vtkstream_input_to_photon_seconds",
                          "Server share of input-to-photon: input sent upstream to the first encoded frame showing it",
                          m.input_to_photon_seconds));

  out.push_back(one("vtkstream_renderer_up", "1 while the renderer (or video source) is running", Type::kGauge,
                    s.renderer_running ? 1 : 0));
  out.push_back(one("vtkstream_renderer_restarts_total", "Renderer restarts announced by the supervising program",
                    Type::kCounter, double(m.renderer_restarts.value())));
  out.push_back(one("vtkstream_renderer_lost_total", "Times vtksrc reported the renderer lost", Type::kCounter,
                    double(m.renderer_lost.value())));
  MetricFamily size{"vtkstream_picture_pixels", "Negotiated picture size", Type::kGauge, {}, {}};
  size.samples.push_back({{{"dimension", "width"}}, double(s.width)});
  size.samples.push_back({{{"dimension", "height"}}, double(s.height)});
  out.push_back(std::move(size));
  return out;
}

}  // namespace vtkstream::sink
