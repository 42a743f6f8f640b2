// The rung choice (adapt/rung_policy.h): estimates in, a rung per viewer and a bitrate per rung
// out; hysteresis on the way up, none on the way down; a weak viewer never lowers a strong one's.
#include <gtest/gtest.h>

#include "rung_policy.h"

using namespace vtkstream::adapt;

namespace {

const std::vector<Rung> kLadder = default_ladder(5000);
constexpr int64_t kS = 1'000'000;

}  // namespace

TEST(RungPolicy, LadderIsOrderedBestFirst) {
  ASSERT_EQ(kLadder.size(), 3u);
  EXPECT_EQ(kLadder[0].max_height, 0);
  for (size_t i = 1; i < kLadder.size(); ++i) {
    EXPECT_LT(kLadder[i].min_kbps, kLadder[i - 1].min_kbps);
    if (i > 1) {
      EXPECT_LT(kLadder[i].max_height, kLadder[i - 1].max_height);
    }
  }
  EXPECT_EQ(kLadder.back().min_kbps, 0);
  EXPECT_EQ(passthrough_ladder().size(), 1u);
}

TEST(RungPolicy, NewViewerStartsWhereItFits) {
  EXPECT_EQ(next_rung(kLadder, {}, 5000, std::nullopt, 0).rung, 0);
  EXPECT_EQ(next_rung(kLadder, {}, 500, std::nullopt, 0).rung, 1);
  EXPECT_EQ(next_rung(kLadder, {}, 250, std::nullopt, 0).rung, 2);
  EXPECT_EQ(next_rung(kLadder, {}, 0, std::nullopt, 0).rung, 2);
}

TEST(RungPolicy, DownAtOnce) {
  RungState s = next_rung(kLadder, {0, -1}, 790, std::nullopt, 10 * kS);
  EXPECT_EQ(s.rung, 1);
  s = next_rung(kLadder, {0, -1}, 200, std::nullopt, 10 * kS);
  EXPECT_EQ(s.rung, 2) << "a collapse skips the middle rung";
}

TEST(RungPolicy, UpOnlyAfterHoldingAboveTheMargin) {
  RungState s{2, -1};
  // Just above the entry rate of rung 1 but inside the margin: stays, no timer.
  s = next_rung(kLadder, s, 320, std::nullopt, 0);
  EXPECT_EQ(s.rung, 2);
  EXPECT_EQ(s.up_since_us, -1);
  // Clears the margin: the timer starts, the rung holds until kUpHoldUs passed.
  s = next_rung(kLadder, s, 400, std::nullopt, 1 * kS);
  EXPECT_EQ(s.rung, 2);
  EXPECT_EQ(s.up_since_us, 1 * kS);
  s = next_rung(kLadder, s, 400, std::nullopt, 1 * kS + kUpHoldUs - 1);
  EXPECT_EQ(s.rung, 2);
  s = next_rung(kLadder, s, 400, std::nullopt, 1 * kS + kUpHoldUs);
  EXPECT_EQ(s.rung, 1);
  EXPECT_EQ(s.up_since_us, -1);
}

TEST(RungPolicy, ADipResetsTheUpTimer) {
  RungState s{1, -1};
  s = next_rung(kLadder, s, 1000, std::nullopt, 0);
  EXPECT_EQ(s.up_since_us, 0);
  s = next_rung(kLadder, s, 850, std::nullopt, 2 * kS);  // above entry, inside the margin
  EXPECT_EQ(s.rung, 1);
  EXPECT_EQ(s.up_since_us, -1);
  s = next_rung(kLadder, s, 1000, std::nullopt, 3 * kS);
  s = next_rung(kLadder, s, 1000, std::nullopt, 3 * kS + kUpHoldUs - 1);
  EXPECT_EQ(s.rung, 1) << "the hold restarted at the dip";
  s = next_rung(kLadder, s, 1000, std::nullopt, 3 * kS + kUpHoldUs);
  EXPECT_EQ(s.rung, 0);
}

TEST(RungPolicy, NoFlappingAroundAThreshold) {
  // An estimate wandering +-5 % around the top rung's entry rate: at most one switch (the
  // first fall), never back and forth.
  RungState s{0, -1};
  int switches = 0;
  for (int i = 0; i < 100; ++i) {
    const int kbps = i % 2 ? 840 : 760;
    const RungState n = next_rung(kLadder, s, kbps, std::nullopt, i * 500'000);
    if (n.rung != s.rung) ++switches;
    s = n;
  }
  EXPECT_EQ(switches, 1);
  EXPECT_EQ(s.rung, 1);
}

TEST(RungPolicy, PinnedStaysWhateverTheEstimate) {
  EXPECT_EQ(next_rung(kLadder, {2, -1}, 100, 0, 0).rung, 0);
  EXPECT_EQ(next_rung(kLadder, {0, -1}, 9000, 2, 0).rung, 2);
  EXPECT_EQ(next_rung(kLadder, {0, -1}, 9000, 7, 0).rung, 2) << "clamped to the ladder";
  EXPECT_EQ(next_rung(kLadder, {0, -1}, 9000, -3, 0).rung, 0);
  // Unpinned again: a viewer whose estimate is low drops at once.
  EXPECT_EQ(next_rung(kLadder, {0, -1}, 100, std::nullopt, 0).rung, 2);
}

TEST(RungPolicy, WeakViewerNeverLowersAStrongOne) {
  const std::map<uint32_t, ViewerRungInput> alone{{1, {4000, std::nullopt}}};
  const auto s1 = assign_rungs(kLadder, {}, alone, 0);
  const auto b1 = rung_bitrates(kLadder, s1, alone);
  std::map<uint32_t, ViewerRungInput> both = alone;
  both[2] = {250, std::nullopt};
  const auto s2 = assign_rungs(kLadder, {}, both, 0);
  const auto b2 = rung_bitrates(kLadder, s2, both);
  EXPECT_EQ(s1.at(1).rung, 0);
  EXPECT_EQ(s2.at(1).rung, 0);
  EXPECT_EQ(s2.at(2).rung, 2);
  EXPECT_EQ(b1.at(0), 4000);
  EXPECT_EQ(b2.at(0), 4000) << "the strong viewer's encode is untouched";
  EXPECT_EQ(b2.at(2), 250);
  EXPECT_EQ(b2.count(1), 0u) << "no viewer on the middle rung: it is not encoded";
}

TEST(RungPolicy, RungFollowsItsWeakestViewerWithinItsRange) {
  const std::map<uint32_t, ViewerRungInput> in{{1, {4000, std::nullopt}}, {2, {1500, std::nullopt}},
                                              {3, {120, 1}}};
  const auto s = assign_rungs(kLadder, {}, in, 0);
  const auto b = rung_bitrates(kLadder, s, in);
  EXPECT_EQ(b.at(0), 1500);
  EXPECT_EQ(b.at(1), 300) << "a pinned viewer's rung gets at least its entry rate";
}

TEST(RungPolicy, APinnedViewerDoesNotLowerARungOthersWereGiven) {
  // A viewer pinning the top rung with a link (or a lie) of 100 kbit/s beside a strong viewer the
  // estimate put there: the encoder follows the strong one (bench/browser/rung-liar.sh held it at
  // the entry rate, 800 kbit/s, against an estimate of 2139-2533).
  const std::map<uint32_t, ViewerRungInput> in{{1, {2500, std::nullopt}}, {2, {100, 0}}};
  const auto s = assign_rungs(kLadder, {}, in, 0);
  ASSERT_EQ(s.at(1).rung, 0);
  ASSERT_EQ(s.at(2).rung, 0);
  EXPECT_EQ(rung_bitrates(kLadder, s, in).at(0), 2500);
  // Pinned viewers alone on a rung: the lowest of them, at least the entry rate, as before.
  const std::map<uint32_t, ViewerRungInput> pinned{{1, {2500, 0}}, {2, {100, 0}}};
  EXPECT_EQ(rung_bitrates(kLadder, assign_rungs(kLadder, {}, pinned, 0), pinned).at(0), kLadder[0].min_kbps);
}

TEST(RungPolicy, ALowerRungLeavesRoomToProveTheNextOne) {
  // The estimate rises only while the encoder uses it: each rung's ceiling must let it reach the
  // next rung's entry rate with the margin, or its viewers stay there for good.
  for (size_t r = 1; r < kLadder.size(); ++r)
    EXPECT_GT(kLadder[r].max_kbps, kLadder[r - 1].min_kbps * (1 + kUpMargin)) << "rung " << r;
}

TEST(RungPolicy, GoneViewersAreDropped) {
  std::map<uint32_t, RungState> prev{{1, {0, -1}}, {2, {2, -1}}};
  const auto s = assign_rungs(kLadder, prev, {{1, {4000, std::nullopt}}}, 0);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(rung_bitrates(kLadder, s, {{1, {4000, std::nullopt}}}).count(2), 0u);
}

TEST(RungPolicy, PassThroughHasOneRungAndNoBitrate) {
  const auto ladder = passthrough_ladder();
  const std::map<uint32_t, ViewerRungInput> in{{1, {100, std::nullopt}}, {2, {5000, 0}}};
  const auto s = assign_rungs(ladder, {}, in, 0);
  EXPECT_EQ(s.at(1).rung, 0);
  EXPECT_EQ(s.at(2).rung, 0);
  EXPECT_EQ(rung_bitrates(ladder, s, in).at(0), 0);
}

TEST(RungPolicy, AFailedRungIsAvoided) {
  EXPECT_EQ(usable_rung(1, {true, true, true}), 1);
  EXPECT_EQ(usable_rung(1, {true, false, true}), 2) << "down to the smaller picture first";
  EXPECT_EQ(usable_rung(2, {true, true, false}), 1) << "up when nothing below works";
  EXPECT_EQ(usable_rung(2, {true, false, false}), 0);
  EXPECT_EQ(usable_rung(0, {false, false, false}), 0) << "the top rung is always there";
}

// A page pinning rungs in a loop (1000 a second) gets at most one pin applied per kPinSpacingUs,
// and the last one it sent is the one that stays.
TEST(PinPacer, SpacesPinsLatestWins) {
  PinPacer p;
  int applied = 0;
  std::optional<int> effective;
  int64_t now = 10 * kS;
  for (int i = 0; i < 1000; ++i, now += 1000) {
    const std::optional<int> pin = 1 + i % 2;
    if (p.offer(pin, now)) {
      ++applied;
      effective = pin;
    }
    if (p.holding() && now >= p.due_us()) {
      ++applied;
      effective = p.take(now);
    }
  }
  EXPECT_LE(applied, 1 + static_cast<int>(kS / kPinSpacingUs));
  EXPECT_GE(applied, 2);
  ASSERT_TRUE(p.holding());
  EXPECT_GT(p.due_us(), now - 1000);
  EXPECT_EQ(p.take(p.due_us()), 1 + 999 % 2) << "the last pin sent wins";
  EXPECT_FALSE(p.holding());
  (void)effective;
  // A lone pin after a quiet spell applies at once, "auto" included.
  EXPECT_TRUE(p.offer(std::nullopt, now + 2 * kS));
}
