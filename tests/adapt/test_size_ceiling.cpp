// The bitrate a picture's size is worth (adapt/size_ceiling.h): the ladder's measured ceilings at
// the rungs' sizes, interpolated in between, the top ceiling for the full 720p picture and above,
// and the still always at the rate asked for.
#include <gtest/gtest.h>

#include "size_ceiling.h"

using namespace vtkstream::adapt;

namespace {

const std::vector<Rung> kLadder = default_ladder(2500);

}  // namespace

TEST(SizeCeiling, TheRungsOwnSizesGetTheirCeilings) {
  EXPECT_EQ(size_ceiling_kbps(kLadder, 1280, 720), 2500);
  EXPECT_EQ(size_ceiling_kbps(kLadder, 640, 360), 1000);
  // The 240-line rung's even width (rung_scale_caps): 426 or 428 pixels, within a kbit/s of 400.
  EXPECT_NEAR(size_ceiling_kbps(kLadder, 426, 240), 400, 1);
  EXPECT_NEAR(size_ceiling_kbps(kLadder, 428, 240), 400, 2);
}

TEST(SizeCeiling, TheTopCeilingFollowsMaxBitrate) {
  const std::vector<Rung> wide = default_ladder(5000);
  EXPECT_EQ(size_ceiling_kbps(wide, 1280, 720), 5000);
  EXPECT_EQ(size_ceiling_kbps(wide, 640, 360), 1000) << "a lower rung's point does not move";
  EXPECT_GT(size_ceiling_kbps(wide, 960, 540), size_ceiling_kbps(kLadder, 960, 540));
}

TEST(SizeCeiling, InBetweenIsInterpolatedByPixels) {
  // 960x540: 518400 pixels, between 230400 (1000) and 921600 (2500): 1000 + 1500 * 288000/691200.
  EXPECT_EQ(size_ceiling_kbps(kLadder, 960, 540), 1625);
  // 480x270 between the 240- and 360-line points.
  const int c = size_ceiling_kbps(kLadder, 480, 270);
  EXPECT_GT(c, 400);
  EXPECT_LT(c, 1000);
  // Growing with the picture, never past the top.
  int prev = 0;
  for (int h = 90; h <= 1440; h += 30) {
    const int k = size_ceiling_kbps(kLadder, h * 16 / 9, h);
    EXPECT_GE(k, prev) << h << " lines";
    EXPECT_LE(k, 2500) << h << " lines";
    prev = k;
  }
}

TEST(SizeCeiling, PixelsNotLinesSoAPortraitWindowIsNotTheTopSize) {
  // 360x640 (a phone held upright) has the pixels of 640x360, not the lines of 720p.
  EXPECT_EQ(size_ceiling_kbps(kLadder, 360, 640), 1000);
  EXPECT_EQ(size_ceiling_kbps(kLadder, 1920, 1080), 2500) << "above the top point: the top ceiling";
}

TEST(SizeCeiling, BelowTheLowestRungProportionalWithAFloor) {
  // 320x180 is a quarter of 640x360's pixels, about 0.56 of 426x240's.
  EXPECT_NEAR(size_ceiling_kbps(kLadder, 320, 180), 400 * 57600 / 102400, 1);
  EXPECT_EQ(size_ceiling_kbps(kLadder, 64, 36), kSizeCeilingFloorKbps);
}

TEST(SizeCeiling, NoCapWithoutASizeOrWithoutCeilings) {
  EXPECT_EQ(size_ceiling_kbps(kLadder, 0, 0), 0) << "before the first caps";
  EXPECT_EQ(size_ceiling_kbps(passthrough_ladder(), 640, 360), 0) << "pass-through input or a custom encoder";
}

TEST(SizeCeiling, AppliedRateIsTheRequestedCappedExceptTheStill) {
  EXPECT_EQ(applied_kbps(2500, 1000, false), 1000) << "a 640x360 drag frame on the top rung";
  EXPECT_EQ(applied_kbps(700, 1000, false), 700) << "below the ceiling: the controller's rate";
  EXPECT_EQ(applied_kbps(2500, 1000, true), 2500) << "the still keeps its rate (and its finer quantizer)";
  EXPECT_EQ(applied_kbps(2500, 0, false), 2500) << "no ceiling";
}

TEST(SizeCeiling, NeverLessForALargerPicture) {
  // max-bitrate under the 360-line rung's ceiling: a wider 360-line picture gets no less than 640x360.
  const std::vector<Rung> low = default_ladder(800);
  EXPECT_EQ(size_ceiling_kbps(low, 640, 360), 1000);
  EXPECT_EQ(size_ceiling_kbps(low, 800, 360), 1000);
  EXPECT_EQ(size_ceiling_kbps(low, 1280, 720), 1000);
}
