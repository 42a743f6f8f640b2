// The server -> page half of docs/protocol.md: one serialiser per message (protocol.h).
#include <json-glib/json-glib.h>

#include <algorithm>
#include <memory>

#include "protocol.h"

namespace vtkstream::sink {

namespace {

struct BuilderDeleter {
  void operator()(JsonBuilder* b) const { g_object_unref(b); }
};
using BuilderPtr = std::unique_ptr<JsonBuilder, BuilderDeleter>;

// ---- serialisation helpers ----

class Writer {
 public:
  explicit Writer(const char* type) : b_(json_builder_new_immutable()) {
    json_builder_begin_object(b_.get());
    str("type", type);
  }
  Writer& str(const char* k, const std::string& v) {
    json_builder_set_member_name(b_.get(), k);
    json_builder_add_string_value(b_.get(), v.c_str());
    return *this;
  }
  Writer& integer(const char* k, int64_t v) {
    json_builder_set_member_name(b_.get(), k);
    json_builder_add_int_value(b_.get(), v);
    return *this;
  }
  Writer& boolean(const char* k, bool v) {
    json_builder_set_member_name(b_.get(), k);
    json_builder_add_boolean_value(b_.get(), v);
    return *this;
  }
  Writer& number(const char* k, double v) {
    json_builder_set_member_name(b_.get(), k);
    json_builder_add_double_value(b_.get(), v);
    return *this;
  }
  JsonBuilder* raw() { return b_.get(); }
  std::string finish() {
    json_builder_end_object(b_.get());
    JsonNode* root = json_builder_get_root(b_.get());
    gchar* s = json_to_string(root, FALSE);
    std::string out(s);
    g_free(s);
    json_node_unref(root);
    return out;
  }

 private:
  BuilderPtr b_;
};

}  // namespace

std::string serialize(const Welcome& w) {
  Writer j("welcome");
  j.integer("peer_id", w.peer_id);
  JsonBuilder* b = j.raw();
  json_builder_set_member_name(b, "ice_servers");
  json_builder_begin_array(b);
  for (const IceServer& s : w.ice_servers) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "urls");
    json_builder_add_string_value(b, s.url.c_str());
    if (!s.username.empty()) {
      json_builder_set_member_name(b, "username");
      json_builder_add_string_value(b, s.username.c_str());
      json_builder_set_member_name(b, "credential");
      json_builder_add_string_value(b, s.credential.c_str());
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  j.str("codec", w.codec).integer("width", w.width).integer("height", w.height);
  j.str("mjpeg", w.mjpeg).integer("max_render_size", w.max_render_size);
  if (w.ws_video) {
    json_builder_set_member_name(b, "ws_video");
    json_builder_add_boolean_value(b, TRUE);
  }
  return j.finish();
}

std::string offer_message(const std::string& sdp) { return Writer("offer").str("sdp", sdp).finish(); }

std::string ice_message(const std::string& candidate, unsigned mline) {
  return Writer("ice").str("candidate", candidate).integer("sdpMLineIndex", mline).finish();
}

std::string pong_message(double t) { return Writer("pong").number("t", t).finish(); }

const char* renderer_status_name(RendererStatus s) {
  switch (s) {
    case RendererStatus::kRunning: return "running";
    case RendererStatus::kWaiting: return "waiting";
    case RendererStatus::kRestarting: return "restarting";
  }
  return "waiting";
}

const char* bye_code_name(ByeCode c) {
  switch (c) {
    case ByeCode::kShutdown: return "shutdown";
    case ByeCode::kTooManyPeers: return "too-many-peers";
    case ByeCode::kHandshakeTimeout: return "handshake-timeout";
    case ByeCode::kIdle: return "idle";
  }
  return "shutdown";
}

std::string renderer_message(RendererStatus state, const std::string& detail) {
  return Writer("renderer").str("state", renderer_status_name(state)).str("detail", detail).finish();
}

std::string frame_message(uint64_t seq, std::optional<uint32_t> rtp, uint64_t pts_ns) {
  Writer j("frame");
  j.integer("seq", static_cast<int64_t>(seq));
  if (rtp) j.integer("rtp", *rtp);
  j.integer("pts", static_cast<int64_t>(std::min<uint64_t>(pts_ns, INT64_MAX)));
  return j.finish();
}

std::string error_message(const ProtocolError& e) {
  return Writer("error").str("code", error_code_name(e.code)).str("message", e.message).finish();
}

std::string transport_message(Transport t) { return Writer("transport").str("transport", transport_name(t)).finish(); }

std::string bye_message(ByeCode code, const std::string& reason) {
  return Writer("bye").str("code", bye_code_name(code)).str("reason", reason).finish();
}

std::string idle_warning_message(int seconds) {
  return Writer("idle-warning").integer("seconds", seconds).finish();
}

std::string still_message(uint64_t id, int width, int height, uint64_t bytes, const std::string& key,
                          bool lossless) {
  return Writer("still")
      .integer("id", static_cast<int64_t>(id))
      .integer("width", width)
      .integer("height", height)
      .integer("bytes", static_cast<int64_t>(bytes))
      .str("key", key)
      .boolean("lossless", lossless)
      .finish();
}

std::string serialize(const ControlState& s) {
  Writer j("control");
  JsonBuilder* b = j.raw();
  json_builder_set_member_name(b, "controller");
  if (s.controller) json_builder_add_int_value(b, *s.controller);
  else json_builder_add_null_value(b);
  json_builder_set_member_name(b, "you");
  json_builder_add_boolean_value(b, s.you);
  j.str("role", s.role);
  json_builder_set_member_name(b, "requests");
  json_builder_begin_array(b);
  for (uint32_t id : s.requests) json_builder_add_int_value(b, id);
  json_builder_end_array(b);
  return j.finish();
}

}  // namespace vtkstream::sink
