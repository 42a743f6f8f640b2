// Reaching beyond the page, with the real element in a real pipeline: `vtksrc ! vtkstreamsink`
// fed by an in-process fake renderer, a WebRTC viewer (receive-only webrtcbin on the WebSocket
// protocol) and WHEP viewers (GStreamer's own webrtcbin POSTing its offer over HTTP).
//   Metrics.*  /metrics needs a token, and its numbers move while a viewer watches and steers.
//   Whep.*     POST /whep gets decoded frames and a resource that DELETE ends; bad input gets
//              its status and reason and leaves no webrtcbin and no descriptor behind; WHEP
//              viewers take view-only slots.
#include <gst/gst.h>

#include <cstdlib>
#include <regex>

#include "http_call.h"
#include "receiver.h"
#include "sink_test_util.h"
#include "threaded_fake_renderer.h"
#include "unique_name.h"
#include "vtkstream/vtksrc-contract.h"
#include "whep_client.h"

namespace vtkstream::sinktest {
namespace {

using test::FakeRenderer;
using test::http_call;
using test::HttpResult;
using test::Receiver;
using test::WhepClient;

// The value of the sample `name_and_labels` ("vtkstream_fps{rung=\"0\"}") in a scrape; -1 if absent.
double sample(const std::string& text, const std::string& name_and_labels) {
  const std::string key = "\n" + name_and_labels + " ";
  const size_t at = ("\n" + text).find(key);
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + key.size() - 1, nullptr);
}

class Reach : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(renderer_.ok());
    ASSERT_TRUE(p_.ok());
    configure(p_.sink());
    ASSERT_TRUE(p_.go(GST_STATE_PLAYING));
    ASSERT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running"), 20000));
    base_ = get_string(p_.sink(), "url");
    token_ = get_string(p_.sink(), "token");
    view_token_ = get_string(p_.sink(), "view-token");
  }
  void TearDown() override { p_.set_state(GST_STATE_NULL); }
  virtual void configure(GstElement*) {}

  HttpResult scrape() { return http_call("GET", base_ + "metrics", {{"Authorization", "Bearer " + token_}}); }
  std::string metrics_text() {
    const HttpResult r = scrape();
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    return r.body;
  }

  const std::string shm_ = test::unique_name("reach");
  FakeRenderer renderer_{shm_, 320, 240};
  Pipeline p_{"vtksrc shm-name=" + shm_ + " ! vtkstreamsink name=sink"};
  std::string base_, token_, view_token_;
};

TEST_F(Reach, MetricsNeedAToken) {
  HttpResult r = http_call("GET", base_ + "metrics");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.header("WWW-Authenticate").find("Bearer"), std::string::npos);
  EXPECT_EQ(r.body.find("vtkstream_"), std::string::npos);
  EXPECT_EQ(http_call("GET", base_ + "metrics?token=not-the-token-0123456789").status, 401);
  EXPECT_EQ(http_call("GET", base_ + "metrics", {{"Authorization", "Bearer not-the-token-0123456789"}}).status, 401);
  EXPECT_EQ(http_call("GET", base_ + "metrics?token=" + view_token_).status, 200);  // either link's token
  r = scrape();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u) << r.header("Content-Type");
  EXPECT_NE(r.body.find("# TYPE vtkstream_frames_in_total counter\n"), std::string::npos);
}

TEST_F(Reach, MetricsMoveDuringARealStream) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p_.sink())));
  ASSERT_FALSE(hello(ws, "webrtc").empty());
  Receiver rx(ws);
  ASSERT_TRUE(rx.watch(5, 20000, true)) << "frames " << rx.frames();

  const std::string first = metrics_text();
  EXPECT_EQ(sample(first, R"(vtkstream_peers{transport="webrtc",role="owner"})"), 1) << first;
  for (int s = 1; s <= 5; ++s)
    rx.channel_send(R"({"t":"pm","x":0.)" + std::to_string(s) + R"(,"y":0.5,"s":)" + std::to_string(s) + "}");
  ASSERT_FALSE(rx.wait_frame_echo(5, 10000).empty());
  // Rates are taken on the sink's 1 s tick, over the tick before: 40 frames may all fall inside
  // one tick interval, so the check runs again on each frame that arrives until a tick has seen
  // them (fps and kbit/s above 0), within the deadline.
  const int frames = rx.frames();
  std::string second;
  ASSERT_TRUE(run_until(
      [&] {
        if (rx.frames() < frames + 40) return false;
        second = metrics_text();
        return sample(second, R"(vtkstream_fps{rung="0"})") > 0 &&
               sample(second, R"(vtkstream_sent_kbps{transport="webrtc",rung="0"})") > 0;
      },
      10000))
      << second;

  for (const char* moving : {"vtkstream_frames_in_total", R"(vtkstream_frames_encoded_total{rung="0"})",
                             R"(vtkstream_encoded_bytes_total{rung="0"})",
                             R"(vtkstream_sent_bytes_total{transport="webrtc",rung="0"})",
                             "vtkstream_encode_seconds_count", "vtkstream_frame_age_seconds_count"})
    EXPECT_GT(sample(second, moving), sample(first, moving)) << moving << "\n" << second;
  EXPECT_EQ(sample(second, R"(vtkstream_input_events_total{kind="pm",outcome="forwarded"})") -
                sample(first, R"(vtkstream_input_events_total{kind="pm",outcome="forwarded"})"),
            5);
  EXPECT_GE(sample(second, "vtkstream_input_to_photon_seconds_count"), 1);
  EXPECT_GT(sample(second, R"(vtkstream_fps{rung="0"})"), 0);
  EXPECT_GT(sample(second, R"(vtkstream_sent_kbps{transport="webrtc",rung="0"})"), 0);
  EXPECT_EQ(sample(second, "vtkstream_renderer_up"), 1);
  // A photon cannot come before its input, nor (on this idle loopback) seconds after it.
  EXPECT_LT(sample(second, "vtkstream_input_to_photon_seconds_sum"),
            2.5 * sample(second, "vtkstream_input_to_photon_seconds_count"));
}

// A supervising program's "restarting" notice (what vtkstream-serve sends to the sink pad when
// it restarts the renderer) is counted, and the renderer is reported down meanwhile.
TEST_F(Reach, MetricsCountRendererRestarts) {
  const std::string before = metrics_text();
  EXPECT_EQ(sample(before, "vtkstream_renderer_up"), 1);
  vtkstream::contract::RendererNotice n;
  n.state = vtkstream::contract::RendererState::kRestarting;
  n.detail = "renderer restarting (test)";
  Ref<GstPad> pad(gst_element_get_static_pad(p_.sink(), "sink"));
  ASSERT_TRUE(gst_pad_send_event(pad.get(), vtkstream::contract::renderer_notice_event(n)));
  ASSERT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-renderer", "state", "restarting")));
  const std::string after = metrics_text();
  EXPECT_EQ(sample(after, "vtkstream_renderer_restarts_total") - sample(before, "vtkstream_renderer_restarts_total"), 1);
  EXPECT_EQ(sample(after, "vtkstream_renderer_up"), 0);
}

TEST_F(Reach, WhepViewerGetsFramesAndDeleteEndsIt) {
  WhepClient viewer;
  const HttpResult r = viewer.start(base_ + "whep", view_token_);
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.header("Content-Type"), "application/sdp");
  const std::string location = r.header("Location");
  ASSERT_TRUE(std::regex_match(location, std::regex("/whep/[A-Za-z0-9_-]{32}"))) << location;
  EXPECT_NE(r.body.find("a=candidate:"), std::string::npos) << r.body;  // no trickle: all of them
  EXPECT_NE(r.body.find("a=end-of-candidates"), std::string::npos);
  EXPECT_EQ(r.body.find("m=application"), std::string::npos);  // view-only: no input channel
  // Players on other origins: the 201 lets scripts read Location, and preflights pass.
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(r.header("Access-Control-Expose-Headers").find("Location"), std::string::npos);
  const HttpResult pre = http_call("OPTIONS", base_ + "whep",
                                   {{"Origin", "http://player.example"}, {"Access-Control-Request-Method", "POST"},
                                    {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(pre.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(pre.header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  ASSERT_TRUE(run_until([&] { return viewer.frames() >= 10; }, 20000)) << "frames " << viewer.frames();
  EXPECT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-viewer", "action", "joined")));
  EXPECT_EQ(sample(metrics_text(), R"(vtkstream_peers{transport="whep",role="viewer"})"), 1);
  EXPECT_EQ(webrtcbins(p_.sink()), 1);

  const std::string resource = base_ + location.substr(1);
  EXPECT_EQ(http_call("PATCH", resource, {{"Authorization", "Bearer " + view_token_}}, "a=end-of-candidates\r\n",
                      "application/trickle-ice-sdpfrag")
                .status,
            405);
  EXPECT_EQ(http_call("DELETE", resource).status, 401);  // the resource name alone is not enough
  EXPECT_EQ(http_call("DELETE", resource, {{"Authorization", "Bearer " + view_token_}}).status, 200);
  EXPECT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-viewer", "action", "left")));
  EXPECT_EQ(sample(metrics_text(), R"(vtkstream_peers{transport="whep",role="viewer"})"), 0);
  EXPECT_TRUE(wait_webrtcbins(p_.sink(), 0)) << webrtcbins(p_.sink());
  EXPECT_EQ(http_call("DELETE", resource, {{"Authorization", "Bearer " + view_token_}}).status, 404);
}

// A WHEP player that goes without DELETE (closed tab, lost network) stops sending RTCP: its
// session ends after WhepSessions::kRtcpTimeoutS, while a player still watching keeps its own.
TEST_F(Reach, WhepViewerThatVanishesIsDropped) {
  WhepClient staying;
  auto leaving = std::make_unique<WhepClient>();
  ASSERT_EQ(staying.start(base_ + "whep", view_token_).status, 201);
  ASSERT_EQ(leaving->start(base_ + "whep", view_token_).status, 201);
  ASSERT_TRUE(run_until([&] { return staying.frames() >= 5 && leaving->frames() >= 5; }, 20000));
  const int64_t gone_at = g_get_monotonic_time();
  leaving.reset();  // its pipeline stops: no DELETE, no more RTCP
  ASSERT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-viewer", "action", "left"), 40000));
  const double after_s = double(g_get_monotonic_time() - gone_at) / 1e6;
  EXPECT_GE(after_s, 10) << "dropped too early";  // 20 s after its last report
  EXPECT_EQ(sample(metrics_text(), R"(vtkstream_peers{transport="whep",role="viewer"})"), 1);
  EXPECT_TRUE(wait_webrtcbins(p_.sink(), 1)) << webrtcbins(p_.sink());
  const int frames = staying.frames();
  EXPECT_TRUE(run_until([&] { return staying.frames() >= frames + 10; }, 10000));
}

// Every viewer gets the same packets (VP8 as 96): an offer with VP8 under another number (Firefox
// uses 120) is refused with the reason, and the others keep watching.
TEST_F(Reach, WhepOfferWithAnotherPayloadNumberIsRefused) {
  WhepClient usual;
  WhepClient other("rtpvp8depay ! vp8dec",
                   "application/x-rtp,media=video,encoding-name=VP8,payload=120,clock-rate=90000");
  ASSERT_EQ(usual.start(base_ + "whep", view_token_).status, 201);
  const HttpResult r = other.start(base_ + "whep", view_token_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("payload type 120"), std::string::npos) << r.body;
  EXPECT_EQ(webrtcbins(p_.sink()), 1);
  const int frames = usual.frames();
  EXPECT_TRUE(run_until([&] { return usual.frames() >= frames + 10; }, 20000)) << usual.frames() << " frames";
}

TEST_F(Reach, WhepBadInputLeavesNothingBehind) {
  // A first session and its end, so that libraries' one-time allocations are in the baseline.
  {
    WhepClient warm;
    const HttpResult r = warm.start(base_ + "whep", token_);
    ASSERT_EQ(r.status, 201) << r.error;
    ASSERT_EQ(http_call("DELETE", base_ + r.header("Location").substr(1), {{"Authorization", "Bearer " + token_}}).status,
              200);
  }
  const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer " + token_}};
  const std::string url = base_ + "whep";
  WhepClient offerer;  // its sockets are this process's: counted in the baseline
  const std::string good = offerer.offer();
  ASSERT_FALSE(good.empty());
  const int fds = fd_count();
  struct Case {
    const char* what;
    HttpResult r;
    int status;
    const char* reason;
  };
  std::string no_video = good;
  no_video.replace(no_video.find("m=video"), 7, "m=audio");
  const std::vector<Case> cases = {
      {"garbage", http_call("POST", url, auth, "this is not SDP", "application/sdp"), 400, "v=0"},
      {"no video", http_call("POST", url, auth, no_video, "application/sdp"), 400, "video"},
      {"oversized", http_call("POST", url, auth, "v=0\r\n" + std::string(40000, 'a'), "application/sdp"), 400,
       "too large"},
      {"H.264 only", http_call("POST", url, auth, std::regex_replace(good, std::regex("VP8"), "H264"),
                               "application/sdp"), 400, "VP8"},
      {"content type", http_call("POST", url, auth, good, "text/plain"), 415, "application/sdp"},
      {"no token", http_call("POST", url, {}, good, "application/sdp"), 401, "Bearer"},
      {"bad token", http_call("POST", url, {{"Authorization", "Bearer 0123456789abcdefghij"}}, good, "application/sdp"),
       401, "Bearer"},
      {"cookie is not a token",
       http_call("POST", url, {{"Cookie", "vtkstream_token_0=" + token_}}, good, "application/sdp"), 401, "Bearer"},
      {"GET", http_call("GET", url, auth), 405, "method"},
      {"unknown resource", http_call("DELETE", url + "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", auth), 404, "no such"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.r.status, c.status) << c.what << ": " << c.r.error << c.r.body;
    EXPECT_NE(c.r.body.find(c.reason), std::string::npos) << c.what << ": " << c.r.body;
  }
  // Far over the limit: refused before the body is read (the client may see the reset first).
  const HttpResult huge = http_call("POST", url, auth, std::string(4 << 20, 'v'), "application/sdp");
  EXPECT_TRUE(huge.status == 400 || huge.status == -1) << huge.status;
  EXPECT_TRUE(wait_webrtcbins(p_.sink(), 0)) << webrtcbins(p_.sink());
  EXPECT_TRUE(eventually([&] { return fd_count() <= fds; }, 5000)) << fd_count() << " descriptors, " << fds << " before";
  EXPECT_EQ(sample(metrics_text(), R"(vtkstream_peers{transport="whep",role="viewer"})"), 0);
  EXPECT_GE(sample(metrics_text(), "vtkstream_whep_refused_total"), 4);
  // And the server goes on serving.
  WhepClient after;
  EXPECT_EQ(after.start(url, token_).status, 201);
  EXPECT_TRUE(run_until([&] { return after.frames() >= 3; }, 20000));
}

// The answer takes only the header extensions the offer has, under the offer's ids: webrtcbin put
// the payloaders' playout-delay (id 14) into every answer, over Chromium's toffset at 14.
TEST_F(Reach, WhepAnswerKeepsToTheOfferedExtensions) {
  constexpr const char* kPlayout = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
  WhepClient offerer;
  const std::string good = offerer.offer();
  ASSERT_FALSE(good.empty());
  const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer " + view_token_}};
  auto answer_to = [&](const std::string& extmaps) {
    std::string sdp = good;
    const size_t mid = sdp.find("a=mid:", sdp.find("m=video"));
    sdp.insert(mid, extmaps);
    const HttpResult r = http_call("POST", base_ + "whep", auth, sdp, "application/sdp");
    EXPECT_EQ(r.status, 201) << r.error << r.body;
    if (r.status == 201) http_call("DELETE", base_ + r.header("Location").substr(1), auth);
    return r.body;
  };
  // Chromium's video m-line: toffset under 14, playout-delay under 5.
  std::string a =
      answer_to("a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\na=extmap:5 " + std::string(kPlayout) + "\r\n");
  EXPECT_EQ(a.find("a=extmap:14 "), std::string::npos) << a;
  a = answer_to("");
  EXPECT_EQ(a.find("a=extmap:"), std::string::npos) << a;
  a = answer_to("a=extmap:14 " + std::string(kPlayout) + "\r\n");  // offered under our id: kept
  EXPECT_NE(a.find("a=extmap:14 " + std::string(kPlayout)), std::string::npos) << a;
  EXPECT_TRUE(wait_webrtcbins(p_.sink(), 0)) << webrtcbins(p_.sink());
}

// An encoder slower than the renderer (100 ms a frame against about 33): the one-frame queue in
// front of it drops the rest, and /metrics counts them.
class ReachSlowEncoder : public Reach {
  void configure(GstElement* sink) override {
    g_object_set(sink, "encoder",
                 "videoconvert ! queue name=encqueue max-size-buffers=1 max-size-bytes=0 max-size-time=0 "
                 "leaky=downstream ! identity sleep-time=100000 ! vp8enc name=enc deadline=1 ! "
                 "rtpvp8pay name=pay pt=96",
                 nullptr);
  }
};

TEST_F(ReachSlowEncoder, DroppedFramesAreCounted) {
  WhepClient viewer;  // frames arriving are the clock of this test
  ASSERT_EQ(viewer.start(base_ + "whep", view_token_).status, 201);
  ASSERT_TRUE(run_until([&] { return viewer.frames() >= 10; }, 20000)) << viewer.frames() << " frames";
  const std::string m = metrics_text();
  const double in = sample(m, "vtkstream_frames_in_total"), encoded = sample(m, R"(vtkstream_frames_encoded_total{rung="0"})"),
               dropped = sample(m, R"(vtkstream_frames_dropped_total{rung="0"})");
  EXPECT_GT(dropped, 0) << m;
  EXPECT_GT(in, encoded);
  EXPECT_LE(encoded + dropped, in);  // a frame is encoded, dropped, or still on its way
}

class ReachSlots : public Reach {
  void configure(GstElement* sink) override { g_object_set(sink, "max-peers", 2u, "owner-slots", 1u, nullptr); }
};

TEST_F(ReachSlots, WhepViewersTakeViewOnlySlots) {
  WhepClient first;
  ASSERT_EQ(first.start(base_ + "whep", view_token_).status, 201);
  WhepClient second;  // one view-only slot of two: taken
  const HttpResult r = second.start(base_ + "whep", token_);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("view-only"), std::string::npos) << r.body;
  EXPECT_FALSE(r.header("Retry-After").empty());
  WsClient viewer;  // a view-only WebSocket peer neither
  ASSERT_TRUE(viewer.connect(ws_url(p_.sink(), true)));
  EXPECT_NE(viewer.wait_for("bye").find("too-many-peers"), std::string::npos);
  WsClient owner;  // the owner's slot stays free
  ASSERT_TRUE(owner.connect(ws_url(p_.sink())));
  EXPECT_FALSE(hello(owner, "mjpeg").empty());
}

}  // namespace
}  // namespace vtkstream::sinktest
