// The interactive size under the server's cap (interactive_size.h): the controlling viewer's rung
// bounds the render size while it interacts, the aspect kept, and the sizer's own smaller choice
// still wins when the machine cannot afford the cap's size.
#include <gtest/gtest.h>

#include "interactive_size.h"

namespace vtkstream::render {
namespace {

TEST(InteractiveCap, FitsTheFullSizeIntoTheRungsLines) {
  // 360 lines of 720p or 1080p: the size the rung's scaler would make, so it passes unscaled.
  EXPECT_EQ(fit_within({1280, 720}, {4096, 360}), (RenderSize{640, 360}));
  EXPECT_EQ(fit_within({1920, 1080}, {4096, 360}), (RenderSize{640, 360})) << "no 359.99 -> 358";
  EXPECT_EQ(fit_within({1920, 1080}, {4096, 240}), (RenderSize{426, 240}));
  // An aspect that does not divide evenly: rounded down to even sides.
  EXPECT_EQ(fit_within({1000, 700}, {4096, 360}), (RenderSize{514, 360}));
  // Portrait: the height still binds.
  EXPECT_EQ(fit_within({720, 1280}, {4096, 360}), (RenderSize{202, 360}));
  // A width cap binds a wide picture.
  EXPECT_EQ(fit_within({1280, 720}, {320, 4096}), (RenderSize{320, 180}));
}

TEST(InteractiveCap, NoCapOrALargerOneLeavesTheFullSize) {
  EXPECT_EQ(fit_within({1280, 720}, {0, 0}), (RenderSize{1280, 720}));
  EXPECT_EQ(fit_within({640, 360}, {4096, 360}), (RenderSize{640, 360}));
  EXPECT_EQ(fit_within({320, 240}, {4096, 360}), (RenderSize{320, 240}));
}

TEST(InteractiveCap, NeverBelowTheMinimumSide) {
  EXPECT_EQ(fit_within({4096, 16}, {4096, 16}), (RenderSize{4096, 16}));
  EXPECT_EQ(fit_within({4000, 100}, {100, 4096}), (RenderSize{100, 16}));
}

TEST(InteractiveCap, TheSmallerOfTheSizersChoiceAndTheCap) {
  const RenderSize full{1280, 720};
  // The machine affords the full size (the sizer says so): the cap decides.
  EXPECT_EQ(capped_interactive_size(full, full, {4096, 360}), (RenderSize{640, 360}));
  // The sizer wants 3/4: still more than the rung takes.
  EXPECT_EQ(capped_interactive_size({960, 540}, full, {4096, 360}), (RenderSize{640, 360}));
  // The sizer wants 1/4 (a slow machine): smaller than the cap, so the sizer's.
  EXPECT_EQ(capped_interactive_size({320, 180}, full, {4096, 360}), (RenderSize{320, 180}));
  // No cap: the sizer's choice.
  EXPECT_EQ(capped_interactive_size({960, 540}, full, {0, 0}), (RenderSize{960, 540}));
}

TEST(InteractiveCap, WithTheSizerAFreshRendererRendersAtTheCap) {
  // Before anything is measured the sizer answers the full size; the cap still applies.
  InteractiveSizer sizer({});
  ASSERT_FALSE(sizer.measured());
  EXPECT_EQ(capped_interactive_size(sizer.choose(1920, 1080), {1920, 1080}, {4096, 360}), (RenderSize{640, 360}));
  // --interactive-scale 1 (reduction off) does not lift the server's cap either.
  InteractiveSizer::Options o;
  o.fixed_scale = 1;
  InteractiveSizer fixed(o);
  EXPECT_EQ(capped_interactive_size(fixed.choose(1280, 720), {1280, 720}, {4096, 240}), (RenderSize{426, 240}));
}

}  // namespace
}  // namespace vtkstream::render
