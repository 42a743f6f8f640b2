// docs/protocol.md as tests: every client message parses into the right value, every malformed
// one into the right error code, and every server message serialises to what the page expects.
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <string>

#include "protocol.h"

using namespace vtkstream::sink;

namespace {

template <typename T>
T expect_message(const std::string& text) {
  auto r = parse_client_message(text);
  if (auto* e = std::get_if<ProtocolError>(&r)) {
    ADD_FAILURE() << text << " -> " << error_code_name(e->code) << ": " << e->message;
    return T{};
  }
  const ClientMessage& m = std::get<ClientMessage>(r);
  if (!std::holds_alternative<T>(m)) {
    ADD_FAILURE() << text << " parsed as the wrong message type";
    return T{};
  }
  return std::get<T>(m);
}

ProtocolError expect_error(const std::string& text) {
  auto r = parse_client_message(text);
  if (auto* e = std::get_if<ProtocolError>(&r)) return *e;
  ADD_FAILURE() << text << " was accepted";
  return {ErrorCode::kInternal, ""};
}

InputRecord expect_record(const std::string& text) {
  return expect_message<Input>(text).record;
}

// Parses server output back with json-glib so tests check structure, not formatting.
struct Parsed {
  JsonParser* parser = json_parser_new();
  JsonObject* obj = nullptr;
  explicit Parsed(const std::string& text) {
    EXPECT_TRUE(json_parser_load_from_data(parser, text.c_str(), -1, nullptr)) << text;
    obj = json_node_get_object(json_parser_get_root(parser));
  }
  ~Parsed() { g_object_unref(parser); }
  std::string str(const char* k) const { return json_object_get_string_member(obj, k); }
  int64_t integer(const char* k) const { return json_object_get_int_member(obj, k); }
  bool has(const char* k) const { return json_object_has_member(obj, k); }
  bool boolean(const char* k) const { return json_object_get_boolean_member(obj, k); }
};

}  // namespace

TEST(Protocol, Hello) {
  auto h = expect_message<Hello>(R"({"type":"hello","version":1,"codecs":["AV1","H264","VP8"],"transport":"webrtc"})");
  ASSERT_EQ(h.codecs.size(), 2u);  // AV1 is unknown here: skipped, order kept
  EXPECT_EQ(h.codecs[0], Codec::kH264);
  EXPECT_EQ(h.codecs[1], Codec::kVP8);
  EXPECT_EQ(h.transport, Transport::kWebRtc);
  auto m = expect_message<Hello>(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg","extra":{"a":1}})");
  EXPECT_EQ(m.transport, Transport::kMjpeg);  // unknown fields are ignored
}

TEST(Protocol, HelloRejects) {
  EXPECT_EQ(expect_error(R"({"type":"hello","version":2,"codecs":[],"transport":"webrtc"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"hello","version":"1","codecs":[],"transport":"webrtc"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"hello","version":1,"codecs":"VP8","transport":"webrtc"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"hello","version":1,"codecs":[8],"transport":"webrtc"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"hello","version":1,"codecs":[],"transport":"carrier-pigeon"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"hello","codecs":[],"transport":"webrtc"})").code, ErrorCode::kBadField);
  auto e = expect_error(R"({"type":"hello","version":1,"codecs":[]})");
  EXPECT_NE(e.message.find("transport"), std::string::npos) << e.message;  // names the field
}

TEST(Protocol, AnswerIcePingTransport) {
  EXPECT_EQ(expect_message<Answer>(R"({"type":"answer","sdp":"v=0\r\n"})").sdp, "v=0\r\n");
  auto c = expect_message<IceCandidate>(R"({"type":"ice","candidate":"candidate:1 1 UDP 1 1.2.3.4 5 typ host","sdpMLineIndex":0})");
  EXPECT_EQ(c.mline, 0u);
  EXPECT_EQ(expect_message<IceCandidate>(R"({"type":"ice","candidate":"","sdpMLineIndex":1})").candidate, "");
  EXPECT_DOUBLE_EQ(expect_message<Ping>(R"({"type":"ping","t":12.5})").t, 12.5);
  EXPECT_EQ(expect_message<TransportSwitch>(R"({"type":"transport","transport":"mjpeg"})").transport, Transport::kMjpeg);

  EXPECT_EQ(expect_error(R"({"type":"answer","sdp":5})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"answer"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"answer","sdp":""})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"ice","candidate":"x","sdpMLineIndex":-1})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"ice","candidate":"x","sdpMLineIndex":0.5})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"ice","candidate":"a\r\nm=audio","sdpMLineIndex":0})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"ice","candidate":null,"sdpMLineIndex":0})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"ping","t":"now"})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"transport","transport":"webrtc"})").code, ErrorCode::kBadField);
}

TEST(Protocol, BadJsonTooLargeUnknownType) {
  EXPECT_EQ(expect_error("{").code, ErrorCode::kBadJson);
  EXPECT_EQ(expect_error("").code, ErrorCode::kBadJson);
  EXPECT_EQ(expect_error("[1,2]").code, ErrorCode::kBadJson);
  EXPECT_EQ(expect_error("\"hello\"").code, ErrorCode::kBadJson);
  EXPECT_EQ(expect_error(std::string("{\"type\":\"ping\",\"t\":1}\xff")).code, ErrorCode::kBadJson);
  EXPECT_EQ(expect_error(R"({"t":1})").code, ErrorCode::kBadField);  // no type
  EXPECT_EQ(expect_error(R"({"type":7})").code, ErrorCode::kBadField);
  EXPECT_EQ(expect_error(R"({"type":"teleport"})").code, ErrorCode::kUnknownType);
  std::string big = R"({"type":"ping","t":1,"pad":")" + std::string(kMaxMessageBytes, 'x') + "\"}";
  EXPECT_EQ(expect_error(big).code, ErrorCode::kTooLarge);
}

// json-glib decodes \u0000 and then keeps strings as C strings: "ping\u0000x" would read as
// "ping" (and a key "type\u0000x" as "type"). No field takes a NUL, so any is refused.
TEST(Protocol, EmbeddedNulIsRefused) {
  for (const char* text : {R"({"type":"ping\u0000x","t":1})", R"({"type":"ping","t":1,"type\u0000x":"hello"})",
                           R"({"type":"input","t":"kd\u0000","k":"a"})", R"({"type":"input","t":"kd","k":"a\u0000b"})",
                           R"({"type":"ice","candidate":"candidate:1\u0000","sdpMLineIndex":0})",
                           R"({"type":"control","action":"take\u0000"})", R"({"type":"ping","t":1,"x":"\\\u0000"})"}) {
    const ProtocolError e = expect_error(text);
    EXPECT_EQ(e.code, ErrorCode::kBadField) << text;
    EXPECT_NE(e.message.find("NUL"), std::string::npos) << e.message;
  }
  EXPECT_EQ(expect_error(R"({"type":"input","t":"pm","x":0,"y":0,"k":"\u0000"})").code, ErrorCode::kBadField);
  // An escaped backslash before "u0000" is text, not a NUL.
  EXPECT_DOUBLE_EQ(expect_message<Ping>(R"({"type":"ping","t":2,"x":"\\u0000"})").t, 2);
  EXPECT_DOUBLE_EQ(expect_message<Ping>(R"({"type":"ping","t":3,"x":"\u0001"})").t, 3);
}

TEST(Protocol, InputRecords) {
  auto pm = expect_record(R"({"type":"input","t":"pm","x":0.25,"y":2,"m":3,"s":7})");
  EXPECT_EQ(pm.kind, InputRecord::Kind::kPointerMove);
  EXPECT_DOUBLE_EQ(pm.x, 0.25);
  EXPECT_DOUBLE_EQ(pm.y, 1.0);  // clamped
  EXPECT_EQ(pm.modifiers, 3u);
  EXPECT_EQ(pm.seq, 7u);
  auto pd = expect_record(R"({"type":"input","t":"pd","x":0,"y":-1,"b":3})");
  EXPECT_EQ(pd.button, 3);
  EXPECT_DOUBLE_EQ(pd.y, 0.0);
  EXPECT_EQ(pd.seq, 0u);  // s omitted: no echo
  EXPECT_EQ(expect_record(R"({"type":"input","t":"pu","x":0,"y":0,"b":1})").kind, InputRecord::Kind::kPointerUp);
  auto wh = expect_record(R"({"type":"input","t":"wh","x":0.5,"y":0.5,"dx":0,"dy":-120})");
  EXPECT_DOUBLE_EQ(wh.dy, -120);
  auto kd = expect_record(R"({"type":"input","t":"kd","k":"Shift_L","m":1})");
  EXPECT_EQ(kd.key, "Shift_L");
  EXPECT_EQ(expect_record(R"({"type":"input","t":"ku","k":"r"})").kind, InputRecord::Kind::kKeyUp);
  auto td = expect_record(R"({"type":"input","t":"td","id":4,"x":0.1,"y":0.9})");
  EXPECT_EQ(td.touch_id, 4u);
  EXPECT_EQ(expect_record(R"({"type":"input","t":"tm","id":4,"x":0.1,"y":0.9})").kind, InputRecord::Kind::kTouchMove);
  EXPECT_EQ(expect_record(R"({"type":"input","t":"tu","id":4,"x":0.1,"y":0.9})").kind, InputRecord::Kind::kTouchUp);
  auto rs = expect_record(R"({"type":"input","t":"rs","w":640,"h":360})");
  EXPECT_EQ(rs.width, 640);
  EXPECT_EQ(rs.height, 360);
}

TEST(Protocol, InputRecordRejects) {
  for (const char* bad : {
           R"({"type":"input","t":"zz","x":0,"y":0})",          // unknown t
           R"({"type":"input"})",                               // no t
           R"({"type":"input","t":"pm","x":0})",                // no y
           R"({"type":"input","t":"pm","x":"0","y":0})",        // wrong type
           R"({"type":"input","t":"pd","x":0,"y":0})",          // no b
           R"({"type":"input","t":"pd","x":0,"y":0,"b":4})",    // b out of range
           R"({"type":"input","t":"pm","x":0,"y":0,"s":-1})",   // negative seq
           R"({"type":"input","t":"pm","x":0,"y":0,"s":1.5})",  // fractional seq
           R"({"type":"input","t":"pm","x":0,"y":0,"m":16})",   // unknown modifier bits
           R"({"type":"input","t":"kd"})",                      // no key
           R"({"type":"input","t":"kd","k":""})",
           R"({"type":"input","t":"kd","k":"a b"})",
           R"({"type":"input","t":"kd","k":"ThisKeyNameIsFarTooLongForTheRing"})",
           R"({"type":"input","t":"td","x":0,"y":0})",          // no id
           R"({"type":"input","t":"td","id":70000,"x":0,"y":0})",
           R"({"type":"input","t":"wh","x":0,"y":0})",          // no delta
           R"({"type":"input","t":"rs","w":8,"h":360})",        // too small
           R"({"type":"input","t":"rs","w":4097,"h":360})",     // past the resize limit
           R"({"type":"input","t":"rs","w":640})",
       }) {
    EXPECT_EQ(expect_error(bad).code, ErrorCode::kBadField) << bad;
  }
}

TEST(Protocol, DataChannelRecord) {
  auto r = parse_input_record(R"({"t":"pm","x":0.5,"y":0.5,"s":3})");
  ASSERT_TRUE(std::holds_alternative<InputRecord>(r));
  EXPECT_EQ(std::get<InputRecord>(r).seq, 3u);
  auto e = parse_input_record("not json");
  ASSERT_TRUE(std::holds_alternative<ProtocolError>(e));
  EXPECT_EQ(std::get<ProtocolError>(e).code, ErrorCode::kBadJson);
  auto u = parse_input_record(R"({"t":"fly"})");
  ASSERT_TRUE(std::holds_alternative<ProtocolError>(u));
  EXPECT_EQ(std::get<ProtocolError>(u).code, ErrorCode::kBadField);
}

TEST(Protocol, ServerMessages) {
  Welcome w;
  w.peer_id = 3;
  w.ice_servers = {{"stun:example.org:3478", "", ""}, {"turn:example.org:3478", "u", "p"}};
  w.codec = "VP8";
  w.width = 1280;
  w.height = 720;
  w.mjpeg = "/mjpeg?peer=3";
  {
    Parsed p(serialize(w));
    EXPECT_EQ(p.str("type"), "welcome");
    EXPECT_EQ(p.integer("peer_id"), 3);
    EXPECT_EQ(p.str("codec"), "VP8");
    EXPECT_EQ(p.integer("width"), 1280);
    EXPECT_EQ(p.str("mjpeg"), "/mjpeg?peer=3");
    EXPECT_EQ(p.integer("max_render_size"), 4096);  // the resize limit (shm_layout.h)
    JsonArray* a = json_object_get_array_member(p.obj, "ice_servers");
    ASSERT_EQ(json_array_get_length(a), 2u);
    JsonObject* turn = json_array_get_object_element(a, 1);
    EXPECT_STREQ(json_object_get_string_member(turn, "urls"), "turn:example.org:3478");
    EXPECT_STREQ(json_object_get_string_member(turn, "credential"), "p");
    EXPECT_FALSE(json_object_has_member(json_array_get_object_element(a, 0), "username"));
  }
  EXPECT_EQ(Parsed(offer_message("v=0\r\n\"q\"")).str("sdp"), "v=0\r\n\"q\"");  // escaping
  {
    Parsed p(ice_message("candidate:x", 1));
    EXPECT_EQ(p.str("type"), "ice");
    EXPECT_EQ(p.integer("sdpMLineIndex"), 1);
  }
  EXPECT_EQ(Parsed(renderer_message(RendererStatus::kRestarting, "exit 1")).str("state"), "restarting");
  EXPECT_EQ(Parsed(renderer_message(RendererStatus::kRunning, "")).str("state"), "running");
  EXPECT_EQ(Parsed(renderer_message(RendererStatus::kWaiting, "")).str("state"), "waiting");
  {
    Parsed p(frame_message(42, 90000u, 123456789));
    EXPECT_EQ(p.integer("seq"), 42);
    EXPECT_EQ(p.integer("rtp"), 90000);
    EXPECT_EQ(p.integer("pts"), 123456789);
    EXPECT_FALSE(Parsed(frame_message(1, std::nullopt, 0)).has("rtp"));
  }
  {
    Parsed p(error_message({ErrorCode::kBadState, "late"}));
    EXPECT_EQ(p.str("code"), "bad-state");
    EXPECT_EQ(p.str("message"), "late");
  }
  EXPECT_EQ(Parsed(bye_message(ByeCode::kShutdown, "bye")).str("type"), "bye");
  {
    // The page acts on the code (docs/protocol.md "bye"), never on the reason's wording.
    Parsed p(bye_message(ByeCode::kIdle, "idle for 60 s (--idle-timeout)"));
    EXPECT_EQ(p.str("code"), "idle");
    EXPECT_EQ(p.str("reason"), "idle for 60 s (--idle-timeout)");
    EXPECT_EQ(Parsed(bye_message(ByeCode::kTooManyPeers, "x")).str("code"), "too-many-peers");
    EXPECT_EQ(Parsed(bye_message(ByeCode::kHandshakeTimeout, "x")).str("code"), "handshake-timeout");
    EXPECT_EQ(Parsed(bye_message(ByeCode::kShutdown, "x")).str("code"), "shutdown");
  }
  Parsed pong(pong_message(7.25));
  EXPECT_DOUBLE_EQ(json_object_get_double_member(pong.obj, "t"), 7.25);
}

TEST(Protocol, ErrorCodeNames) {
  EXPECT_STREQ(error_code_name(ErrorCode::kBadJson), "bad-json");
  EXPECT_STREQ(error_code_name(ErrorCode::kTooLarge), "too-large");
  EXPECT_STREQ(error_code_name(ErrorCode::kUnknownType), "unknown-type");
  EXPECT_STREQ(error_code_name(ErrorCode::kBadField), "bad-field");
  EXPECT_STREQ(error_code_name(ErrorCode::kBadSdp), "bad-sdp");
  EXPECT_STREQ(error_code_name(ErrorCode::kNoCodec), "no-codec");
  EXPECT_STREQ(error_code_name(ErrorCode::kInternal), "internal");
}

// `stay` answers an `idle-warning`; the warning says how many seconds are left.
TEST(Protocol, StayAndIdleWarning) {
  expect_message<Stay>(R"({"type":"stay"})");
  expect_message<Stay>(R"({"type":"stay","extra":1})");  // unknown fields are ignored
  Parsed p(idle_warning_message(30));
  EXPECT_EQ(p.str("type"), "idle-warning");
  EXPECT_EQ(p.integer("seconds"), 30);
}

// `still` (server to page): the crisp still's id, size, bytes and the viewer's download key, as
// docs/protocol.md lists them.
TEST(Protocol, StillMessage) {
  Parsed p(still_message(7, 1280, 720, 23456, "k3y-of-this_viewer", true));
  EXPECT_EQ(p.str("type"), "still");
  EXPECT_EQ(p.integer("id"), 7);
  EXPECT_EQ(p.integer("width"), 1280);
  EXPECT_EQ(p.integer("height"), 720);
  EXPECT_EQ(p.integer("bytes"), 23456);
  EXPECT_EQ(p.str("key"), "k3y-of-this_viewer");
  EXPECT_TRUE(p.boolean("lossless"));
  EXPECT_FALSE(Parsed(still_message(7, 1280, 720, 23456, "k", false)).boolean("lossless"));
}
