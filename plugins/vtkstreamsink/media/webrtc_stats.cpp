#define GST_USE_UNSTABLE_API  // see webrtc_branch.cpp
#include "webrtc_stats.h"

#include <gst/webrtc/webrtc.h>

namespace vtkstream::sink {

namespace {

// webrtcbin's field types differ between fields and versions (guint64, gint64, guint, double):
// read any number.
std::optional<double> number(const GstStructure* s, const char* name) {
  const GValue* v = gst_structure_get_value(s, name);
  if (!v) return std::nullopt;
  GValue d = G_VALUE_INIT;
  g_value_init(&d, G_TYPE_DOUBLE);
  std::optional<double> out;
  if (g_value_type_transformable(G_VALUE_TYPE(v), G_TYPE_DOUBLE) && g_value_transform(v, &d))
    out = g_value_get_double(&d);
  g_value_unset(&d);
  return out;
}

gboolean visit(GQuark, const GValue* value, gpointer data) {
  auto* out = static_cast<RtcStats*>(data);
  if (!GST_VALUE_HOLDS_STRUCTURE(value)) return TRUE;
  const GstStructure* s = gst_value_get_structure(value);
  GstWebRTCStatsType type;
  if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr)) return TRUE;
  if (type == GST_WEBRTC_STATS_OUTBOUND_RTP) {
    if (auto b = number(s, "bytes-sent")) out->bytes_sent = out->bytes_sent.value_or(0) + uint64_t(*b);
  } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
    // Present only once a receiver report with a report block for our stream arrived.
    if (auto f = number(s, "fraction-lost")) out->fraction_lost = *f;
    if (auto j = number(s, "jitter")) out->jitter_s = *j;
    if (auto r = number(s, "round-trip-time")) out->rtt_s = *r;
  }
  return TRUE;
}

}  // namespace

RtcStats rtc_stats_from(const GstStructure* reply) {
  RtcStats out;
  if (reply) gst_structure_foreach(reply, visit, &out);
  return out;
}

}  // namespace vtkstream::sink
