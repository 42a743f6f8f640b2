#include "protocol.h"

#include <json-glib/json-glib.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace vtkstream::sink {

namespace {

// Largest client sequence number: JavaScript integers are exact up to 2^53.
constexpr int64_t kMaxSeq = (int64_t(1) << 53);
// Wheel deltas beyond this are a broken or hostile client; clamp rather than reject (a
// fast-spinning wheel legitimately sends a few thousand pixels).
constexpr double kMaxWheelDelta = 100000;

struct GObjectDeleter {
  void operator()(gpointer p) const { g_object_unref(p); }
};
using ParserPtr = std::unique_ptr<JsonParser, GObjectDeleter>;

ProtocolError bad_field(const std::string& what) { return {ErrorCode::kBadField, what}; }

// Every field accessor returns std::nullopt when the field is absent and sets *err when it is
// present with the wrong type or range.
class Fields {
 public:
  explicit Fields(JsonObject* o) : o_(o) {}

  JsonNode* value(const char* name, GType want, std::optional<ProtocolError>* err,
                  const char* type_name) const {
    JsonNode* n = json_object_get_member(o_, name);
    if (!n) return nullptr;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != want) {
      *err = bad_field(std::string("field '") + name + "' must be " + type_name);
      return nullptr;
    }
    return n;
  }

  std::optional<std::string> string(const char* name, std::optional<ProtocolError>* err) const {
    JsonNode* n = value(name, G_TYPE_STRING, err, "a string");
    if (!n) return std::nullopt;
    return std::string(json_node_get_string(n));
  }

  std::optional<int64_t> integer(const char* name, int64_t lo, int64_t hi,
                                 std::optional<ProtocolError>* err) const {
    JsonNode* n = value(name, G_TYPE_INT64, err, "an integer");
    if (!n) return std::nullopt;
    const int64_t v = json_node_get_int(n);
    if (v < lo || v > hi) {
      *err = bad_field(std::string("field '") + name + "' out of range [" + std::to_string(lo) +
                       ", " + std::to_string(hi) + "]");
      return std::nullopt;
    }
    return v;
  }

  // Any JSON number (integers included).
  std::optional<double> number(const char* name, std::optional<ProtocolError>* err) const {
    JsonNode* n = json_object_get_member(o_, name);
    if (!n) return std::nullopt;
    if (JSON_NODE_HOLDS_VALUE(n)) {
      const GType t = json_node_get_value_type(n);
      if (t == G_TYPE_INT64) return static_cast<double>(json_node_get_int(n));
      if (t == G_TYPE_DOUBLE && std::isfinite(json_node_get_double(n))) return json_node_get_double(n);
    }
    *err = bad_field(std::string("field '") + name + "' must be a number");
    return std::nullopt;
  }

  bool has(const char* name) const { return json_object_has_member(o_, name); }
  JsonObject* object() const { return o_; }

 private:
  JsonObject* o_;
};

ProtocolError missing(const char* name) {
  return bad_field(std::string("missing field '") + name + "'");
}

// True when a JSON string (or key) holds the escape \u0000. json-glib decodes it and then keeps
// strings as C strings, so "ping\u0000x" would read as "ping" and a key "type\u0000x" as "type":
// a check on the parsed values cannot see it. Raw NUL bytes never get this far (g_utf8_validate
// refuses them). Backslashes are only legal inside strings, and each escape is skipped whole, so
// an escaped backslash followed by "u0000" is not mistaken for one.
bool has_nul_escape(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '\\') continue;
    if (text[i + 1] == 'u' && text.substr(i + 2, 4) == "0000") return true;
    ++i;  // the escaped character
  }
  return false;
}

// Parses text into an object, or an error (too large, not JSON, not an object).
std::variant<ParserPtr, ProtocolError> parse_object(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes)
    return ProtocolError{ErrorCode::kTooLarge,
                         "message of " + std::to_string(text.size()) + " bytes; at most " +
                             std::to_string(max_bytes) + " allowed"};
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr))
    return ProtocolError{ErrorCode::kBadJson, "message is not valid UTF-8"};
  ParserPtr parser(json_parser_new_immutable());
  GError* error = nullptr;
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  &error)) {
    ProtocolError e{ErrorCode::kBadJson, error ? error->message : "invalid JSON"};
    g_clear_error(&error);
    return e;
  }
  JsonNode* root = json_parser_get_root(parser.get());
  if (!root || !JSON_NODE_HOLDS_OBJECT(root))
    return ProtocolError{ErrorCode::kBadJson, "message must be a JSON object"};
  if (has_nul_escape(text))
    return ProtocolError{ErrorCode::kBadField, "a string or key holds \\u0000 (NUL), which no field accepts"};
  return parser;
}

JsonObject* root_object(const ParserPtr& p) {
  return json_node_get_object(json_parser_get_root(p.get()));
}

struct KindName {
  const char* name;
  InputRecord::Kind kind;
};
constexpr KindName kKinds[] = {
    {"pm", InputRecord::Kind::kPointerMove}, {"pd", InputRecord::Kind::kPointerDown},
    {"pu", InputRecord::Kind::kPointerUp},   {"wh", InputRecord::Kind::kWheel},
    {"kd", InputRecord::Kind::kKeyDown},     {"ku", InputRecord::Kind::kKeyUp},
    {"td", InputRecord::Kind::kTouchDown},   {"tm", InputRecord::Kind::kTouchMove},
    {"tu", InputRecord::Kind::kTouchUp},     {"rs", InputRecord::Kind::kResize},
};

// Key names become X11 keysym names on the renderer side: printable ASCII without spaces.
bool valid_key_name(const std::string& k) {
  if (k.empty() || k.size() > kMaxKeyBytes) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// The fields that depend on the record's kind (docs/protocol.md "Input records").
std::optional<ProtocolError> parse_kind_fields(const Fields& f, InputRecord* r) {
  using K = InputRecord::Kind;
  std::optional<ProtocolError> err;
  switch (r->kind) {
    case K::kPointerDown:
    case K::kPointerUp: {
      auto b = f.integer("b", 1, 3, &err);
      if (err) return *err;
      if (!b) return missing("b");
      r->button = static_cast<int>(*b);
      break;
    }
    case K::kWheel: {
      auto dx = f.number("dx", &err);
      if (err) return *err;
      auto dy = f.number("dy", &err);
      if (err) return *err;
      if (!dx && !dy) return missing("dy");
      r->dx = std::clamp(dx.value_or(0), -kMaxWheelDelta, kMaxWheelDelta);
      r->dy = std::clamp(dy.value_or(0), -kMaxWheelDelta, kMaxWheelDelta);
      break;
    }
    case K::kKeyDown:
    case K::kKeyUp: {
      auto k = f.string("k", &err);
      if (err) return *err;
      if (!k) return missing("k");
      if (!valid_key_name(*k))
        return bad_field("field 'k' must be a key name of 1 to " + std::to_string(kMaxKeyBytes) +
                         " printable characters");
      r->key = *k;
      break;
    }
    case K::kTouchDown:
    case K::kTouchMove:
    case K::kTouchUp: {
      auto id = f.integer("id", 0, 0xffff, &err);
      if (err) return *err;
      if (!id) return missing("id");
      r->touch_id = static_cast<uint32_t>(*id);
      break;
    }
    case K::kResize: {
      auto w = f.integer("w", kMinRenderSize, kMaxRenderSize, &err);
      if (err) return *err;
      auto h = f.integer("h", kMinRenderSize, kMaxRenderSize, &err);
      if (err) return *err;
      if (!w) return missing("w");
      if (!h) return missing("h");
      r->width = static_cast<int>(*w);
      r->height = static_cast<int>(*h);
      break;
    }
    case K::kPointerMove:
      break;
  }
  return std::nullopt;
}

std::variant<InputRecord, ProtocolError> parse_record(const Fields& f) {
  std::optional<ProtocolError> err;
  InputRecord r;
  const auto t = f.string("t", &err);
  if (err) return *err;
  if (!t) return missing("t");
  const KindName* kn = std::find_if(std::begin(kKinds), std::end(kKinds),
                                    [&](const KindName& k) { return *t == k.name; });
  if (kn == std::end(kKinds)) return bad_field("unknown input record t='" + *t + "'");
  r.kind = kn->kind;
  using K = InputRecord::Kind;

  if (auto s = f.integer("s", 0, kMaxSeq, &err)) r.seq = static_cast<uint64_t>(*s);
  if (err) return *err;
  if (auto m = f.integer("m", 0, 15, &err)) r.modifiers = static_cast<uint32_t>(*m);
  if (err) return *err;

  const bool positional = r.kind != K::kKeyDown && r.kind != K::kKeyUp && r.kind != K::kResize;
  if (positional) {
    for (const char* name : {"x", "y"}) {
      auto v = f.number(name, &err);
      if (err) return *err;
      if (!v) return missing(name);
      (name[0] == 'x' ? r.x : r.y) = std::clamp(*v, 0.0, 1.0);
    }
  }
  if (auto e = parse_kind_fields(f, &r)) return *e;
  return r;
}

std::variant<ClientMessage, ProtocolError> parse_hello(const Fields& f) {
  std::optional<ProtocolError> err;
  Hello h;
  auto version = f.integer("version", 0, G_MAXINT32, &err);
  if (err) return *err;
  if (!version) return missing("version");
  if (*version != kProtocolVersion)
    return bad_field("unsupported protocol version " + std::to_string(*version) + "; this server speaks " +
                     std::to_string(kProtocolVersion));
  h.version = static_cast<int>(*version);

  JsonNode* codecs = json_object_get_member(f.object(), "codecs");
  if (!codecs) return missing("codecs");
  if (!JSON_NODE_HOLDS_ARRAY(codecs)) return bad_field("field 'codecs' must be an array of strings");
  JsonArray* a = json_node_get_array(codecs);
  const guint n = json_array_get_length(a);
  if (n > 32) return bad_field("field 'codecs' lists more than 32 entries");
  for (guint i = 0; i < n; ++i) {
    JsonNode* e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
      return bad_field("field 'codecs' must be an array of strings");
    // Names this server does not know (VP9, AV1, ...) are skipped: forward compatibility.
    if (auto c = codec_from_name(json_node_get_string(e));
        c && std::find(h.codecs.begin(), h.codecs.end(), *c) == h.codecs.end())
      h.codecs.push_back(*c);
  }

  auto transport = f.string("transport", &err);
  if (err) return *err;
  if (!transport) return missing("transport");
  if (*transport == "webrtc")
    h.transport = Transport::kWebRtc;
  else if (*transport == "mjpeg")
    h.transport = Transport::kMjpeg;
  else if (*transport == "ws")
    h.transport = Transport::kWs;
  else
    return bad_field("field 'transport' must be \"webrtc\", \"ws\" or \"mjpeg\"");
  if (JsonNode* n = f.value("ws_video", G_TYPE_BOOLEAN, &err, "a boolean")) h.ws_video = json_node_get_boolean(n);
  if (err) return *err;
  if (h.transport == Transport::kWs) h.ws_video = true;
  if (JsonNode* n = f.value("stills", G_TYPE_BOOLEAN, &err, "a boolean")) h.stills = json_node_get_boolean(n);
  if (err) return *err;
  return h;
}

std::variant<ClientMessage, ProtocolError> parse_typed(const std::string& type, const Fields& f) {
  std::optional<ProtocolError> err;
  if (type == "hello") return parse_hello(f);
  if (type == "answer") {
    auto sdp = f.string("sdp", &err);
    if (err) return *err;
    if (!sdp) return missing("sdp");
    if (sdp->empty()) return bad_field("field 'sdp' is empty");
    return Answer{*sdp};
  }
  if (type == "ice") {
    auto c = f.string("candidate", &err);
    if (err) return *err;
    if (!c) return missing("candidate");
    // A candidate is one SDP attribute line: no line breaks may sneak into the SDP.
    if (c->find_first_of("\r\n") != std::string::npos || c->size() > 1024)
      return bad_field("field 'candidate' must be one line of at most 1024 characters");
    auto m = f.integer("sdpMLineIndex", 0, 63, &err);
    if (err) return *err;
    if (!m) return missing("sdpMLineIndex");
    return IceCandidate{*c, static_cast<unsigned>(*m)};
  }
  if (type == "input") {
    auto r = parse_record(f);
    if (auto* e = std::get_if<ProtocolError>(&r)) return *e;
    return Input{std::get<InputRecord>(r)};
  }
  if (type == "ping") {
    auto t = f.number("t", &err);
    if (err) return *err;
    if (!t) return missing("t");
    return Ping{*t};
  }
  if (type == "transport") {
    auto t = f.string("transport", &err);
    if (err) return *err;
    if (!t) return missing("transport");
    if (*t == "ws") return TransportSwitch{Transport::kWs};
    if (*t != "mjpeg") return bad_field("field 'transport' can only switch to \"mjpeg\" or \"ws\"");
    return TransportSwitch{Transport::kMjpeg};
  }
  if (type == "control") {
    auto a = f.string("action", &err);
    if (err) return *err;
    if (!a) return missing("action");
    ControlRequest c;
    if (*a == "request") c.action = ControlRequest::Action::kRequest;
    else if (*a == "release") c.action = ControlRequest::Action::kRelease;
    else if (*a == "grant") c.action = ControlRequest::Action::kGrant;
    else if (*a == "take") c.action = ControlRequest::Action::kTake;
    else return bad_field("field 'action' must be request, release, grant or take");
    auto peer = f.integer("peer", 1, G_MAXUINT32, &err);
    if (err) return *err;
    if (peer) c.peer = static_cast<uint32_t>(*peer);
    return c;
  }
  if (type == "stay") return Stay{};
  if (type == "ws-video") {
    JsonNode* n = f.value("on", G_TYPE_BOOLEAN, &err, "a boolean");
    if (err) return *err;
    if (!n) return missing("on");
    return WsVideoSwitch{json_node_get_boolean(n) != FALSE};
  }
  if (type == "quality") {
    auto q = parse_quality(f.object());
    if (auto* e = std::get_if<ProtocolError>(&q)) return *e;
    return std::get<QualityRequest>(q);
  }
  if (type == "stats") {
    auto st = parse_page_stats(f.object());
    if (auto* e = std::get_if<ProtocolError>(&st)) return *e;
    return std::get<PageStats>(st);
  }
  return ProtocolError{ErrorCode::kUnknownType, "unknown message type '" + type + "'"};
}

}  // namespace

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadJson: return "bad-json";
    case ErrorCode::kTooLarge: return "too-large";
    case ErrorCode::kUnknownType: return "unknown-type";
    case ErrorCode::kBadField: return "bad-field";
    case ErrorCode::kBadState: return "bad-state";
    case ErrorCode::kBadSdp: return "bad-sdp";
    case ErrorCode::kNoCodec: return "no-codec";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kRateLimited: return "rate-limited";
  }
  return "internal";
}

const char* codec_name(Codec c) { return c == Codec::kH264 ? "H264" : "VP8"; }

std::optional<Codec> codec_from_name(std::string_view name) {
  if (name == "VP8") return Codec::kVP8;
  if (name == "H264") return Codec::kH264;
  return std::nullopt;
}

const char* transport_name(Transport t) {
  switch (t) {
    case Transport::kMjpeg: return "mjpeg";
    case Transport::kWs: return "ws";
    case Transport::kWebRtc: break;
  }
  return "webrtc";
}

const char* input_kind_name(InputRecord::Kind k) {
  for (const auto& kn : kKinds)
    if (kn.kind == k) return kn.name;
  return "?";
}

std::variant<ClientMessage, ProtocolError> parse_client_message(std::string_view text, size_t max_bytes) {
  auto parsed = parse_object(text, max_bytes);
  if (auto* e = std::get_if<ProtocolError>(&parsed)) return *e;
  Fields f(root_object(std::get<ParserPtr>(parsed)));
  std::optional<ProtocolError> err;
  auto type = f.string("type", &err);
  if (err) return *err;
  if (!type) return missing("type");
  return parse_typed(*type, f);
}

std::variant<InputRecord, ProtocolError> parse_input_record(std::string_view text, size_t max_bytes) {
  auto parsed = parse_object(text, max_bytes);
  if (auto* e = std::get_if<ProtocolError>(&parsed)) return *e;
  return parse_record(Fields(root_object(std::get<ParserPtr>(parsed))));
}

}  // namespace vtkstream::sink
