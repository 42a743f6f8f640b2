// The page's `stats` report (docs/protocol.md "Link statistics"): a good one parses into the
// numbers the controller takes; a garbage one is refused with bad-field, whole, and the session's
// state does not move; a report outside a WebRTC session is dropped or refused, never applied.
#include <gtest/gtest.h>

#include <string>

#include "handler.h"
#include "protocol.h"

using namespace vtkstream::sink;

namespace {

ProtocolError refused(const std::string& text) {
  auto r = parse_client_message(text);
  if (auto* e = std::get_if<ProtocolError>(&r)) return *e;
  ADD_FAILURE() << text << " was accepted";
  return {ErrorCode::kInternal, ""};
}

PageStats parsed(const std::string& text) {
  auto r = parse_client_message(text);
  if (auto* e = std::get_if<ProtocolError>(&r)) {
    ADD_FAILURE() << text << " -> " << e->message;
    return {};
  }
  return std::get<PageStats>(std::get<ClientMessage>(r));
}

}  // namespace

TEST(StatsMessage, FullReport) {
  const PageStats s = parsed(
      R"({"type":"stats","t":1234.5,"bytes":1000000,"packets":900,"lost":3,"decoded":120,"dropped":2,)"
      R"("freezes":1,"freeze_ms":250.5,"jb_delay_ms":3200,"jb_emitted":120,"delay_ms":12.25,"future":"ignored"})");
  EXPECT_DOUBLE_EQ(s.t, 1234.5);
  EXPECT_EQ(s.bytes, 1000000u);
  EXPECT_EQ(s.packets, 900u);
  EXPECT_EQ(s.lost, 3u);
  EXPECT_EQ(s.decoded, 120u);
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(s.freezes, 1u);
  EXPECT_DOUBLE_EQ(*s.freeze_ms, 250.5);
  EXPECT_DOUBLE_EQ(*s.jb_delay_ms, 3200);
  EXPECT_DOUBLE_EQ(*s.delay_ms, 12.25);
}

TEST(StatsMessage, FramesArePairsOfRtpTimestampAndArrival) {
  const PageStats s = parsed(R"({"type":"stats","t":1,"bytes":2,"frames":[[4294967295,1234.5],[0,0]]})");
  ASSERT_EQ(s.frames.size(), 2u);
  EXPECT_EQ(s.frames[0].first, 4294967295u);
  EXPECT_DOUBLE_EQ(s.frames[0].second, 1234.5);
  EXPECT_EQ(s.frames[1].first, 0u);
  EXPECT_TRUE(parsed(R"({"type":"stats","t":1,"bytes":2,"frames":null})").frames.empty());
  for (const char* text : {
           R"({"type":"stats","t":1,"bytes":2,"frames":{"a":1}})",               // not an array
           R"({"type":"stats","t":1,"bytes":2,"frames":[[1]]})",                 // not a pair
           R"({"type":"stats","t":1,"bytes":2,"frames":[[1,2,3]]})",
           R"({"type":"stats","t":1,"bytes":2,"frames":[1,2]})",
           R"({"type":"stats","t":1,"bytes":2,"frames":[[4294967296,2]]})",      // above 32 bits
           R"({"type":"stats","t":1,"bytes":2,"frames":[[1.5,2]]})",             // fractional timestamp
           R"({"type":"stats","t":1,"bytes":2,"frames":[[1,-2]]})",              // negative time
           R"({"type":"stats","t":1,"bytes":2,"frames":[["1",2]]})",             // a string
           R"({"type":"stats","t":1,"bytes":2,"frames":[[1,null]]})",
           R"({"type":"stats","t":1,"bytes":2,"frames":[[1,1e300]]})",           // beyond any clock
       }) {
    const ProtocolError e = refused(text);
    EXPECT_EQ(e.code, ErrorCode::kBadField) << text;
    EXPECT_NE(e.message.find("frames"), std::string::npos) << text << " -> " << e.message;
  }
  std::string many = R"({"type":"stats","t":1,"bytes":2,"frames":[)";
  for (int i = 0; i < 17; ++i) many += std::string(i ? "," : "") + "[1,2]";
  EXPECT_EQ(refused(many + "]}").code, ErrorCode::kBadField) << "more than 16";
}

TEST(StatsMessage, OptionalFieldsMayBeAbsentOrNull) {
  const PageStats s = parsed(R"({"type":"stats","t":0,"bytes":0,"delay_ms":null,"packets":null})");
  EXPECT_FALSE(s.delay_ms);
  EXPECT_FALSE(s.packets);
  EXPECT_FALSE(s.lost);
}

TEST(StatsMessage, GarbageIsRefused) {
  for (const char* text : {
           R"({"type":"stats","bytes":10})",                        // no t
           R"({"type":"stats","t":1})",                             // no bytes
           R"({"type":"stats","t":1,"bytes":-5})",                  // negative counter
           R"({"type":"stats","t":1,"bytes":1.5})",                 // a fraction of a byte
           R"({"type":"stats","t":1,"bytes":"lots"})",              // a string
           R"({"type":"stats","t":1,"bytes":1e300})",               // beyond 2^53
           R"({"type":"stats","t":-1,"bytes":1})",                  // negative time
           R"({"type":"stats","t":1,"bytes":1,"lost":[1]})",        // an array
           R"({"type":"stats","t":1,"bytes":1,"delay_ms":{}})",     // an object
           R"({"type":"stats","t":1,"bytes":1,"delay_ms":-3})",     // negative delay
           R"({"type":"stats","t":1,"bytes":1,"freezes":true})",    // a boolean
       }) {
    const ProtocolError e = refused(text);
    EXPECT_EQ(e.code, ErrorCode::kBadField) << text;
    EXPECT_NE(e.message.find("stats"), std::string::npos) << e.message;
  }
}

namespace {

ServerInfo info() {
  ServerInfo i;
  i.width = 640;
  i.height = 360;
  return i;
}

}  // namespace

TEST(StatsMessage, HandlerPassesGoodReportsOnAndAnswersGarbageWithAnError) {
  const ServerInfo i = info();
  Handler h(1, &i);
  // Before hello: bad-state.
  auto a = h.on_text(R"({"type":"stats","t":1,"bytes":1})");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(std::get<action::Send>(a[0]).text.find("bad-state"), std::string::npos);
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
  ASSERT_EQ(h.state(), Handler::State::kNegotiating);
  a = h.on_text(R"({"type":"stats","t":1,"bytes":100,"delay_ms":5})");
  ASSERT_EQ(a.size(), 1u);
  const auto* st = std::get_if<action::Stats>(&a[0]);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->stats.bytes, 100u);
  // Garbage: one error reply, nothing for the controller, the session state unchanged.
  a = h.on_text(R"({"type":"stats","t":1,"bytes":NaN})");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(std::get<action::Send>(a[0]).text.find("\"error\""), std::string::npos);
  a = h.on_text(R"({"type":"stats","t":1,"bytes":-1})");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(std::get<action::Send>(a[0]).text.find("bad-field"), std::string::npos);
  EXPECT_EQ(h.state(), Handler::State::kNegotiating);
}

TEST(StatsMessage, DroppedOutsideWebRtc) {
  const ServerInfo i = info();
  Handler h(1, &i);
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"mjpeg"})");
  EXPECT_TRUE(h.on_text(R"({"type":"stats","t":1,"bytes":100})").empty());
}

TEST(StatsMessage, EstimateMessage) {
  EXPECT_EQ(estimate_message(850, 1200, true), R"({"type":"estimate","kbps":850,"encoder_kbps":1200,"steers":true})");
}
