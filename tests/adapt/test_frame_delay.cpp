// A frame's time on the network (adapt/frame_delay.h): the server's departure of its last packet
// set against the page's arrival of it, above the least such difference of the last 30 s.
#include <gtest/gtest.h>

#include "frame_delay.h"
#include "trace.h"

using namespace vtkstream::adapt;

TEST(DepartureLog, AFrameEndsAtItsMarkerAndCountsItsPackets) {
  DepartureLog log;
  log.note_packet(9000, false, 1200, 1'000);
  log.note_packet(9000, false, 1200, 2'000);
  EXPECT_FALSE(log.find(9000)) << "not complete before its marker";
  log.note_packet(9000, true, 300, 3'000);
  const auto d = log.find(9000);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->t_us, 3'000) << "the last packet's departure";
  EXPECT_EQ(d->bytes, 2700u);
}

TEST(DepartureLog, ALostMarkerEndsTheFrameAtTheNextTimestamp) {
  DepartureLog log;
  log.note_packet(100, false, 1000, 10);
  log.note_packet(3100, true, 500, 20);
  ASSERT_TRUE(log.find(100));
  EXPECT_EQ(log.find(100)->bytes, 1000u);
  EXPECT_EQ(log.find(3100)->t_us, 20);
}

TEST(DepartureLog, KeepsTheNewestFrames) {
  DepartureLog log;
  for (uint32_t i = 0; i < DepartureLog::kFrames + 10; ++i) log.note_packet(i * 3000, true, 100, i);
  EXPECT_FALSE(log.find(0));
  EXPECT_FALSE(log.find(9 * 3000));
  EXPECT_TRUE(log.find(10 * 3000));
  EXPECT_TRUE(log.find((DepartureLog::kFrames + 9) * 3000));
}

TEST(NetDelay, TheTimeAboveTheEmptyPathOfTheMostDelayedFrame) {
  DepartureLog log;
  // Two frames leave 33 ms apart; the page's clock is 5 s behind the server's, the path 2 ms.
  log.note_packet(1000, true, 800, 100'000);
  log.note_packet(4000, true, 50'000, 133'000);
  NetDelay nd;
  // The small one arrived 2 ms after it left; the still 190 ms after (it queued).
  const auto r = nd.on_report({{1000, 100.0 - 5000 + 2}, {4000, 133.0 - 5000 + 190}}, log, 200'000);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->queue_ms, 188, 1e-6);
  EXPECT_EQ(r->bytes, 50'000u);
  // The empty path is remembered: a later report with only a slightly late frame.
  log.note_packet(7000, true, 900, 166'000);
  const auto r2 = nd.on_report({{7000, 166.0 - 5000 + 12}}, log, 300'000);
  ASSERT_TRUE(r2);
  EXPECT_NEAR(r2->queue_ms, 10, 1e-6);
}

TEST(NetDelay, UnknownFramesAreIgnoredAndTheBaseForgetsAfter30s) {
  DepartureLog log;
  NetDelay nd;
  EXPECT_FALSE(nd.on_report({{123, 5.0}}, log, 0)) << "a frame the server never sent";
  EXPECT_FALSE(nd.on_report({}, log, 0));
  log.note_packet(1000, true, 100, 0);
  ASSERT_TRUE(nd.on_report({{1000, 1.0}}, log, 0));  // offset 1 ms: the base
  log.note_packet(2000, true, 100, 1'000'000);
  EXPECT_NEAR(nd.on_report({{2000, 1000.0 + 41}}, log, 1'000'000)->queue_ms, 40, 1e-6);
  // 31 s on, the old minimum is gone: the path itself got longer (a new route), not a queue.
  log.note_packet(5000, true, 100, 31'000'000);
  EXPECT_NEAR(nd.on_report({{5000, 31000.0 + 41}}, log, 32'000'000)->queue_ms, 0, 1e-6);
}

TEST(DepartureLog, ATimestampThatLeftTwiceIsAmbiguous) {
  // A rung move repeats the picture it happened at, from the new rung, under the same timestamp.
  DepartureLog log;
  log.note_packet(6000, true, 900, 1'000);
  log.note_packet(6000, true, 20'000, 90'000);
  EXPECT_FALSE(log.find(6000));
  NetDelay nd;
  EXPECT_FALSE(nd.on_report({{6000, 5.0}}, log, 100'000)) << "it must not set the empty path";
}

TEST(NetDelayTrace, PageLinesCarryTheFrameDelayAndOldOnesStillParse) {
  PageReport p;
  p.t_us = 5;
  p.bytes = 100;
  p.net_queue_ms = 226.5;
  p.net_frame_bytes = 41813;
  const auto back = parse_trace_line(trace_line(3, p));
  ASSERT_TRUE(back);
  const auto* q = std::get_if<PageReport>(&back->event);
  ASSERT_TRUE(q);
  EXPECT_DOUBLE_EQ(*q->net_queue_ms, 226.5);
  EXPECT_EQ(*q->net_frame_bytes, 41813u);
  // A line recorded before these fields existed.
  const auto old = parse_trace_line("P 55376833725 1 31616 31 0 2 5 0 0 14.965 2 0");
  ASSERT_TRUE(old);
  EXPECT_FALSE(std::get<PageReport>(old->event).net_queue_ms);
  EXPECT_FALSE(parse_trace_line("P 55376833725 1 31616 31 0 2 5 0 0 14.965 2 0 x 5")) << "garbage after";
}

TEST(NetDelay, AFloodOfReportsKeepsBoundedMemory) {
  DepartureLog log;
  log.note_packet(1000, true, 100, 0);
  NetDelay nd;
  std::vector<std::pair<uint32_t, double>> frames(16, {1000, 1.0});
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(nd.on_report(frames, log, i));
  EXPECT_LE(nd.offsets(), NetDelay::kMaxOffsets);
}
