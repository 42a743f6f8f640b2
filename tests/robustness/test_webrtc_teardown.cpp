// WebRTC viewers that leave while the server's webrtcbin is still gathering ICE candidates
// (issue 12, "safe to leave running on a public link"): a page reloaded at once, a tab closed
// during the handshake. Every such teardown must free the whole branch: on the code before the
// fix about 1 in 10 left one webrtcbin TransportReceiveBin alive with its nicesrc, DTLS/SRTP
// elements and NiceAgent (16 sockets and 4 eventfds each time).
//  * LeaveDuringGatheringFreesEverything: 30 peers, each says hello with transport webrtc and
//    leaves at one of three moments before the server's end-of-candidates (right after the
//    welcome, right after the offer, after answering and the first server candidate, right
//    after answering and handing over the client's candidates); the
//    server's descriptors return to the baseline.
// argv[1] is the server binary. Run in a private network namespace by tests/serve/run_in_netns.sh
// (its veth address gives ICE a host candidate, so gathering takes a moment as it does for real).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "receiver.h"
#include "robust_util.h"
#include "test_main_context.h"
#include "threaded_fake_renderer.h"
#include "unique_name.h"
#include "ws_client.h"

using namespace vtkstream::test;
using robust::proc_stats;
using robust::settle;
using robust::ProcStats;

namespace {

std::string g_server_binary;

std::string web_dir() { return robust::minimal_web_dir(); }

constexpr const char* kHello = R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})";

// True when the server has sent its end-of-candidates on `ws` (an "ice" with candidate "").
bool saw_end_of_candidates(WsClient& ws) {
  for (const std::string& m : ws.messages()) {
    Json j(m);
    if (j.str("type") == "ice" && j.has("candidate") && j.str("candidate").empty()) return true;
  }
  return false;
}


}  // namespace

TEST(WebRtcTeardown, LeaveDuringGatheringFreesEverything) {
  const std::string shm = unique_name("teardown");
  FakeRenderer renderer(shm, 320, 240);
  ASSERT_TRUE(renderer.ok());
  robust::Server server(g_server_binary, {"--port", "0", "--shm", shm, "--web", web_dir(), "--bitrate", "300"});
  ASSERT_TRUE(server.started()) << "the server printed no link";
  ASSERT_TRUE(server.wait_renderer_running(10000)) << server.health();

  // One full session first: GStreamer and libnice create some things once per process (the
  // DTLS certificate, GnuTLS/OpenSSL state, thread pools); the baseline is taken after it.
  {
    WsClient ws;
    ASSERT_TRUE(ws.connect(server.ws_url()));
    ws.send(kHello);
    ASSERT_FALSE(ws.wait_for("welcome").empty());
    const std::string offer = Json(ws.wait_for("offer")).str("sdp");
    ASSERT_FALSE(offer.empty());
    Receiver rx(ws);
    ASSERT_FALSE(rx.answer(offer).empty());
    ASSERT_TRUE(run_until([&] { rx.pump_candidates(); return rx.frames() >= 3; }, 20000)) << "no video";
  }
  ASSERT_TRUE(server.wait_no_peers(15000)) << server.health();
  const ProcStats base = settle(server.pid(), 0, 2000);
  std::printf("baseline: %d fds, RSS %ld KiB\n", base.fds, base.rss_kb);

  const int kPeers = g_getenv("VTKTEARDOWN_PEERS") ? std::atoi(g_getenv("VTKTEARDOWN_PEERS")) : 30;
  int early = 0;  // leaves that really came before the server's end-of-candidates
  for (int i = 0; i < kPeers; ++i) {
    WsClient ws;
    ASSERT_TRUE(ws.connect(server.ws_url())) << "peer " << i;
    ws.send(kHello);
    ASSERT_FALSE(ws.wait_for("welcome").empty()) << "peer " << i;
    std::unique_ptr<Receiver> rx;
    const int moment = i % 4;
    if (moment >= 1) {
      const std::string offer = Json(ws.wait_for("offer")).str("sdp");
      ASSERT_FALSE(offer.empty()) << "peer " << i;
      if (moment >= 2) {
        rx = std::make_unique<Receiver>(ws);
        ASSERT_FALSE(rx->answer(offer).empty());
        if (moment == 2) ws.wait_for("ice", 5000);
        // 3: the browser's candidates and the server's first one exchanged, ICE checks under way.
        if (moment == 3) rx->pump_candidates();
      }
    }
    if (!saw_end_of_candidates(ws)) ++early;
    // Leaving: the Receiver (if any) goes first, then the socket closes as a tab's does.
  }
  ASSERT_TRUE(server.wait_no_peers(15000)) << server.health();
  const ProcStats after = settle(server.pid(), base.fds, 10000);
  std::printf("after %d early leaves (%d before end-of-candidates): %d fds (%+d), RSS %ld KiB (%+ld)\n", kPeers, early,
              after.fds, after.fds - base.fds, after.rss_kb, after.rss_kb - base.rss_kb);
  EXPECT_GE(early, kPeers / 2) << "most peers must leave while the server is still gathering";
  // Every descriptor back: one leaked receive bin alone holds 20.
  EXPECT_LE(after.fds, base.fds) << "a WebRTC branch torn down during gathering left sockets behind";
  EXPECT_EQ(server.terminate(), 0) << "unclean shutdown on SIGTERM";
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SERVER_BINARY\n", argv[0]);
    return 2;
  }
  g_server_binary = argv[1];
  return RUN_ALL_TESTS();
}
