// vtkstreamsink through state changes with viewers attached: NULL -> PLAYING -> NULL cycles leave
// no descriptor and no web thread behind, and READY -> NULL says bye to the peers.
#include <algorithm>

#include "sink_test_util.h"

namespace vtkstream::sinktest {
namespace {

constexpr const char* kThread = "vtkstreamsink";  // the web side's thread (g_thread_new name)
constexpr const char* kLive =
    "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1 ! vtkstreamsink name=sink";

// Waits for the server's end-of-candidates (`ice` with candidate "") after a WebRTC hello.
bool wait_end_of_candidates(WsClient& ws, int timeout_ms = 15000) {
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (g_get_monotonic_time() < deadline) {
    const std::string ice = ws.wait_for("ice", static_cast<int>((deadline - g_get_monotonic_time()) / 1000) + 1);
    if (ice.empty()) return false;
    Json j(ice);
    if (j.has("candidate") && j.str("candidate").empty()) return true;
  }
  return false;
}

// One NULL -> PLAYING -> NULL cycle with one peer: an MJPEG viewer that gets a picture, or a
// WebRTC peer that got its offer (and, if `wait_ice`, the server's end of candidates).
void cycle(Pipeline& p, bool webrtc, bool wait_ice) {
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  {
    WsClient ws;
    ASSERT_TRUE(ws.connect(ws_url(p.sink())));
    if (webrtc) {
      ASSERT_FALSE(hello(ws, "webrtc", R"(["VP8"])").empty());
      ASSERT_FALSE(ws.wait_for("offer").empty());
      if (wait_ice) {
        ASSERT_TRUE(wait_end_of_candidates(ws));
      }
    } else {
      Json welcome(hello(ws, "mjpeg"));
      // At least one: a single read can bring two whole parts when the machine is busy.
      ASSERT_GE(read_mjpeg_parts(http_url(p.sink(), welcome.str("mjpeg").substr(1)), 1), 1);
    }
    ASSERT_EQ(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    EXPECT_TRUE(ws.wait_closed());  // the sink closed it
  }
  p.log().clear();
}

// `cycles` cycles alternating MJPEG and WebRTC, after one warm-up of each (libraries open
// descriptors of their own once: the registry, GLib's worker, libnice's resolver...).
void expect_no_leak(int cycles, bool wait_ice) {
  Pipeline p(kLive);
  ASSERT_TRUE(p.ok());
  for (bool webrtc : {false, true}) ASSERT_NO_FATAL_FAILURE(cycle(p, webrtc, true));
  // Descriptors and thread exit have no event to wait on: bounded re-checks of /proc.
  // The baseline is the lowest count over 300 ms (the last warm-up's sockets finish closing).
  int baseline = fd_count();
  eventually(
      [&] {
        baseline = std::min(baseline, fd_count());
        return false;
      },
      300);
  for (int i = 0; i < cycles; ++i) {
    ASSERT_NO_FATAL_FAILURE(cycle(p, i % 2 == 1, wait_ice)) << "cycle " << i;
    EXPECT_TRUE(eventually([] { return threads_named(kThread) == 0; }, 2000)) << "cycle " << i;
  }
  EXPECT_TRUE(eventually([&] { return fd_count() <= baseline; }, 3000))
      << "descriptors: " << fd_count() << " after " << cycles << " cycles, " << baseline << " before";
  EXPECT_EQ(threads_named(kThread), 0);
}

TEST(SinkStates, TwentyPlayingCyclesWithPeersLeakNothing) { expect_no_leak(20, true); }

// Peers that leave right after their offer, while libnice is still gathering candidates: the
// teardown where webrtcbin 1.22 kept a TransportReceiveBin (and its NiceAgent's sockets) alive
// when the ICE transport's first state change came after the bin went to NULL (about one
// teardown in five here without media/webrtc_release.cpp, which explains it). 20 WebRTC
// teardowns, so that without the work-around a run passes by luck about once in a hundred.
TEST(SinkStates, PlayingCyclesWithoutWaitingForCandidatesLeakNothing) { expect_no_leak(40, false); }

TEST(SinkStates, ReadyToNullSaysByeShutdownToPeers) {
  Pipeline p(kLive);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.set_state(GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(threads_named(kThread), 1);
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p.sink())));
  ASSERT_FALSE(hello(ws, "mjpeg").empty());
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-viewer", "action", "joined")));
  ASSERT_EQ(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  Json bye(ws.wait_for("bye"));
  EXPECT_EQ(bye.str("code"), "shutdown");
  EXPECT_TRUE(ws.wait_closed());
  // Viewers dropped at shutdown are reported as left.
  MessagePtr left = p.log().wait_for(element_message("vtkstreamsink-viewer", "action", "left"));
  ASSERT_TRUE(left);
  guint peers = 9;
  gst_structure_get_uint(gst_message_get_structure(left.get()), "peers", &peers);
  EXPECT_EQ(peers, 0u);
  EXPECT_TRUE(eventually([] { return threads_named(kThread) == 0; }, 2000));
}

}  // namespace
}  // namespace vtkstream::sinktest
