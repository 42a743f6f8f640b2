// The controller in closed loop with an encoder held below the link (small interactive frames
// while dragging, one full-size still after each release, an idle scene between) across a link
// with tbf's burst allowance, as in the 1 Mbit/s e2e test: the byte counts of the page's reports
// cannot tell this link from an unconstrained one (a still's burst arrives within one report
// interval on both), but how long the still's frame spent on the network can
// (PageReport::net_queue_ms, adapt/frame_delay.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "link_model.h"
#include "rate_controller.h"

using namespace vtkstream::adapt;
using vtkstream::adapt::test::LinkModel;

namespace {

constexpr int64_t kMs = 1000;
constexpr double kBucketBits = 16 * 1024 * 8;  // netns2.sh's tbf burst

struct Session {
  RateController c{Limits{150, 5000, 1200}};
  LinkModel link;
  bool per_frame_delay = true;  // the page names frames (web/js/link_report.js)
  int64_t t = 0;
  std::vector<std::pair<int64_t, int>> targets;

  explicit Session(double link_kbps) : link{link_kbps, kBucketBits} {}

  // A 4.5 s cycle: a 2 s drag (frames capped by their size: 225 kbit/s, or the target if lower),
  // the still (a full-size keyframe of 0.25 s of the target: 37.5 kB at the 1.2 Mbit/s start;
  // the e2e test's were 35-46 kB) in one 10 ms burst, then 2.5 s of an idle scene.
  double demand_kbps(int64_t at) const {
    const int64_t phase = at % 4'500'000;
    const double target = c.target_kbps();
    if (phase < 2'000'000) return std::min(225.0, target);
    if (phase < 2'010'000) return 0.25 * target / 0.01;
    return 15;
  }

  void run(double seconds) {
    const int64_t end = t + int64_t(seconds * 1e6);
    while (t < end) {
      // The most delayed frame of the interval, as the page names it, and its size: a frame of
      // the drag (30 a second) or the still's burst.
      double worst_ms = 0;
      uint64_t worst_bytes = 0;
      for (int i = 0; i < 30; ++i) {
        const double kbps = demand_kbps(t + i * 10 * kMs);
        link.step(kbps, 10 * kMs);
        const uint64_t bytes = kbps > 1000 ? uint64_t(kbps * 1000 * 0.01 / 8) : uint64_t(kbps * 1000 / 30 / 8);
        if (link.delay_ms() > worst_ms || (link.delay_ms() == worst_ms && bytes > worst_bytes)) {
          worst_ms = link.delay_ms();
          worst_bytes = bytes;
        }
      }
      t += 300 * kMs;
      c.on_sender({t, link.sent});
      c.on_receiver_report({t, 0.0, std::nullopt, 0.002});  // RTCP rarely leaves inside a burst
      PageReport p;
      p.t_us = t;
      p.bytes = link.received;
      p.packets = link.packets;
      p.lost = link.lost;
      if (per_frame_delay) {
        p.net_queue_ms = worst_ms;
        p.net_frame_bytes = worst_bytes;
      }
      c.on_page(p);
      targets.emplace_back(t, c.target_kbps());
    }
  }
  int max_from(int64_t from) const {
    int m = 0;
    for (const auto& [at, kbps] : targets)
      if (at >= from) m = std::max(m, kbps);
    return m;
  }
};

}  // namespace

TEST(FrameQueue, AnAppLimitedEncoderStaysUnderAOneMegabitLink) {
  Session s(1000);
  s.run(60);
  // The first still leaves at 2 s; by the e2e test's 20 s after it, at or below the link ...
  int64_t under = -1;
  for (const auto& [t, kbps] : s.targets)
    if (t >= 2'000'000 && kbps <= 1000) {
      under = t;
      break;
    }
  ASSERT_GE(under, 0) << "the estimate never came down to the 1 Mbit/s link";
  EXPECT_LE(under, 22'000'000);
  // ... and it stays there (the e2e test allows one probe's 10 % above the link).
  EXPECT_LE(s.max_from(under), 1100);
  // Without giving the link away: the full size's entry rate is 800 kbit/s, the 360-line rung's
  // 300; the still's burst is the only thing that queues, and each costs one step.
  EXPECT_GE(s.c.target_kbps(), 300);
}

TEST(FrameQueue, WithoutPerFrameArrivalsTheBurstsLookLikeAFastLink) {
  // The same session from a page that names no frames: every still arrives within a report
  // interval (tbf's burst) and proves 1.1-1.6 Mbit/s, so the estimate climbs past the link. This
  // is the case the signal exists for; if it stops happening, the model no longer tests it.
  Session s(1000);
  s.per_frame_delay = false;
  s.run(60);
  EXPECT_GT(s.max_from(20'000'000), 1100);
}

TEST(FrameQueue, AnUnconstrainedLinkStillClimbsToTheFinerStill) {
  Session s(50'000);
  s.run(30);
  EXPECT_GE(s.c.target_kbps(), 2500);
  for (const auto& [t, kbps] : s.targets) EXPECT_LE(kbps, s.c.limits().max_kbps);
}
