// The `quality` message (the page's quality menu) and the `rung` reply (docs/protocol.md
// "Quality").
#include <json-glib/json-glib.h>

#include "protocol.h"

namespace vtkstream::sink {

std::variant<QualityRequest, ProtocolError> parse_quality(JsonObject* o) {
  JsonNode* n = json_object_get_member(o, "rung");
  if (!n) return ProtocolError{ErrorCode::kBadField, "quality: missing field 'rung'"};
  if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING &&
      g_strcmp0(json_node_get_string(n), "auto") == 0)
    return QualityRequest{};
  if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64) {
    const gint64 r = json_node_get_int(n);
    // Above the ladder is clamped to its lowest rung by the server; beyond any ladder is a mistake.
    if (r >= 0 && r < kMaxRungs) return QualityRequest{static_cast<int>(r)};
  }
  return ProtocolError{ErrorCode::kBadField,
                       "quality: field 'rung' must be \"auto\" or an integer in [0, " + std::to_string(kMaxRungs - 1) + "]"};
}

std::string rung_message(const RungInfo& r) {
  std::string heights;
  for (int h : r.heights) heights += (heights.empty() ? "" : ",") + std::to_string(h);
  return "{\"type\":\"rung\",\"rung\":" + std::to_string(r.rung) + ",\"rungs\":" + std::to_string(r.rungs) +
         ",\"width\":" + std::to_string(r.width) + ",\"height\":" + std::to_string(r.height) +
         ",\"kbps\":" + std::to_string(r.kbps) + ",\"pinned\":" + (r.pinned ? "true" : "false") +
         ",\"heights\":[" + heights + "],\"render_width\":" + std::to_string(r.render_width) +
         ",\"render_height\":" + std::to_string(r.render_height) + "}";
}

}  // namespace vtkstream::sink
