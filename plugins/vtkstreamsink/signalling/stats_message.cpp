// The page's `stats` report (docs/protocol.md "Link statistics"), validated field by field: the
// controller (adapt/rate_controller.h) must never see a negative counter, NaN or a string where a
// number belongs; such a report is refused whole with bad-field and the session goes on.
#include <json-glib/json-glib.h>

#include <cmath>

#include "protocol.h"

namespace vtkstream::sink {

namespace {

constexpr double kMaxCounter = 9007199254740992.0;  // 2^53: exact in JavaScript
constexpr double kMaxMs = 1e12;                      // any duration a page can have measured

ProtocolError bad(const std::string& name, const char* what) {
  return {ErrorCode::kBadField, "stats: field '" + name + "' must be " + what};
}

// A present, non-null member as a finite number in [0, hi]; nullopt for absent or null.
std::optional<double> number(JsonObject* o, const char* name, double hi, bool integer,
                             std::optional<ProtocolError>* err) {
  JsonNode* n = json_object_get_member(o, name);
  if (!n || JSON_NODE_HOLDS_NULL(n)) return std::nullopt;
  const char* what = integer ? "a whole number from 0 to 2^53" : "a number from 0";
  if (!JSON_NODE_HOLDS_VALUE(n)) {
    *err = bad(name, what);
    return std::nullopt;
  }
  double v;
  const GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) v = double(json_node_get_int(n));
  else if (t == G_TYPE_DOUBLE) v = json_node_get_double(n);
  else {
    *err = bad(name, what);
    return std::nullopt;
  }
  if (!std::isfinite(v) || v < 0 || v > hi || (integer && v != std::floor(v))) {
    *err = bad(name, what);
    return std::nullopt;
  }
  return v;
}

// `frames`: an array of at most PageStats::kMaxFrames [RTP timestamp, arrival ms] pairs.
std::optional<ProtocolError> parse_frames(JsonObject* o, PageStats* s) {
  JsonNode* n = json_object_get_member(o, "frames");
  if (!n || JSON_NODE_HOLDS_NULL(n)) return std::nullopt;
  const ProtocolError err = bad("frames", "an array of at most 16 [RTP timestamp, arrival ms] pairs");
  if (!JSON_NODE_HOLDS_ARRAY(n)) return err;
  JsonArray* a = json_node_get_array(n);
  const guint len = json_array_get_length(a);
  if (len > PageStats::kMaxFrames) return err;
  for (guint i = 0; i < len; ++i) {
    JsonNode* e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_ARRAY(e) || json_array_get_length(json_node_get_array(e)) != 2) return err;
    JsonArray* pair = json_node_get_array(e);
    double v[2];
    for (guint k = 0; k < 2; ++k) {
      JsonNode* x = json_array_get_element(pair, k);
      if (!JSON_NODE_HOLDS_VALUE(x)) return err;
      const GType t = json_node_get_value_type(x);
      if (t == G_TYPE_INT64) v[k] = double(json_node_get_int(x));
      else if (t == G_TYPE_DOUBLE) v[k] = json_node_get_double(x);
      else return err;
      if (!std::isfinite(v[k]) || v[k] < 0) return err;
    }
    if (v[0] > 4294967295.0 || v[0] != std::floor(v[0]) || v[1] > kMaxMs) return err;
    s->frames.emplace_back(uint32_t(v[0]), v[1]);
  }
  return std::nullopt;
}

}  // namespace

std::variant<PageStats, ProtocolError> parse_page_stats(JsonObject* o) {
  std::optional<ProtocolError> err;
  PageStats s;
  auto t = number(o, "t", kMaxMs, false, &err);
  if (err) return *err;
  if (!t) return ProtocolError{ErrorCode::kBadField, "stats: missing field 't'"};
  s.t = *t;
  auto bytes = number(o, "bytes", kMaxCounter, true, &err);
  if (err) return *err;
  if (!bytes) return ProtocolError{ErrorCode::kBadField, "stats: missing field 'bytes'"};
  s.bytes = uint64_t(*bytes);
  struct Counter { const char* name; std::optional<uint64_t>* to; };
  for (const Counter& c : {Counter{"packets", &s.packets}, Counter{"lost", &s.lost}, Counter{"decoded", &s.decoded},
                           Counter{"dropped", &s.dropped}, Counter{"freezes", &s.freezes}}) {
    auto v = number(o, c.name, kMaxCounter, true, &err);
    if (err) return *err;
    if (v) *c.to = uint64_t(*v);
  }
  struct Real { const char* name; std::optional<double>* to; };
  for (const Real& r : {Real{"freeze_ms", &s.freeze_ms}, Real{"jb_delay_ms", &s.jb_delay_ms},
                        Real{"jb_emitted", &s.jb_emitted}, Real{"delay_ms", &s.delay_ms}}) {
    auto v = number(o, r.name, kMaxMs, false, &err);
    if (err) return *err;
    *r.to = v;
  }
  if (auto e = parse_frames(o, &s)) return *e;
  return s;
}

std::string estimate_message(int kbps, int encoder_kbps, bool steers) {
  return "{\"type\":\"estimate\",\"kbps\":" + std::to_string(kbps) + ",\"encoder_kbps\":" +
         std::to_string(encoder_kbps) + ",\"steers\":" + (steers ? "true" : "false") + "}";
}

}  // namespace vtkstream::sink
