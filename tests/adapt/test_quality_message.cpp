// The page's `quality` message (docs/protocol.md "Quality") and the server's `rung` reply: "auto"
// or a rung number pins; anything else is refused with bad-field and the session goes on.
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <string>

#include "handler.h"
#include "protocol.h"

using namespace vtkstream::sink;

namespace {

std::variant<ClientMessage, ProtocolError> parse(const std::string& text) { return parse_client_message(text); }

}  // namespace

TEST(QualityMessage, AutoAndRungs) {
  auto a = parse(R"({"type":"quality","rung":"auto"})");
  ASSERT_TRUE(std::holds_alternative<ClientMessage>(a));
  EXPECT_FALSE(std::get<QualityRequest>(std::get<ClientMessage>(a)).rung.has_value());
  auto two = parse(R"({"type":"quality","rung":2})");
  ASSERT_TRUE(std::holds_alternative<ClientMessage>(two));
  EXPECT_EQ(std::get<QualityRequest>(std::get<ClientMessage>(two)).rung, 2);
  auto last = parse(R"({"type":"quality","rung":7})");
  EXPECT_TRUE(std::holds_alternative<ClientMessage>(last)) << "beyond the ladder is clamped by the server";
}

TEST(QualityMessage, GarbageIsRefused) {
  for (const char* text : {R"({"type":"quality"})", R"({"type":"quality","rung":-1})", R"({"type":"quality","rung":8})",
                           R"({"type":"quality","rung":"best"})", R"({"type":"quality","rung":1.5})",
                           R"({"type":"quality","rung":[1]})", R"({"type":"quality","rung":null})",
                           R"({"type":"quality","rung":true})"}) {
    auto r = parse(text);
    ASSERT_TRUE(std::holds_alternative<ProtocolError>(r)) << text;
    EXPECT_EQ(std::get<ProtocolError>(r).code, ErrorCode::kBadField) << text;
  }
}

TEST(QualityMessage, HandlerTurnsItIntoAnAction) {
  ServerInfo info;
  Handler h(1, &info);
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
  const Actions out = h.on_text(R"({"type":"quality","rung":1})");
  ASSERT_EQ(out.size(), 1u);
  const auto* q = std::get_if<action::Quality>(&out[0]);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->request.rung, 1);
}

// Rungs are encodes WebRTC and WebSocket video carry: an MJPEG session that pins one is told so
// (bad-state) instead of getting silence, and its session goes on; a WebSocket-video session's
// pin is taken.
TEST(QualityMessage, RefusedForMjpegTakenForWsVideo) {
  ServerInfo info;
  Handler h(1, &info);
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"mjpeg"})");
  const Actions out = h.on_text(R"({"type":"quality","rung":1})");
  ASSERT_EQ(out.size(), 1u);
  const auto* send = std::get_if<action::Send>(&out[0]);
  ASSERT_NE(send, nullptr) << "the pin was taken";
  EXPECT_NE(send->text.find("\"bad-state\""), std::string::npos) << send->text;
  EXPECT_NE(send->text.find("WebSocket"), std::string::npos) << send->text;
  const Actions ping = h.on_text(R"({"type":"ping","t":1})");
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_NE(std::get<action::Send>(ping[0]).text.find("pong"), std::string::npos);
  Handler w(2, &info);
  w.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"ws"})");
  const Actions pin = w.on_text(R"({"type":"quality","rung":1})");
  ASSERT_EQ(pin.size(), 1u);
  EXPECT_NE(std::get_if<action::Quality>(&pin[0]), nullptr);
}
