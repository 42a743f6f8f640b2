// The GOP cache a joining WebSocket video viewer is replayed from (plugins/vtkstreamsink/media/
// ws_gop_cache.h) and how the replay counts in that viewer's flow control (ws_video_flow.h).
#include <gtest/gtest.h>

#include <vector>

#include "ws_gop_cache.h"
#include "ws_video_flow.h"
#include "ws_video_wire.h"

using namespace vtkstream::sink;

namespace {

GBytes* frame(size_t n) { return g_bytes_new_take(g_malloc0(n), n); }

// Pushes a frame of `n` bytes and drops the caller's reference.
void push(GopCache& c, size_t n, bool key, uint64_t pts, bool gap = false) {
  GBytes* b = frame(n);
  c.push(b, key, 0, pts, gap);
  g_bytes_unref(b);
}

std::vector<uint64_t> pts(const GopCache& c) {
  std::vector<uint64_t> v;
  for (const auto& f : c.frames()) v.push_back(f.pts_ns);
  return v;
}

}  // namespace

TEST(GopCache, HoldsTheNewestKeyframeAndTheFramesSince) {
  GopCache c(10'000);
  push(c, 100, false, 1);  // no keyframe yet: nothing to decode it against
  EXPECT_TRUE(c.frames().empty());
  push(c, 1000, true, 2);
  push(c, 100, false, 3);
  push(c, 100, false, 4);
  EXPECT_EQ(pts(c), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(c.bytes(), 1200u);
  EXPECT_TRUE(c.frames().front().keyframe);
  push(c, 900, true, 5);  // a new keyframe starts a new GOP
  EXPECT_EQ(pts(c), (std::vector<uint64_t>{5}));
  EXPECT_EQ(c.bytes(), 900u);
}

TEST(GopCache, OutgrowingTheBoundDropsTheGopUntilTheNextKeyframe) {
  GopCache c(2000);
  push(c, 1000, true, 1);
  push(c, 900, false, 2);
  EXPECT_EQ(c.bytes(), 1900u);
  push(c, 200, false, 3);  // 2100 > 2000: dropped, not trimmed (a GOP without its start is useless)
  EXPECT_TRUE(c.frames().empty());
  EXPECT_EQ(c.bytes(), 0u);
  EXPECT_EQ(c.dropped(), 1u);
  for (int i = 0; i < 1000; ++i) push(c, 500, false, 4 + i);  // a long drag: stays empty
  EXPECT_TRUE(c.frames().empty());
  push(c, 1000, true, 2000);
  EXPECT_EQ(pts(c), (std::vector<uint64_t>{2000}));
  // Never above the bound, whatever comes.
  for (int i = 0; i < 1000; ++i) {
    push(c, 1 + (i * 37) % 700, i % 50 == 0, 3000 + i);
    ASSERT_LE(c.bytes(), 2000u);
  }
}

TEST(GopCache, AGapEmptiesIt) {
  GopCache c;
  push(c, 1000, true, 1);
  push(c, 100, false, 2, /*gap=*/true);  // frames between 1 and 2 never arrived
  EXPECT_TRUE(c.frames().empty());
  push(c, 1000, true, 3, /*gap=*/true);  // a keyframe after a gap is a fine start
  EXPECT_EQ(pts(c), (std::vector<uint64_t>{3}));
}

TEST(GopCache, AKeyframeLargerThanTheBoundIsNotCached) {
  GopCache c(500);
  push(c, 1000, true, 1);
  EXPECT_TRUE(c.frames().empty());
}

TEST(WsVideoFlow, AReplayedGopIsOneFrameInFlightAndTheLiveDeltasAfterItGoOut) {
  WsVideoFlow f;
  EXPECT_EQ(f.replay(5, 3000, 0), 1u);  // ids 1..5
  EXPECT_EQ(f.in_flight(), 1u);
  EXPECT_EQ(f.in_flight_bytes(), 3000u);
  auto o = f.offer(false, 100, 0, 10);  // the next live frame is a delta: it decodes after the GOP
  ASSERT_TRUE(o.send);
  EXPECT_EQ(o.frame_id, 6u);
  // The replay starts with a keyframe: frames behind it go out up to the keyframe allowance.
  for (size_t i = 2; i < WsVideoFlow::kMaxInFlight + WsVideoFlow::kBehindKeyframe; ++i)
    EXPECT_TRUE(f.offer(false, 100, 0, 10 + int64_t(i)).send);
  EXPECT_FALSE(f.offer(false, 100, 0, 20).send);  // the limit holds
  EXPECT_FALSE(f.ack(4, 30).known);  // not all of the replay yet
  auto a = f.ack(5, 40);
  EXPECT_TRUE(a.known);
  EXPECT_EQ(*a.rtt_us, 40);
  EXPECT_EQ(f.in_flight(), WsVideoFlow::kMaxInFlight + WsVideoFlow::kBehindKeyframe - 1);
  EXPECT_EQ(f.bytes_acked(), 3000u);
}

TEST(WsVideoWire, ReplayedFramesCarryTheCachedFlag) {
  wsvideo::FrameHeader h;
  h.keyframe = false;
  h.cached = true;
  const uint8_t payload[] = {0};
  const auto msg = wsvideo::encode_frame(h, payload, 1);
  EXPECT_EQ(msg[3], 2);
  wsvideo::FrameHeader back;
  size_t off = 0;
  ASSERT_TRUE(wsvideo::decode_frame(msg.data(), msg.size(), &back, &off));
  EXPECT_TRUE(back.cached);
  EXPECT_FALSE(back.keyframe);
}
