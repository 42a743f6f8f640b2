// KeyframeGuard (plugins/vtkstreamsink/media/keyframe_guard.h): one keyframe per guard interval,
// a request inside it deferred once to its end, on a GMainContext of the test's own (the sink's
// context in the element). The deferred request is awaited by iterating that context, which
// blocks until its timer is due: no sleeps.
#include <gtest/gtest.h>

#include <glib.h>

#include <vector>

#include "keyframe_guard.h"

using vtkstream::sink::KeyframeGuard;

TEST(KeyframeGuard, WaitIsTheRestOfTheGuard) {
  EXPECT_EQ(KeyframeGuard::wait_us(0, 5'000'000, 500), 0) << "no keyframe asked yet";
  EXPECT_EQ(KeyframeGuard::wait_us(1'000'000, 1'200'000, 500), 300'000);
  EXPECT_EQ(KeyframeGuard::wait_us(1'000'000, 1'500'000, 500), 0);
  EXPECT_EQ(KeyframeGuard::wait_us(1'000'000, 9'000'000, 2000), 0);
}

class KeyframeGuardLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = g_main_context_new();
    g_main_context_push_thread_default(ctx_);
  }
  void TearDown() override {
    g_main_context_pop_thread_default(ctx_);
    g_main_context_unref(ctx_);
  }
  GMainContext* ctx_ = nullptr;
};

TEST_F(KeyframeGuardLoop, RequestsInsideTheGuardBecomeOneAtItsEnd) {
  int sent = 0;
  std::vector<gint64> at;
  KeyframeGuard g([&](bool) { at.push_back(g_get_monotonic_time()); return ++sent, true; }, [] { return 200; });
  g.request();
  EXPECT_EQ(sent, 1) << "the first request goes at once";
  g.request();
  g.request();
  g.request();
  EXPECT_EQ(sent, 1) << "inside the guard: deferred";
  EXPECT_TRUE(g.deferred());
  while (g.deferred()) g_main_context_iteration(ctx_, TRUE);
  EXPECT_EQ(sent, 2) << "three requests inside the guard make one keyframe at its end";
  ASSERT_EQ(at.size(), 2u);
  EXPECT_GE(at[1] - at[0], 200'000);
}

TEST_F(KeyframeGuardLoop, NothingRecordedWhenTheEncoderCannotBeAsked) {
  bool ready = false;
  int sent = 0;
  KeyframeGuard g([&](bool) { return ready && (++sent, true); }, [] { return 60'000; });
  g.request();  // no payloader yet: not recorded, so the next request is not held back
  ready = true;
  g.request();
  EXPECT_EQ(sent, 1);
  EXPECT_FALSE(g.deferred());
}

TEST_F(KeyframeGuardLoop, GuardIsReadAtEachRequest) {
  int guard = 60'000, sent = 0;
  KeyframeGuard g([&](bool) { return ++sent, true; }, [&] { return guard; });
  g.request();
  g.request();
  EXPECT_EQ(sent, 1) << "a minute's guard (a slow encoder)";
  EXPECT_TRUE(g.deferred());
  guard = 0;  // the encoder's bitrate rose: no guard any more
  g.request();
  EXPECT_EQ(sent, 2);
}

TEST_F(KeyframeGuardLoop, DestroyedGuardCancelsItsDeferredRequest) {
  int sent = 0;
  {
    KeyframeGuard g([&](bool) { return ++sent, true; }, [] { return 50; });
    g.request();
    g.request();
    ASSERT_TRUE(g.deferred());
  }
  // The timer would be due after 50 ms: let that pass on the context (a timer of our own, so the
  // iteration has something to wait for) and check that the destroyed guard's request never ran.
  bool done = false;
  GSource* t = g_timeout_source_new(120);
  g_source_set_callback(t, [](gpointer d) -> gboolean { *static_cast<bool*>(d) = true; return G_SOURCE_REMOVE; }, &done, nullptr);
  g_source_attach(t, ctx_);
  while (!done) g_main_context_iteration(ctx_, TRUE);
  g_source_unref(t);
  EXPECT_EQ(sent, 1);
}

// A join's request (media/join_keyframe.h) asks for a small keyframe; merged with others inside
// the guard it still does, and the next plain request after it is plain again.
TEST_F(KeyframeGuardLoop, AJoinRequestMarksTheKeyframeItIsMergedInto) {
  std::vector<bool> joins;
  KeyframeGuard g([&](bool join) { joins.push_back(join); return true; }, [] { return 100; });
  g.request();
  g.request(true);
  g.request();
  while (g.deferred()) g_main_context_iteration(ctx_, TRUE);
  g.request();  // inside the new guard: deferred, plain
  while (g.deferred()) g_main_context_iteration(ctx_, TRUE);
  EXPECT_EQ(joins, (std::vector<bool>{false, true, false}));
}
