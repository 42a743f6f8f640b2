// The render loop's decisions (apps/render/render_policy.h) and the interactive size choice
// (apps/render/interactive_size.h), with made-up times: no renderer, no clock.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "interactive_size.h"
#include "render_policy.h"

namespace vtkstream::render {
namespace {

using namespace std::chrono_literals;
using Clock = RenderPolicy::Clock;

// ---- InteractiveSizer ------------------------------------------------------------------------

TEST(InteractiveSizer, FullSizeUntilSomethingIsMeasured) {
  InteractiveSizer s({});
  EXPECT_EQ(s.choose(1280, 720), (RenderSize{1280, 720}));
}

TEST(InteractiveSizer, FullSizeWhenAFrameFitsThePeriod) {
  InteractiveSizer s({});
  s.record(1280, 720, 12.0);  // + 10 ns/px * 921600 px = 21 ms < 33 ms
  EXPECT_EQ(s.choose(1280, 720), (RenderSize{1280, 720}));
}

TEST(InteractiveSizer, SmallerWhenRenderAndEncodeOverrunThePeriod) {
  InteractiveSizer s({});
  s.record(1280, 720, 60.0);  // 65 ns/px render + 10 ns/px encode: 69 ms at full size
  const RenderSize r = s.choose(1280, 720);
  // Budget 33.3 ms / 75 ns/px = 444k px = 0.69 of each side, rounded down to 5/8.
  EXPECT_EQ(r, (RenderSize{800, 450}));
  EXPECT_DOUBLE_EQ(s.scale(1280, 720), 0.625);
}

TEST(InteractiveSizer, FitsAFixedCostFromTwoSizes) {
  InteractiveSizer::Options o;
  o.encode_ns_per_pixel = 0;
  InteractiveSizer s(o);
  // 20 ms fixed (geometry) + 20 ns/px: 38.4 ms at 1280x720, 24.6 ms at 640x360.
  s.record(1280, 720, 20 + 20e-6 * 1280 * 720);
  s.record(640, 360, 20 + 20e-6 * 640 * 360);
  // Room for (33.3 - 20) / 20 ns = 667k px: 0.85 of each side, rounded down to 6/8.
  EXPECT_DOUBLE_EQ(s.scale(1280, 720), 0.75);
  // Without the fixed part the same full-size figure would have allowed 0.875 with 0 ns encode
  // (33.3 / 41.7 ns = 800k px): the fit matters.
  InteractiveSizer one(o);
  one.record(1280, 720, 20 + 20e-6 * 1280 * 720);
  EXPECT_DOUBLE_EQ(one.scale(1280, 720), 0.875);
}

TEST(InteractiveSizer, NeverBelowTheMinimumAndSidesAreEven) {
  InteractiveSizer s({});
  s.record(1366, 768, 900.0);  // hopeless: a volume on a CPU renderer
  const RenderSize r = s.choose(1366, 768);
  EXPECT_DOUBLE_EQ(s.scale(1366, 768), 0.25);
  EXPECT_EQ(r.w % 2, 0);
  EXPECT_EQ(r.h % 2, 0);
  EXPECT_EQ(r, (RenderSize{340, 192}));
}

TEST(InteractiveSizer, FixedScaleOverridesTheModel) {
  InteractiveSizer::Options o;
  o.fixed_scale = 0.5;
  InteractiveSizer s(o);
  EXPECT_EQ(s.choose(1280, 720), (RenderSize{640, 360}));
  o.fixed_scale = 1;
  EXPECT_EQ(InteractiveSizer(o).choose(1280, 720), (RenderSize{1280, 720}));
}

TEST(InteractiveSizer, SmoothsNoisyMeasurements) {
  InteractiveSizer s({});
  for (int i = 0; i < 10; ++i) s.record(1280, 720, 60.0);
  const double before = s.scale(1280, 720);
  s.record(1280, 720, 20.0);  // one quick frame moves the choice by a step, not to full size
  const double after = s.scale(1280, 720);
  EXPECT_GT(after, before);
  EXPECT_LT(after, 1.0);
  s.record(1280, 720, -1);  // nonsense is ignored
  EXPECT_DOUBLE_EQ(s.scale(1280, 720), after);
}

// ---- RenderPolicy ----------------------------------------------------------------------------

class Policy : public ::testing::Test {
 protected:
  Clock::time_point t0 = Clock::time_point{} + 1h;
  RenderPolicy p{RenderPolicy::Options{}};
  uint64_t starts = 0;
  bool pinned = false;  // the last resize request was exact (downstream fixed the size)

  RenderPolicy::Observation at(std::chrono::milliseconds ms) {
    RenderPolicy::Observation o;
    o.now = t0 + ms;
    o.has_viewers = true;
    o.size_pinned = pinned;
    return o;
  }
  RenderPolicy::Observation input(std::chrono::milliseconds ms, bool changed, bool active = false,
                                  bool pressed = false) {
    auto o = at(ms);
    o.got_input = true;
    o.changed = changed;
    o.interaction_active = active;
    o.pressed = pressed;
    o.interaction_starts = starts;
    return o;
  }
  RenderPolicy::Observation quiet(std::chrono::milliseconds ms, bool active = false, bool pressed = false) {
    auto o = at(ms);
    o.interaction_active = active;
    o.pressed = pressed;
    o.interaction_starts = starts;
    return o;
  }
};

TEST_F(Policy, IdleDoesNothing) {
  const auto d = p.step(at(0ms));
  EXPECT_FALSE(d.render);
  EXPECT_FALSE(d.publish);
  EXPECT_EQ(p.timeout_ms(t0, false), -1);
}

TEST_F(Policy, FirstInputAfterStillIsRenderedAtOnce) {
  const auto d = p.step(input(0ms, true));
  EXPECT_TRUE(d.render);
  EXPECT_TRUE(d.publish);
  EXPECT_FALSE(d.still);
}

TEST_F(Policy, FirstMoveAfterThePressIsRenderedAtOnceNotOnTheNextTick) {
  ++starts;  // the press starts the style's interaction
  auto d = p.step(input(0ms, true, true, true));
  EXPECT_TRUE(d.render);
  EXPECT_TRUE(d.interactive);
  // The first move, 5 ms later: at once, not at the 33 ms tick.
  d = p.step(input(5ms, true, true, true));
  EXPECT_TRUE(d.render) << "the first change waited for the cadence";
  EXPECT_TRUE(d.interactive);
  // The next move, 10 ms later, goes out on the cadence (33 ms after the last render).
  d = p.step(input(15ms, true, true, true));
  EXPECT_FALSE(d.render);
  EXPECT_FALSE(d.publish);
  EXPECT_EQ(p.timeout_ms(t0 + 15ms, false), 23);
  d = p.step(quiet(38ms, true, true));
  EXPECT_TRUE(d.render);
  EXPECT_TRUE(d.publish);
}

TEST_F(Policy, InputWhenTheLastFrameIsOlderThanAPeriodIsRenderedAtOnce) {
  ++starts;
  p.step(input(0ms, true, true, true));
  p.step(input(1ms, true, true, true));  // first change: at once
  // The renderer fell behind (a slow render): the next change arrives 60 ms after the last frame.
  const auto d = p.step(input(61ms, true, true, true));
  EXPECT_TRUE(d.render);
}

// Moves paced slower than the cadence (a hand, the benchmarks' 40 ms): the tick between two
// moves republishes the picture, and the next move must not wait a period from that tick.
TEST_F(Policy, AMoveAfterARepublishingTickIsRenderedAtOnce) {
  ++starts;
  p.step(input(0ms, true, true, true));
  EXPECT_TRUE(p.step(input(1ms, true, true, true)).render);  // the first move
  // The tick: nothing changed, and while the drag is held a copy goes out at half the cadence
  // only (a copy 7 ms before the next move took that move's encoder budget).
  auto d = p.step(quiet(34ms, true, true));
  EXPECT_FALSE(d.render);
  EXPECT_FALSE(d.publish) << "a copy of the picture went out a period after it while the drag was held";
  d = p.step(input(41ms, true, true, true));  // 40 ms after the last rendered move
  EXPECT_TRUE(d.render) << "the move waited a period from the tick";
  // Moves faster than the cadence still go out at most once a period from the last render.
  d = p.step(input(50ms, true, true, true));
  EXPECT_FALSE(d.render);
  EXPECT_EQ(p.timeout_ms(t0 + 50ms, false), 24);
  EXPECT_TRUE(p.step(quiet(74ms, true, true)).render);
  // A pause mid-drag: a copy every second tick keeps the stream going.
  EXPECT_FALSE(p.step(quiet(107ms, true, true)).publish);
  d = p.step(quiet(140ms, true, true));
  EXPECT_TRUE(d.publish);
  EXPECT_FALSE(d.render);
}

TEST_F(Policy, DragEndsWithAFullSizeStillThenIdle) {
  ++starts;
  p.step(input(0ms, true, true, true));
  p.step(input(5ms, true, true, true));
  auto d = p.step(quiet(38ms, true, true));
  EXPECT_TRUE(d.interactive);
  // Release: the interaction ends; the still waits for `settle` (100 ms) of quiet.
  d = p.step(input(50ms, true, false, false));
  EXPECT_FALSE(d.still);
  d = p.step(quiet(71ms));  // a tick: still interactive-size frames
  EXPECT_TRUE(d.interactive);
  EXPECT_FALSE(d.still);
  EXPECT_LE(p.timeout_ms(t0 + 71ms, false), 33);
  d = p.step(quiet(150ms));
  EXPECT_TRUE(d.render);
  EXPECT_TRUE(d.publish);
  EXPECT_TRUE(d.still);
  EXPECT_FALSE(d.interactive) << "the still is rendered at full size";
  // The cadence republishes the still (no render; marked as well, since a reader that skips to
  // the newest frame may miss the first) until linger is over, then idle.
  d = p.step(quiet(184ms));
  EXPECT_FALSE(d.render);
  EXPECT_TRUE(d.publish);
  EXPECT_TRUE(d.still);
  EXPECT_FALSE(d.interactive);
  d = p.step(quiet(551ms));
  EXPECT_FALSE(d.publish);
  EXPECT_FALSE(p.active());
  EXPECT_EQ(p.timeout_ms(t0 + 551ms, false), -1);
}

TEST_F(Policy, WheelStepsStayInteractiveUntilTheyStop) {
  // Each wheel step starts and ends an interaction inside one batch.
  ++starts;
  auto d = p.step(input(0ms, true));
  EXPECT_TRUE(d.interactive);
  ++starts;
  d = p.step(input(60ms, true));
  EXPECT_TRUE(d.render);
  EXPECT_TRUE(d.interactive);
  d = p.step(quiet(120ms));
  EXPECT_FALSE(d.still) << "60 ms after a step is not yet settled";
  d = p.step(quiet(160ms));
  EXPECT_TRUE(d.still);
  EXPECT_FALSE(d.interactive);
}

// Wheel steps paced slower than the cadence (a hand on a wheel, 40 ms apart) are not held
// (each step starts and ends the style's interaction): like a drag's moves, each must not come a
// few ms after a copy of the picture, which takes the step's encoder budget (render_policy.cpp).
// The loop is simulated: it wakes when timeout_ms() says, and at each step.
TEST_F(Policy, WheelStepsSlowerThanTheCadenceComeWithoutACopyJustBefore) {
  std::vector<std::pair<std::chrono::milliseconds, RenderPolicy::Decision>> out;
  auto now = 0ms;
  for (auto step : {0ms, 40ms, 80ms, 120ms, 160ms, 200ms}) {
    for (int guard = 0; guard < 100; ++guard) {
      const int wait = p.timeout_ms(t0 + now, false);
      if (wait < 0 || now + std::chrono::milliseconds(wait) >= step) break;
      now += std::chrono::milliseconds(wait);
      out.emplace_back(now, p.step(quiet(now)));
    }
    now = step;
    ++starts;
    out.emplace_back(now, p.step(input(now, true)));
  }
  std::string trace;
  for (const auto& [t, d] : out)
    if (d.publish) trace += std::to_string(t.count()) + (d.render ? " render\n" : " copy\n");
  int renders = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].second.render) continue;
    ++renders;
    for (size_t j = 0; j < i; ++j)
      EXPECT_FALSE(out[j].second.publish && !out[j].second.render && out[i].first - out[j].first < 33ms)
          << "a copy at " << out[j].first.count() << " ms went out just before the step rendered at "
          << out[i].first.count() << " ms:\n" << trace;
  }
  EXPECT_EQ(renders, 6) << "every step is rendered at once (each is a period after the last):\n" << trace;
}

TEST_F(Policy, KeysEndWithAStillWithoutAnotherRender) {
  auto d = p.step(input(0ms, true));  // 'r': no style interaction
  EXPECT_TRUE(d.render);
  EXPECT_FALSE(d.interactive);
  d = p.step(quiet(33ms));
  EXPECT_TRUE(d.publish);
  EXPECT_FALSE(d.still);
  d = p.step(quiet(500ms));
  EXPECT_TRUE(d.publish);
  EXPECT_TRUE(d.still);
  EXPECT_FALSE(d.render) << "nothing changed since the last full-size render";
  EXPECT_FALSE(p.active());
}

TEST_F(Policy, NewInputAfterTheStillIsNotMarkedStill) {
  ++starts;
  p.step(input(0ms, true, true, true));
  p.step(input(10ms, true, false, false));
  EXPECT_TRUE(p.step(quiet(110ms)).still);
  // A key changes the picture during the linger: its frame is no still, the end of the linger is.
  auto d = p.step(input(150ms, true));
  EXPECT_TRUE(d.render);
  EXPECT_FALSE(d.still);
  d = p.step(quiet(183ms));
  EXPECT_FALSE(d.still);
  d = p.step(quiet(650ms));
  EXPECT_TRUE(d.still);
  EXPECT_FALSE(p.active());
}

TEST_F(Policy, HeldButtonKeepsTheCadenceUntilTheLimit) {
  ++starts;
  p.step(input(0ms, true, true, true));
  auto d = p.step(quiet(1000ms, true, true));
  EXPECT_TRUE(d.publish) << "a user pausing mid-drag keeps the stream going";
  EXPECT_FALSE(d.still);
  EXPECT_GT(p.timeout_ms(t0 + 1000ms, false), 0) << "no busy loop while held";
  d = p.step(quiet(5001ms, true, true));
  EXPECT_TRUE(d.still) << "a viewer gone mid-drag: full-size still, then idle";
  EXPECT_TRUE(d.render);
  EXPECT_FALSE(d.interactive);
  EXPECT_FALSE(p.active());
}

TEST_F(Policy, PendingFrameGoesOutWhenAViewerArrives) {
  auto o = at(0ms);
  o.publish_pending = true;
  o.has_viewers = false;
  EXPECT_FALSE(p.step(o).publish);
  EXPECT_EQ(p.timeout_ms(t0, true), 1000);
  o.has_viewers = true;
  const auto d = p.step(o);
  EXPECT_TRUE(d.publish);
  EXPECT_FALSE(d.render);
}

// ---- A size pinned by downstream caps (shm::kResizeExact) ------------------------------------

TEST_F(Policy, PinnedSizeKeepsADragAtFullSizeAndStillEndsWithTheStill) {
  pinned = true;
  ++starts;
  auto d = p.step(input(0ms, true, true, true));
  EXPECT_TRUE(d.render);
  EXPECT_FALSE(d.interactive) << "a pinned size was reduced for the drag";
  d = p.step(input(5ms, true, true, true));
  EXPECT_TRUE(d.render);
  EXPECT_FALSE(d.interactive);
  d = p.step(quiet(72ms, true, true));  // a held tick's copy (every second tick while held)
  EXPECT_TRUE(d.publish);
  EXPECT_FALSE(d.interactive);
  p.step(input(80ms, false, false, false));  // release, nothing changed since the last render
  d = p.step(quiet(180ms));
  EXPECT_TRUE(d.publish);
  EXPECT_TRUE(d.still) << "the settled picture is still marked for the finer encoding";
  EXPECT_FALSE(d.interactive);
  EXPECT_FALSE(d.render) << "the last frame of the drag was full size already";
}

TEST_F(Policy, PinArrivingMidDragRendersTheFullSizeAtOnce) {
  ++starts;
  p.step(input(0ms, true, true, true));
  auto d = p.step(input(5ms, true, true, true));
  ASSERT_TRUE(d.interactive);
  // vtksrc's exact resize request lands mid-drag (no change of the scene by itself).
  pinned = true;
  d = p.step(input(40ms, false, true, true));
  EXPECT_TRUE(d.render) << "the reduced picture would be dropped downstream: render full size";
  EXPECT_FALSE(d.interactive);
  d = p.step(quiet(73ms, true, true));
  EXPECT_FALSE(d.interactive);
}

TEST_F(Policy, AViewerResizeLiftsThePinAndTheNextDragIsReducedAgain) {
  pinned = true;
  ++starts;
  EXPECT_FALSE(p.step(input(0ms, true, true, true)).interactive);
  p.step(input(10ms, true, false, false));
  EXPECT_TRUE(p.step(quiet(110ms)).still);
  pinned = false;  // a resize without the exact bit (a viewer's window size)
  ++starts;
  const auto d = p.step(input(200ms, true, true, true));
  EXPECT_TRUE(d.render);
  EXPECT_TRUE(d.interactive);
}

}  // namespace
}  // namespace vtkstream::render
