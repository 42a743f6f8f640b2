// The signalling state machine without sockets or GStreamer: messages in, actions out.
#include <gtest/gtest.h>

#include <string>

#include "echo_tracker.h"
#include "handler.h"
#include "idle_policy.h"

using namespace vtkstream::sink;

namespace {

constexpr const char* kHelloWebRtc = R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})";
constexpr const char* kHelloMjpeg = R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})";
constexpr const char* kAnswer = R"({"type":"answer","sdp":"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"})";

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest() {
    info.width = 640;
    info.height = 360;
    info.renderer_state = RendererStatus::kRunning;
  }
  // Text of every Send action, in order.
  static std::vector<std::string> sent(const Actions& a) {
    std::vector<std::string> out;
    for (const auto& x : a)
      if (auto* s = std::get_if<action::Send>(&x)) out.push_back(s->text);
    return out;
  }
  static bool has_error(const Actions& a, const char* code) {
    for (const auto& t : sent(a))
      if (t.find("\"type\":\"error\"") != std::string::npos &&
          t.find(std::string("\"code\":\"") + code + "\"") != std::string::npos)
        return true;
    return false;
  }
  template <typename T>
  static int count(const Actions& a) {
    int n = 0;
    for (const auto& x : a) n += std::holds_alternative<T>(x);
    return n;
  }
  // hello + offer: the handler waits for the answer.
  void to_await_answer() {
    h.on_text(kHelloWebRtc);
    h.on_offer("v=0\r\n");
    ASSERT_EQ(h.state(), Handler::State::kAwaitAnswer);
  }

  ServerInfo info;
  Handler h{7, &info};
};

}  // namespace

TEST_F(HandlerTest, HelloWebRtcWelcomesAndStartsWebRtc) {
  Actions a = h.on_text(kHelloWebRtc);
  auto s = sent(a);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("\"type\":\"welcome\""), std::string::npos);
  EXPECT_NE(s[0].find("\"peer_id\":7"), std::string::npos);
  EXPECT_NE(s[0].find("\"width\":640"), std::string::npos);
  EXPECT_NE(s[0].find("/mjpeg?peer=7"), std::string::npos);
  EXPECT_NE(s[1].find("\"type\":\"renderer\""), std::string::npos);
  EXPECT_NE(s[1].find("running"), std::string::npos);
  EXPECT_EQ(count<action::StartWebRtc>(a), 1);
  EXPECT_EQ(h.state(), Handler::State::kNegotiating);
}

TEST_F(HandlerTest, HelloWithoutOurCodecIsNoCodec) {
  info.codec = Codec::kH264;
  Actions a = h.on_text(kHelloWebRtc);
  EXPECT_TRUE(has_error(a, "no-codec"));
  EXPECT_EQ(h.state(), Handler::State::kAwaitHello);  // may say hello again, e.g. with mjpeg
  EXPECT_EQ(count<action::StartMjpeg>(h.on_text(kHelloMjpeg)), 1);
}

TEST_F(HandlerTest, HelloMjpeg) {
  Actions a = h.on_text(kHelloMjpeg);
  EXPECT_NE(sent(a)[0].find("\"codec\":\"MJPEG\""), std::string::npos);
  EXPECT_EQ(count<action::StartMjpeg>(a), 1);
  EXPECT_EQ(count<action::StartWebRtc>(a), 0);
  EXPECT_EQ(h.state(), Handler::State::kMjpeg);
}

TEST_F(HandlerTest, EverythingBeforeHelloIsBadState) {
  for (const char* m : {kAnswer, R"({"type":"ice","candidate":"c","sdpMLineIndex":0})",
                        R"({"type":"input","t":"pm","x":0,"y":0})", R"({"type":"ping","t":1})",
                        R"({"type":"transport","transport":"mjpeg"})"}) {
    Actions a = h.on_text(m);
    EXPECT_TRUE(has_error(a, "bad-state")) << m;
    EXPECT_EQ(a.size(), 1u) << m;
  }
  EXPECT_TRUE(sent(h.on_channel_text(R"({"t":"pm","x":0,"y":0})"))[0].find("bad-state") != std::string::npos);
}

TEST_F(HandlerTest, SecondHelloIsBadState) {
  h.on_text(kHelloWebRtc);
  EXPECT_TRUE(has_error(h.on_text(kHelloWebRtc), "bad-state"));
  EXPECT_EQ(h.state(), Handler::State::kNegotiating);
}

TEST_F(HandlerTest, OfferAnswerFlow) {
  h.on_text(kHelloWebRtc);
  EXPECT_TRUE(has_error(h.on_text(kAnswer), "bad-state"));  // answer before our offer
  // A candidate gathered before the offer went out is held back until after it.
  EXPECT_TRUE(h.on_local_candidate(0, "candidate:early").empty());
  auto s = sent(h.on_offer("v=0\r\nm=video\r\n"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("\"type\":\"offer\""), std::string::npos);
  EXPECT_NE(s[1].find("candidate:early"), std::string::npos);
  EXPECT_EQ(sent(h.on_local_candidate(0, "candidate:late")).size(), 1u);

  Actions ice = h.on_text(R"({"type":"ice","candidate":"candidate:remote","sdpMLineIndex":0})");
  ASSERT_EQ(count<action::AddRemoteCandidate>(ice), 1);  // may race ahead of the answer
  EXPECT_TRUE(h.on_text(R"({"type":"ice","candidate":"","sdpMLineIndex":0})").empty());

  Actions a = h.on_text(kAnswer);
  ASSERT_EQ(count<action::ApplyAnswer>(a), 1);
  EXPECT_EQ(h.state(), Handler::State::kAnswered);
  EXPECT_TRUE(has_error(h.on_text(kAnswer), "bad-state"));  // second answer
}

TEST_F(HandlerTest, BadSdp) {
  to_await_answer();
  EXPECT_TRUE(has_error(h.on_text(R"({"type":"answer","sdp":"hello"})"), "bad-sdp"));
  EXPECT_EQ(h.state(), Handler::State::kAwaitAnswer);
  h.on_text(kAnswer);
  // The media side could not use it: the page may answer again.
  EXPECT_TRUE(has_error(h.on_answer_rejected("parse error"), "bad-sdp"));
  EXPECT_EQ(h.state(), Handler::State::kAwaitAnswer);
}

TEST_F(HandlerTest, IceOutsideNegotiationIsBadState) {
  h.on_text(kHelloMjpeg);
  EXPECT_TRUE(has_error(h.on_text(R"({"type":"ice","candidate":"c","sdpMLineIndex":0})"), "bad-state"));
  EXPECT_TRUE(has_error(h.on_text(kAnswer), "bad-state"));
}

TEST_F(HandlerTest, InputOverWebSocketAndChannel) {
  h.on_text(kHelloWebRtc);
  Actions a = h.on_text(R"({"type":"input","t":"pd","x":0.5,"y":0.5,"b":1,"s":9})");
  ASSERT_EQ(count<action::Inject>(a), 1);
  EXPECT_EQ(std::get<action::Inject>(a[0]).record.seq, 9u);
  Actions c = h.on_channel_text(R"({"t":"kd","k":"r","s":10})");
  ASSERT_EQ(count<action::Inject>(c), 1);
  EXPECT_EQ(std::get<action::Inject>(c[0]).record.key, "r");
  EXPECT_TRUE(has_error(h.on_channel_text("{oops"), "bad-json"));
  EXPECT_TRUE(has_error(h.on_channel_text(R"({"t":"pm","x":"left","y":0})"), "bad-field"));
}

TEST_F(HandlerTest, ResizeOnlyFromTheControllingPeer) {
  h.on_text(kHelloWebRtc);
  const char* rs = R"({"type":"input","t":"rs","w":800,"h":600})";
  EXPECT_TRUE(h.on_text(rs).empty());  // silently ignored: a viewer, not the driver
  h.set_controlling(true);
  EXPECT_EQ(count<action::Inject>(h.on_text(rs)), 1);
}

TEST_F(HandlerTest, PingPong) {
  h.on_text(kHelloMjpeg);
  auto s = sent(h.on_text(R"({"type":"ping","t":1234.5})"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_NE(s[0].find("\"type\":\"pong\""), std::string::npos);
  EXPECT_NE(s[0].find("1234.5"), std::string::npos);
}

TEST_F(HandlerTest, MalformedMessagesKeepTheSessionUsable) {
  h.on_text(kHelloWebRtc);
  EXPECT_TRUE(has_error(h.on_text("not json"), "bad-json"));
  EXPECT_TRUE(has_error(h.on_text(R"({"type":"warp"})"), "unknown-type"));
  EXPECT_TRUE(has_error(h.on_text(R"({"type":"ping","t":[1]})"), "bad-field"));
  EXPECT_TRUE(has_error(h.on_text(std::string(kMaxMessageBytes + 1, ' ')), "too-large"));
  EXPECT_EQ(h.state(), Handler::State::kNegotiating);
  EXPECT_EQ(sent(h.on_offer("v=0\r\n")).size(), 1u);  // still negotiating normally
}

TEST_F(HandlerTest, TransportSwitchDropsWebRtc) {
  to_await_answer();
  Actions a = h.on_text(R"({"type":"transport","transport":"mjpeg"})");
  EXPECT_EQ(count<action::StopWebRtc>(a), 1);
  EXPECT_EQ(count<action::StartMjpeg>(a), 1);
  EXPECT_EQ(h.state(), Handler::State::kMjpeg);
  EXPECT_TRUE(h.on_text(R"({"type":"transport","transport":"mjpeg"})").empty());  // idempotent
  EXPECT_TRUE(h.on_offer("v=0\r\n").empty());                                       // late offer dropped
  EXPECT_TRUE(h.on_local_candidate(0, "candidate:x").empty());
}

TEST_F(HandlerTest, WebRtcFailureFallsBackToMjpeg) {
  to_await_answer();
  Actions a = h.on_webrtc_failed("ICE failed");
  EXPECT_EQ(count<action::StopWebRtc>(a), 1);
  EXPECT_TRUE(has_error(a, "internal"));
  EXPECT_EQ(h.state(), Handler::State::kMjpeg);
  EXPECT_TRUE(h.on_webrtc_failed("again").empty());
}

// A page that decodes WebSocket video (hello ws_video) whose WebRTC took over (ws-video off) and
// was lost later: the server goes back to WebSocket video, not MJPEG, whoever notices first.
TEST_F(HandlerTest, WebRtcLostAfterTakingOverGoesBackToWsVideo) {
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc","ws_video":true})");
  h.on_offer("v=0\r\n");
  h.on_text(R"({"type":"ws-video","on":false})");
  Actions a = h.on_webrtc_failed("ICE failed");
  EXPECT_EQ(count<action::StopWebRtc>(a), 1);
  EXPECT_EQ(count<action::StartWsVideo>(a), 1);
  EXPECT_EQ(count<action::StartMjpeg>(a), 0);
  EXPECT_TRUE(has_error(a, "internal"));
  // The page is told before the first frame (it stopped its WebSocket video when WebRTC took over).
  const auto s = sent(a);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1], R"({"type":"transport","transport":"ws"})");
  EXPECT_EQ(h.state(), Handler::State::kWs);
  EXPECT_TRUE(h.ws_video());
  // The page noticing too, a moment later: nothing more.
  EXPECT_TRUE(h.on_text(R"({"type":"transport","transport":"ws"})").empty());
}

TEST_F(HandlerTest, RendererNoticesOnlyAfterHello) {
  EXPECT_TRUE(h.on_renderer(RendererStatus::kRestarting, "x").empty());
  h.on_text(kHelloMjpeg);
  auto s = sent(h.on_renderer(RendererStatus::kRestarting, "renderer exited"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_NE(s[0].find("restarting"), std::string::npos);
}

TEST(EchoTracker, OncePerNewSeqPerPeerAndTransport) {
  EchoTracker t;
  t.set_transport(1, Transport::kWebRtc);
  t.set_transport(2, Transport::kMjpeg);
  const uint64_t a = t.record(1, 10);
  const uint64_t b = t.record(2, 5);
  const uint64_t c = t.record(1, 11);
  t.record(1, 0);  // no echo wanted
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  auto e = t.frame(b, Transport::kWebRtc);  // reflects a and b: peer 1 gets 10
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].peer, 1u);
  EXPECT_EQ(e[0].client_seq, 10u);
  EXPECT_TRUE(t.frame(b, Transport::kWebRtc).empty());  // once per seq
  auto m = t.frame(c, Transport::kMjpeg);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].client_seq, 5u);
  auto w = t.frame(c + 100, Transport::kWebRtc);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].client_seq, 11u);
  t.record(1, 12);
  t.remove_peer(1);
  EXPECT_TRUE(t.frame(UINT64_MAX, Transport::kWebRtc).empty());
  EXPECT_TRUE(t.frame(0, Transport::kMjpeg).empty());
}

// `stay` after hello becomes a Stay action (the peer resets its idle timer); before hello it is
// out of order like everything else.
TEST_F(HandlerTest, StayResetsTheIdleTimerAfterHello) {
  EXPECT_TRUE(has_error(h.on_text(R"({"type":"stay"})"), "bad-state"));
  h.on_text(kHelloMjpeg);
  Actions a = h.on_text(R"({"type":"stay"})");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(count<action::Stay>(a), 1);
}

// The idle policy: a warning once per quiet spell, `idle_warning_lead_s` before the close.
TEST(IdlePolicy, WarnsOnceThenCloses) {
  using K = IdleStep::Kind;
  constexpr int64_t s = 1000000;
  EXPECT_EQ(idle_warning_lead_s(3600), 60);
  EXPECT_EQ(idle_warning_lead_s(6), 3);
  EXPECT_EQ(idle_step(0, 100000 * s, false).kind, K::kNothing);  // 0 = never
  EXPECT_EQ(idle_step(3600, 3539 * s, false).kind, K::kNothing);
  IdleStep w = idle_step(3600, 3540 * s, false);
  EXPECT_EQ(w.kind, K::kWarn);
  EXPECT_EQ(w.seconds_left, 60);
  EXPECT_EQ(idle_step(3600, 3550 * s, true).kind, K::kNothing);  // warned already
  EXPECT_EQ(idle_step(3600, 3600 * s, true).kind, K::kClose);
  EXPECT_EQ(idle_step(3600, 3600 * s, false).kind, K::kClose);
  w = idle_step(6, 5 * s + s / 2, false);  // half a second left: still says 1
  EXPECT_EQ(w.kind, K::kWarn);
  EXPECT_EQ(w.seconds_left, 1);
  EXPECT_EQ(idle_step(1, s / 2, false).kind, K::kNothing);  // no lead for a 1 s timeout
}


// `stills` in hello (the crisp still over HTTP, docs/protocol.md): a page that says it gets
// `still` messages; one that does not (an older page) never does; a wrong type is bad-field and
// the page may say hello again.
TEST_F(HandlerTest, HelloStillsCapability) {
  EXPECT_TRUE(has_error(h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc","stills":"yes"})"),
                        "bad-field"));
  EXPECT_EQ(h.state(), Handler::State::kAwaitHello);
  EXPECT_FALSE(h.stills());
  h.on_text(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc","stills":true})");
  EXPECT_EQ(h.state(), Handler::State::kNegotiating);
  EXPECT_TRUE(h.stills());
  Handler old{8, &info};
  old.on_text(kHelloWebRtc);
  EXPECT_FALSE(old.stills());
}

