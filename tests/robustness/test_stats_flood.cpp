// A WebRTC viewer flooding `stats` reports (docs/protocol.md "Link statistics"), 1000 at once with
// hostile `frames` in them, against the real vtkstream-serve: the reports over the rate get one
// `rate-limited` error and are ignored (adapt/report_pacer.h), the session goes on, another peer's
// `ping` is answered, and the server's RSS and descriptors stay bounded. Part of
// test-serve-robustness (its main()); run in a private network namespace by
// tests/serve/run_in_netns.sh.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "robust_util.h"
#include "test_main_context.h"
#include "threaded_fake_renderer.h"
#include "unique_name.h"
#include "ws_client.h"

using namespace vtkstream::test;

extern std::string g_robust_server_binary;

namespace {

// 16 [RTP timestamp, arrival] pairs: the 32-bit edge, timestamps never sent, arrivals at 0 and
// far in the future.
std::string report(int i) {
  std::string frames;
  for (int k = 0; k < 16; ++k) {
    const unsigned long long ts = k % 4 == 0 ? 4294967295ull : (2654435761ull * unsigned(i * 16 + k)) % 4294967296ull;
    frames += (k ? "," : "") + std::string("[") + std::to_string(ts) + "," + (k % 3 ? "1e12" : "0") + "]";
  }
  return R"({"type":"stats","t":)" + std::to_string(i + 1) + R"(,"bytes":)" + std::to_string(i) +
         R"(,"packets":)" + std::to_string(i) + R"(,"frames":[)" + frames + "]}";
}

TEST(StatsFlood, ReportsOverTheRateAreIgnoredOthersAreAnswered) {
  const std::string shm = unique_name("statsflood");
  FakeRenderer renderer(shm, 320, 240);
  ASSERT_TRUE(renderer.ok());
  robust::Server server(g_robust_server_binary, {"--port", "0", "--shm", shm, "--web", robust::minimal_web_dir(),
                                                 "--bitrate", "300"});
  ASSERT_TRUE(server.started()) << "the server printed no link";
  ASSERT_TRUE(server.wait_renderer_running(10000)) << server.health();
  WsClient flooder, observer;
  ASSERT_TRUE(flooder.connect(server.ws_url()));
  flooder.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
  ASSERT_FALSE(flooder.wait_for("offer").empty()) << "no WebRTC session: reports would be dropped unread";
  ASSERT_TRUE(observer.connect(server.ws_url(/*view_only=*/true)));
  observer.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"mjpeg"})");
  ASSERT_FALSE(observer.wait_for("welcome").empty());
  const robust::ProcStats base = robust::proc_stats(server.pid());

  constexpr int kReports = 1000;
  for (int i = 0; i < kReports; ++i) flooder.send(report(i));
  // The reports over the rate are named once (not one error each), and nothing else is wrong
  // with them: no bad-field.
  const std::string err = flooder.wait_for("error");
  ASSERT_FALSE(err.empty()) << "the flood of " << kReports << " reports got no rate-limited error";
  EXPECT_EQ(Json(err).str("code"), "rate-limited") << err;
  flooder.send(R"({"type":"ping","t":7})");
  EXPECT_FALSE(flooder.wait_for("pong").empty()) << "the flooder's session did not go on";
  EXPECT_TRUE(flooder.wait_for("error", 300).empty()) << "more than one error for one burst";
  const gint64 p0 = g_get_monotonic_time();
  observer.send(R"({"type":"ping","t":8})");
  EXPECT_FALSE(observer.wait_for("pong", 2000).empty());
  const double pong_ms = (g_get_monotonic_time() - p0) / 1000.0;
  const robust::ProcStats after = robust::proc_stats(server.pid());
  std::printf("stats flood: %d reports; observer pong %.1f ms after; rss %ld -> %ld kB, fds %d -> %d\n", kReports,
              pong_ms, base.rss_kb, after.rss_kb, base.fds, after.fds);
  EXPECT_LT(pong_ms, 1000);
  EXPECT_LT(after.rss_kb, base.rss_kb + 20 * 1024) << "the flood grew the server's memory";
  EXPECT_FALSE(flooder.closed());
  EXPECT_TRUE(flooder.close());
  EXPECT_TRUE(observer.close());
  EXPECT_LE(robust::settle(server.pid(), base.fds - 2, 10000).fds, base.fds - 2) << "descriptors not back after the two left";
  EXPECT_EQ(server.terminate(), 0);
}

}  // namespace
