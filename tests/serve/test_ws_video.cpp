// WebSocket video without sockets: the binary wire format, the flow control's rules and the
// handler's transitions (docs/protocol.md "WebSocket video").
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "handler.h"
#include "ws_video_flow.h"
#include "ws_video_wire.h"

using namespace vtkstream::sink;

namespace {

template <class A>
bool has(const Actions& a) {
  return std::any_of(a.begin(), a.end(), [](const Action& x) { return std::holds_alternative<A>(x); });
}

TEST(WsVideoWire, HeaderRoundTripsBigEndian) {
  wsvideo::FrameHeader h;
  h.codec = wsvideo::kCodecH264;
  h.keyframe = true;
  h.frame_id = 0x01020304;
  h.seq = (uint64_t(1) << 53) - 1;
  h.pts_us = 123456789;
  h.width = 1280;
  h.height = 720;
  const uint8_t payload[] = {0xaa, 0xbb};
  const auto msg = wsvideo::encode_frame(h, payload, sizeof payload);
  ASSERT_EQ(msg.size(), wsvideo::kHeaderBytes + 2);
  EXPECT_EQ(msg[0], 1);
  EXPECT_EQ(msg[1], 28);
  EXPECT_EQ(msg[2], 2);
  EXPECT_EQ(msg[3], 1);
  EXPECT_EQ(msg[4], 0x01);
  EXPECT_EQ(msg[7], 0x04);
  EXPECT_EQ(msg[24], 1280 >> 8);
  wsvideo::FrameHeader back;
  size_t off = 0;
  ASSERT_TRUE(wsvideo::decode_frame(msg.data(), msg.size(), &back, &off));
  EXPECT_EQ(off, 28u);
  EXPECT_EQ(back.frame_id, h.frame_id);
  EXPECT_EQ(back.seq, h.seq);
  EXPECT_EQ(back.pts_us, h.pts_us);
  EXPECT_EQ(back.height, 720);
  EXPECT_TRUE(back.keyframe);
  EXPECT_EQ(msg[28], 0xaa);
}

TEST(WsVideoWire, AcksParseAndGarbageIsNamed) {
  const auto a = wsvideo::encode_ack(77);
  auto r = wsvideo::parse_record(a.data(), a.size());
  ASSERT_TRUE(std::holds_alternative<wsvideo::Ack>(r));
  EXPECT_EQ(std::get<wsvideo::Ack>(r).frame_id, 77u);
  const uint8_t kind7[] = {7, 1, 0, 0};
  EXPECT_EQ(std::get<wsvideo::BadRecord>(wsvideo::parse_record(kind7, 4)).reason, "unknown binary record kind 7");
  EXPECT_TRUE(std::holds_alternative<wsvideo::BadRecord>(wsvideo::parse_record(a.data(), 7)));  // short
  EXPECT_TRUE(std::holds_alternative<wsvideo::BadRecord>(wsvideo::parse_record(nullptr, 0)));
  auto v2 = a;
  v2[1] = 2;
  EXPECT_TRUE(std::holds_alternative<wsvideo::BadRecord>(wsvideo::parse_record(v2.data(), v2.size())));
  auto nz = a;
  nz[3] = 1;
  EXPECT_TRUE(std::holds_alternative<wsvideo::BadRecord>(wsvideo::parse_record(nz.data(), nz.size())));
}

TEST(WsVideoFlow, StartsAtAKeyframeAndKeepsTwoInFlight) {
  WsVideoFlow f;
  auto o = f.offer(false, 100, 0, 0);  // a delta frame first: skipped, a keyframe wanted
  EXPECT_FALSE(o.send);
  EXPECT_TRUE(o.want_keyframe);
  EXPECT_TRUE(f.offer(true, 1000, 0, 10).send);
  EXPECT_TRUE(f.offer(false, 100, 0, 20).send);
  EXPECT_EQ(f.in_flight(), 2u);
  EXPECT_EQ(f.in_flight_bytes(), 1100u);
  // Both acked: the window drained, the keyframe's allowance is over.
  EXPECT_TRUE(f.ack(2, 25).known);
  EXPECT_TRUE(f.offer(false, 100, 0, 30).send);
  EXPECT_TRUE(f.offer(false, 100, 0, 40).send);
  o = f.offer(false, 100, 5, 50);  // window full: skipped, no keyframe asked yet (no room)
  EXPECT_FALSE(o.send);
  EXPECT_FALSE(o.want_keyframe);
  // Behind: deltas are skipped even after an ack, and the ack asks for a keyframe.
  auto a = f.ack(3, 60);
  EXPECT_TRUE(a.known);
  EXPECT_EQ(*a.rtt_us, 30);
  EXPECT_TRUE(a.want_keyframe);
  EXPECT_FALSE(f.offer(false, 100, 0, 70).send);
  o = f.offer(true, 900, 0, 80);
  ASSERT_TRUE(o.send);
  EXPECT_EQ(o.frame_id, 5u);
  EXPECT_EQ(o.seq, 5u);  // the echo the skipped frame carried
  EXPECT_EQ(f.frames_skipped(), 3u);
  EXPECT_EQ(f.frames_skipped_full(), 1u);  // the others waited for a keyframe
  EXPECT_EQ(f.bytes_sent(), 2200u);
  EXPECT_EQ(f.bytes_offered(), 2500u);
}

TEST(WsVideoFlow, FramesBehindAKeyframeGoOutUntilTheWindowDrains) {
  // A keyframe takes many frame intervals on a slow link: the deltas after it queue behind it
  // (kBehindKeyframe more) rather than being skipped, which would only ask for another keyframe.
  WsVideoFlow f;
  EXPECT_TRUE(f.offer(true, 20000, 0, 0).send);
  for (size_t i = 1; i < WsVideoFlow::kMaxInFlight + WsVideoFlow::kBehindKeyframe; ++i)
    EXPECT_TRUE(f.offer(false, 500, 0, int64_t(i) * 33'000).send) << i;
  EXPECT_FALSE(f.offer(false, 500, 0, 400'000).send);  // the allowance is bounded
  EXPECT_EQ(f.frames_skipped_full(), 1u);
  // The keyframe and some deltas arrive; the allowance holds until fewer than two are in flight.
  EXPECT_TRUE(f.ack(5, 420'000).known);
  EXPECT_TRUE(f.offer(true, 20000, 0, 430'000).send);  // a keyframe ends the skip
  EXPECT_TRUE(f.offer(false, 500, 0, 460'000).send);
  EXPECT_TRUE(f.ack(12, 500'000).known);  // all drained: back to two
  EXPECT_TRUE(f.offer(false, 500, 0, 530'000).send);
  EXPECT_TRUE(f.offer(false, 500, 0, 560'000).send);
  EXPECT_FALSE(f.offer(false, 500, 0, 590'000).send);
}

TEST(WsVideoFlow, ANonAckingPageGetsTheLimitAndNothingGrows) {
  WsVideoFlow f;
  int sent = 0;
  for (int i = 0; i < 10000; ++i) sent += f.offer(i % 30 == 0, 5000, 0, i * 33'000).send;
  // The first frame is a keyframe: the frames behind it make the limit.
  const size_t limit = WsVideoFlow::kMaxInFlight + WsVideoFlow::kBehindKeyframe;
  EXPECT_EQ(sent, int(limit));
  EXPECT_EQ(f.in_flight_bytes(), limit * 5000u);
  // Cumulative ack of all, unknown and repeated acks are harmless.
  EXPECT_TRUE(f.ack(uint32_t(limit), 1).known);
  EXPECT_FALSE(f.ack(uint32_t(limit), 2).known);
  EXPECT_FALSE(f.ack(99, 3).known);
  EXPECT_EQ(f.bytes_acked(), limit * 5000u);
}

TEST(WsVideoFlow, LostFramesWaitForAKeyframe) {
  WsVideoFlow f;
  EXPECT_TRUE(f.offer(true, 1, 0, 0).send);
  f.lost();
  EXPECT_FALSE(f.offer(false, 1, 0, 1).send);
  EXPECT_TRUE(f.offer(true, 1, 0, 2).send);
}

class WsHandler : public ::testing::Test {
 protected:
  ServerInfo info;
  Handler h{3, &info};
};

TEST_F(WsHandler, HelloWsStartsWsVideoOnlyAndWelcomeSaysSo) {
  auto a = h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"ws"})");
  EXPECT_TRUE(has<action::StartWsVideo>(a));
  EXPECT_FALSE(has<action::StartWebRtc>(a));
  EXPECT_NE(std::get<action::Send>(a[0]).text.find("\"ws_video\":true"), std::string::npos);
  EXPECT_EQ(h.state(), Handler::State::kWs);
  // No codec in common: no-codec, as for WebRTC.
  Handler h2{4, &info};
  auto b = h2.on_text(R"({"type":"hello","version":1,"codecs":["H264"],"transport":"ws"})");
  EXPECT_NE(std::get<action::Send>(b[0]).text.find("no-codec"), std::string::npos);
}

TEST_F(WsHandler, WebRtcWithWsVideoRunsBothUntilOff) {
  auto a = h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc","ws_video":true})");
  EXPECT_TRUE(has<action::StartWsVideo>(a));
  EXPECT_TRUE(has<action::StartWebRtc>(a));
  EXPECT_TRUE(has<action::StopWsVideo>(h.on_text(R"({"type":"ws-video","on":false})")));
  EXPECT_TRUE(h.on_text(R"({"type":"ws-video","on":false})").empty());  // already off
  EXPECT_TRUE(has<action::StartWsVideo>(h.on_text(R"({"type":"ws-video","on":true})")));
  // WebRTC failing with WebSocket video on stays on the WebSocket, not MJPEG.
  auto f = h.on_webrtc_failed("ice");
  EXPECT_TRUE(has<action::StopWebRtc>(f));
  EXPECT_FALSE(has<action::StartMjpeg>(f));
  EXPECT_EQ(h.state(), Handler::State::kWs);
}

TEST_F(WsHandler, TransportWsDropsWebRtcAndMjpegCannotSwitchToWs) {
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
  auto a = h.on_text(R"({"type":"transport","transport":"ws"})");
  EXPECT_TRUE(has<action::StopWebRtc>(a));
  EXPECT_TRUE(has<action::StartWsVideo>(a));
  EXPECT_TRUE(h.ws_video());
  Handler m{5, &info};
  m.on_text(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})");
  auto b = m.on_text(R"({"type":"transport","transport":"ws"})");
  EXPECT_NE(std::get<action::Send>(b[0]).text.find("bad-state"), std::string::npos);
  auto c = m.on_text(R"({"type":"ws-video","on":"yes"})");
  EXPECT_NE(std::get<action::Send>(c[0]).text.find("bad-field"), std::string::npos);
}

TEST_F(WsHandler, QualityPinsARungForWsVideoButNotForMjpeg) {
  // Rungs are encodes WebSocket video carries too: its quality menu pins one.
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"ws"})");
  auto a = h.on_text(R"({"type":"quality","rung":2})");
  ASSERT_TRUE(has<action::Quality>(a));
  Handler m{5, &info};
  m.on_text(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})");
  auto b = m.on_text(R"({"type":"quality","rung":1})");
  EXPECT_NE(std::get<action::Send>(b[0]).text.find("bad-state"), std::string::npos);
}

}  // namespace
