// Which interactive size cap the sink sends for the controlling viewer's rung, and that an
// unchanged decision is not sent again (adapt/interactive_cap.h).
#include <gtest/gtest.h>

#include "interactive_cap.h"
#include "vtkstream/shm_layout.h"

namespace vtkstream::adapt {
namespace {

constexpr unsigned kW = shm::kMaxRequestedDimension;

TEST(InteractiveCap, FollowsTheControllersRung) {
  const std::vector<Rung> ladder = default_ladder(2500);
  EXPECT_EQ(interactive_cap(ladder, 1), (CapSize{kW, 360}));
  EXPECT_EQ(interactive_cap(ladder, 2), (CapSize{kW, 240}));
}

TEST(InteractiveCap, NoneOnTheTopRungWithoutAControllerOrALadder) {
  const std::vector<Rung> ladder = default_ladder(2500);
  EXPECT_EQ(interactive_cap(ladder, 0), CapSize{});
  EXPECT_EQ(interactive_cap(ladder, -1), CapSize{}) << "nobody steers";
  EXPECT_EQ(interactive_cap(ladder, 7), CapSize{}) << "a rung the ladder does not have";
  EXPECT_EQ(interactive_cap(passthrough_ladder(), 0), CapSize{}) << "pass-through input has one rung";
  // A rung of the input's own size caps nothing.
  EXPECT_EQ(interactive_cap({{0, 800, 2500}, {0, 0, 400}}, 1), CapSize{});
}

TEST(InteractiveCap, TrackerSendsTheFirstDecisionAndThenOnlyChanges) {
  CapTracker t;
  ASSERT_TRUE(t.due({}).has_value()) << "the first decision goes out, no cap included";
  t.sent({});
  EXPECT_FALSE(t.due({}).has_value());
  const CapSize c360{kW, 360};
  ASSERT_EQ(t.due(c360), c360);
  t.sent(c360);
  EXPECT_FALSE(t.due(c360).has_value());
  EXPECT_EQ(t.due({}), CapSize{});
}

}  // namespace
}  // namespace vtkstream::adapt
