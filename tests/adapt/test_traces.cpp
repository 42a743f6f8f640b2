// The controller replayed against traces recorded from real sessions (Chromium at 1280x720 and
// the real server and renderer across tests/browser/netns2.sh's tbf-limited link, dragging
// throughout; bench/adapt/record.sh). Replay is open loop: the encoder's output in the trace is
// what the recording's controller asked for, so the checks are on how this controller reacts to
// what the link did, with bounds a user would notice.
#include <gtest/gtest.h>

#include "trace_replay.h"

using namespace vtkstream::adapt;
using namespace vtkstream::adapt::test;

namespace {

const Limits kLimits{150, 5000, 1200};

// Seconds in [from, to) during which the target was above `kbps`.
double seconds_above(const Replay& r, int64_t from, int64_t to, int kbps) {
  double s = 0;
  for (int64_t t = from; t < to; t += 100'000) s += r.target_at(t) > kbps ? 0.1 : 0;
  return s;
}

}  // namespace

TEST(Traces, StepDownFrom5MbitTo250kbitAndBack) {
  const auto lines = load_trace("step-5M-250k-5M.trace");
  const Replay r = replay(lines, kLimits);
  ASSERT_EQ(r.links.size(), 3u);
  ASSERT_EQ(r.links[1].kbps, 250);
  const int64_t down = r.links[1].t_us, up = r.links[2].t_us;
  // Follows the link down within 2 s ...
  int64_t followed = -1;
  for (int64_t t = down; t < up; t += 100'000)
    if (r.target_at(t) <= 250) {
      followed = t;
      break;
    }
  ASSERT_GE(followed, 0) << "the target never went below the 250 kbit/s link";
  EXPECT_LE(followed - down, 2'000'000);
  // ... and is never more than 10 % above it for long while it lasts.
  EXPECT_LE(seconds_above(r, down, up, 275), 2.5);
  EXPECT_GE(r.target_at(up), kLimits.min_kbps);
  // Back up: the encoder in the recording gave ~0.8 Mbit/s at most on that machine; the estimate
  // must leave the floor and reach twice the old link within 10 s.
  int64_t rose = -1;
  for (int64_t t = up; t < r.end_us; t += 100'000)
    if (r.target_at(t) >= 500) {
      rose = t;
      break;
    }
  ASSERT_GE(rose, 0) << "the target stayed low after the link came back";
  EXPECT_LE(rose - up, 10'000'000);
  for (const Step& s : r.targets) EXPECT_LE(s.target_kbps, kLimits.max_kbps);
}

TEST(Traces, StatsThatStopDecayToTheMinimum) {
  const auto lines = load_trace("step-5M-250k-5M.trace");
  const Replay full = replay(lines, kLimits);
  ASSERT_EQ(full.links.size(), 3u);
  // The page goes silent 10 s after the link came back (at a high estimate).
  const int64_t stop = full.links[2].t_us + 10'000'000;
  const Replay r = replay(lines, kLimits, stop, stop + 15'000'000);
  const int at_stop = r.target_at(stop);
  ASSERT_GT(at_stop, 2 * kLimits.min_kbps) << "the trace should be high when it stops";
  EXPECT_EQ(r.target_at(stop + 1'800'000), at_stop) << "no decay before the reports are stale";
  int prev = at_stop;
  for (int64_t t = stop; t <= stop + 15'000'000; t += 500'000) {
    EXPECT_LE(r.target_at(t), prev);
    prev = r.target_at(t);
  }
  EXPECT_EQ(r.target_at(stop + 15'000'000), kLimits.min_kbps);
}
