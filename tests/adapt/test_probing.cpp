// The controller in closed loop with a sender that does not fill its target: the weak-link
// benchmark's session (drags of small interactive frames, a full-size still after each release,
// an idle scene between), on an unconstrained link and on a 1 Mbit/s one, with a round trip that
// grows for a second without any queue (a stalled machine: the receiver reports wait in a busy
// thread). What it must do: recover from that stall to an estimate that gives the still its
// finer quantizer (2.5 Mbit/s, media/still_quality.h) when the link has it, and stay under a link
// that does not.
#include <gtest/gtest.h>

#include <algorithm>

#include "link_model.h"
#include "rate_controller.h"

using namespace vtkstream::adapt;
using vtkstream::adapt::test::LinkModel;

namespace {

constexpr int64_t kMs = 1000;

struct Session {
  RateController c{Limits{150, 5000, 1200}};
  LinkModel link;
  int64_t t = 0;
  int64_t stall_from = -1, stall_to = -1;  // the round trip is 150 ms longer in [from, to)
  std::vector<std::pair<int64_t, int>> targets;

  explicit Session(double link_kbps) : link{link_kbps} {}

  // One 4.5 s cycle: a 2 s drag (the encoder sends 500 kbit/s or its target if lower), then the
  // still (a keyframe: 0.2 s of the target, media's cap, in one 10 ms burst), then 2.5 s idle.
  double demand_kbps(int64_t at) const {
    const int64_t phase = at % 4'500'000;
    const double target = c.target_kbps();
    if (phase < 2'000'000) return std::min(500.0, target);
    if (phase < 2'010'000) return 0.2 * target / 0.01;
    return 15;
  }

  void run(double seconds) {
    const int64_t end = t + int64_t(seconds * 1e6);
    while (t < end) {
      for (int i = 0; i < 30; ++i) link.step(demand_kbps(t + i * 10 * kMs), 10 * kMs);
      t += 300 * kMs;
      c.on_sender({t, link.sent});
      const bool stalled = t >= stall_from && t < stall_to;
      c.on_receiver_report({t, 0.0, std::nullopt, (2 + link.delay_ms() + (stalled ? 150 : 0)) / 1000});
      PageReport p;
      p.t_us = t;
      p.bytes = link.received;
      p.packets = link.packets;
      p.lost = link.lost;
      c.on_page(p);
      if (t % 1'000'000 < 300'000) c.tick(t);
      targets.emplace_back(t, c.target_kbps());
    }
  }
};

}  // namespace

TEST(Probing, StalledMachineOnAnUnconstrainedLinkRecoversToTheFinerStill) {
  Session s(50'000);
  s.stall_from = 10'000'000;
  s.stall_to = 11'000'000;
  s.run(10);
  const int before = s.c.target_kbps();
  s.run(1.5);
  ASSERT_LT(s.c.target_kbps(), before) << "the stall should have cut (it looks like a queue)";
  // Bounded recovery: the stills arriving whole are the probes, 20 s is four of them.
  s.run(20);
  EXPECT_GE(s.c.target_kbps(), 2500);
  int lowest_late = s.c.limits().max_kbps;
  for (const auto& [t, kbps] : s.targets)
    if (t >= 31'500'000 - 4'500'000) lowest_late = std::min(lowest_late, kbps);
  EXPECT_GE(lowest_late, 2500) << "it should stay there, not oscillate";
}

TEST(Probing, StillsThatLoseDoNotProbeAOneMegabitLink) {
  // The same session on a 1 Mbit/s link: every still loses packets in the link's 200 ms queue,
  // so no interval proves more than the link, and the probes never raise the estimate (it stays
  // at or below the 1.2 Mbit/s start: the loss of 5-8 % is below a cut, a known weakness of an
  // app-limited sender that the e2e test's tbf burst hides).
  Session s(1000);
  s.run(40);
  for (const auto& [t, kbps] : s.targets) EXPECT_LE(kbps, 1200) << "at " << t / 1000 << " ms";
  EXPECT_NE(s.c.state(), "increase-probed");
}
