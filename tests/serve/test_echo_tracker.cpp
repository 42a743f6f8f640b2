// EchoTracker: the table that maps the renderer's echoed global input seq back to (peer, the
// client's own seq). Checked: the mapping per peer, one echo per new client seq, the transport
// filter, the bound on pending events, peer removal, and record/frame racing from two threads
// (record runs on the main context, frame on streaming threads).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "echo_tracker.h"

using namespace vtkstream::sink;

namespace {

// The echo for `peer` in `echoes`, or 0 when it has none.
uint64_t echo_for(const std::vector<EchoTracker::Echo>& echoes, uint32_t peer) {
  for (const auto& e : echoes)
    if (e.peer == peer) return e.client_seq;
  return 0;
}

TEST(EchoTracker, MapsGlobalSeqBackToEachPeersOwnSeq) {
  EchoTracker t;
  const uint64_t a1 = t.record(1, 10);
  const uint64_t b1 = t.record(2, 500);
  const uint64_t a2 = t.record(1, 11);
  EXPECT_LT(a1, b1);
  EXPECT_LT(b1, a2);  // one global sequence for all peers

  // A frame reflecting b1: peer 1 is told about 10 (a1 <= b1), peer 2 about 500.
  auto echoes = t.frame(b1, Transport::kWebRtc);
  EXPECT_EQ(echoes.size(), 2u);
  EXPECT_EQ(echo_for(echoes, 1), 10u);
  EXPECT_EQ(echo_for(echoes, 2), 500u);
  // A frame reflecting a2: only peer 1 has something new.
  echoes = t.frame(a2, Transport::kWebRtc);
  ASSERT_EQ(echoes.size(), 1u);
  EXPECT_EQ(echoes[0].peer, 1u);
  EXPECT_EQ(echoes[0].client_seq, 11u);
}

TEST(EchoTracker, TellsEachPeerOncePerNewSeqAndOnlyTheNewest) {
  EchoTracker t;
  t.record(7, 1);
  t.record(7, 2);
  const uint64_t g3 = t.record(7, 3);
  auto echoes = t.frame(g3, Transport::kWebRtc);
  ASSERT_EQ(echoes.size(), 1u);
  EXPECT_EQ(echoes[0].client_seq, 3u);  // the newest of those the frame covers
  EXPECT_TRUE(t.frame(g3, Transport::kWebRtc).empty()) << "the same frame seq again";
  EXPECT_TRUE(t.frame(g3 + 100, Transport::kWebRtc).empty()) << "nothing new was recorded";
  EXPECT_TRUE(t.frame(0, Transport::kWebRtc).empty()) << "0: the frame reflects no input";
  // Client seq 0 asks for no echo, but still takes a global number.
  const uint64_t silent = t.record(7, 0);
  EXPECT_GT(silent, g3);
  EXPECT_TRUE(t.frame(silent, Transport::kWebRtc).empty());
}

TEST(EchoTracker, OnlyPeersOnTheFramesTransportAreTold) {
  EchoTracker t;
  t.set_transport(2, Transport::kMjpeg);
  t.record(1, 5);                       // WebRTC by default
  const uint64_t g = t.record(2, 6);    // MJPEG
  auto echoes = t.frame(g, Transport::kMjpeg);
  ASSERT_EQ(echoes.size(), 1u);
  EXPECT_EQ(echoes[0].peer, 2u);
  echoes = t.frame(g, Transport::kWebRtc);
  ASSERT_EQ(echoes.size(), 1u);
  EXPECT_EQ(echoes[0].peer, 1u);
  // Switching transport keeps what is pending.
  const uint64_t g2 = t.record(1, 8);
  t.set_transport(1, Transport::kMjpeg);
  EXPECT_TRUE(t.frame(g2, Transport::kWebRtc).empty());
  EXPECT_EQ(echo_for(t.frame(g2, Transport::kMjpeg), 1), 8u);
}

TEST(EchoTracker, PendingEventsPerPeerAreBounded) {
  EchoTracker t;
  const size_t n = EchoTracker::kMaxPendingPerPeer;
  const uint64_t first = t.record(3, 1);
  for (uint64_t s = 2; s <= n + 10; ++s) t.record(3, s);
  // The oldest events were forgotten: a frame reflecting only the very first event finds none.
  EXPECT_TRUE(t.frame(first, Transport::kWebRtc).empty());
  // The newest kMaxPendingPerPeer are still there.
  EXPECT_EQ(echo_for(t.frame(first + n + 9, Transport::kWebRtc), 3), n + 10);
}

TEST(EchoTracker, RemovedPeerIsForgotten) {
  EchoTracker t;
  t.record(1, 1);
  const uint64_t g = t.record(2, 2);
  t.remove_peer(1);
  auto echoes = t.frame(g, Transport::kWebRtc);
  ASSERT_EQ(echoes.size(), 1u);
  EXPECT_EQ(echoes[0].peer, 2u);
  t.remove_peer(99);  // unknown: nothing happens
}

// One thread records (the main context), one drains (a streaming thread). Every echo names a
// client seq that was recorded, echoes per peer only grow, and after a final frame covering
// everything, each peer's last echo is its last seq.
TEST(EchoTracker, RecordAndFrameFromTwoThreads) {
  EchoTracker t;
  constexpr uint64_t kEvents = 20000;
  std::atomic<uint64_t> newest_global{0};
  std::atomic<bool> done{false};
  uint64_t last_seen[2] = {0, 0};
  bool order_ok = true;
  std::thread drainer([&] {
    while (!done) {
      for (const auto& e : t.frame(newest_global.load(), Transport::kWebRtc)) {
        if (e.peer > 1 || e.client_seq <= last_seen[e.peer] || e.client_seq > kEvents) order_ok = false;
        else last_seen[e.peer] = e.client_seq;
      }
    }
  });
  for (uint64_t s = 1; s <= kEvents; ++s) newest_global = t.record(static_cast<uint32_t>(s % 2), s);
  done = true;
  drainer.join();
  for (const auto& e : t.frame(newest_global, Transport::kWebRtc))
    if (e.peer <= 1 && e.client_seq > last_seen[e.peer]) last_seen[e.peer] = e.client_seq;
  EXPECT_TRUE(order_ok);
  EXPECT_EQ(last_seen[0], kEvents);      // even seqs went to peer 0
  EXPECT_EQ(last_seen[1], kEvents - 1);  // odd ones to peer 1
}

}  // namespace
