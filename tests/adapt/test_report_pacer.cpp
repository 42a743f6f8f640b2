// ReportPacer (plugins/vtkstreamsink/adapt/report_pacer.h): the web client's one report per
// 300 ms always passes, late timers firing back to back too; a flood passes at 10 a second.
#include <gtest/gtest.h>

#include "report_pacer.h"

using vtkstream::adapt::ReportPacer;

TEST(ReportPacer, TheWebClientsRateAlwaysPasses) {
  ReportPacer p;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(p.offer(int64_t(i) * 300'000)) << "report " << i;
}

TEST(ReportPacer, LateTimersBackToBackPass) {
  ReportPacer p;
  int64_t t = 0;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(p.offer(t += 300'000));
  // A page busy for 1.5 s fires its five late timers at once.
  t += 1'500'000;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(p.offer(t)) << "late report " << i;
  EXPECT_TRUE(p.offer(t += 300'000));
}

TEST(ReportPacer, AFloodPassesAtTheRate) {
  ReportPacer p;
  int passed = 0;
  // 10,000 reports a second for 10 s.
  for (int64_t t = 0; t < 10'000'000; t += 100) passed += p.offer(t);
  EXPECT_GE(passed, 100);
  EXPECT_LE(passed, 106) << "burst 5 + 10/s over 10 s";
  // After the flood the page's own rate passes again at once.
  EXPECT_TRUE(p.offer(10'300'000));
}
