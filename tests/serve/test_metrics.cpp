// /metrics without a server: the registry (histogram buckets, rates), the Prometheus text
// formatter (escaping, histograms, names it must leave out) and the sink's families (every name
// documented in docs/metrics.md, counters named _total, the peers gauge complete).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "auth.h"
#include "exposition.h"
#include "protocol.h"
#include "registry.h"
#include "sink_families.h"

namespace vtkstream::sink {
namespace {

TEST(Histogram, BucketsAreCumulativeWithUpperBoundsIncluded) {
  Histogram h;
  h.observe(0.001);  // exactly on a bound: counted in it (le = less or equal)
  h.observe(0.0011);
  h.observe(3.0);    // over the last bound: +Inf only
  h.observe(-1.0);   // a clock step: counted as zero, never negative
  const Histogram::Snapshot s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), Histogram::kBounds.size() + 1);
  EXPECT_EQ(s.cumulative[0], 2u);  // le=0.001: the 0.001 and the clamped -1
  EXPECT_EQ(s.cumulative[1], 3u);  // le=0.0025
  EXPECT_EQ(s.cumulative[Histogram::kBounds.size() - 1], 3u);
  EXPECT_EQ(s.cumulative.back(), 4u);
  EXPECT_NEAR(s.sum, 0.001 + 0.0011 + 3.0, 1e-9);
}

TEST(SinkMetricsRates, TickDerivesFramesAndKbitPerSecond) {
  SinkMetrics m;
  m.tick(1'000'000);
  m.frames_encoded.add(30);
  m.encoded_bytes.add(150'000);  // 1.2 Mbit in 1 s
  m.webrtc_sent_bytes.add(300'000);
  m.tick(2'000'000);
  const SinkMetrics::Rates r = m.rates();
  EXPECT_DOUBLE_EQ(r.fps, 30);
  EXPECT_DOUBLE_EQ(r.encoded_kbps, 1200);
  EXPECT_DOUBLE_EQ(r.webrtc_kbps, 2400);
  EXPECT_DOUBLE_EQ(r.mjpeg_kbps, 0);
  m.tick(4'000'000);  // nothing new for 2 s
  EXPECT_DOUBLE_EQ(m.rates().fps, 0);
}

TEST(Exposition, ValuesAsTheFormatSpellsThem) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e20), "1e+20");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Exposition, CounterAndGaugeWithEscapedLabels) {
  MetricFamily c{"vtkstream_x_total", "Help with \\ and\nnewline", MetricFamily::Type::kCounter, {}, {}};
  c.samples.push_back({{{"kind", "a\"b\\c\nd"}}, 7});
  MetricFamily g{"vtkstream_y", "A gauge", MetricFamily::Type::kGauge, {}, {}};
  g.samples.push_back({{}, 1.5});
  EXPECT_EQ(format_exposition({c, g}),
            "# HELP vtkstream_x_total Help with \\\\ and\\nnewline\n"
            "# TYPE vtkstream_x_total counter\n"
            "vtkstream_x_total{kind=\"a\\\"b\\\\c\\nd\"} 7\n"
            "# HELP vtkstream_y A gauge\n"
            "# TYPE vtkstream_y gauge\n"
            "vtkstream_y 1.5\n");
}

TEST(Exposition, HistogramHasBucketsSumAndCount) {
  Histogram h;
  h.observe(0.004);
  h.observe(0.2);
  MetricFamily f{"vtkstream_h_seconds", "h", MetricFamily::Type::kHistogram, {}, {}};
  f.histograms.push_back({{{"rung", "0"}}, h.snapshot()});
  const std::string text = format_exposition({f});
  EXPECT_NE(text.find("# TYPE vtkstream_h_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_h_seconds_bucket{rung=\"0\",le=\"0.0025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vtkstream_h_seconds_bucket{rung=\"0\",le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vtkstream_h_seconds_bucket{rung=\"0\",le=\"0.25\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vtkstream_h_seconds_bucket{rung=\"0\",le=\"+Inf\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vtkstream_h_seconds_sum{rung=\"0\"} 0.204\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vtkstream_h_seconds_count{rung=\"0\"} 2\n"), std::string::npos) << text;
}

TEST(Exposition, InvalidNamesAreLeftOutNotWrittenBroken) {
  MetricFamily bad_name{"9lives", "x", MetricFamily::Type::kGauge, {{{}, 1}}, {}};
  MetricFamily bad_label{"vtkstream_ok", "x", MetricFamily::Type::kGauge, {{{{"le", "1"}}, 1}}, {}};
  MetricFamily reserved{"vtkstream_ok2", "x", MetricFamily::Type::kGauge, {{{{"__x", "1"}}, 1}}, {}};
  MetricFamily good{"vtkstream_good", "x", MetricFamily::Type::kGauge, {{{{"a_b", "1"}}, 1}}, {}};
  EXPECT_EQ(format_exposition({bad_name, bad_label, reserved, good}),
            "# HELP vtkstream_good x\n# TYPE vtkstream_good gauge\nvtkstream_good{a_b=\"1\"} 1\n");
  EXPECT_TRUE(valid_metric_name("a:b_c9"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_metric_name(""));
}

TEST(SinkFamilies, NamesLabelsAndEveryLineParses) {
  SinkMetrics m;
  m.frames_in.add(5);
  m.input_forwarded[static_cast<size_t>(InputRecord::Kind::kWheel)].add(3);
  m.input_to_photon_seconds.observe(0.05);
  ScrapeState s;
  s.peers[{"webrtc", "owner"}] = 1;
  s.peers[{"whep", "viewer"}] = 2;
  s.renderer_running = true;
  const std::string text = format_exposition(sink_families(m, s));
  std::set<std::string> names;
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (\S+)$)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      EXPECT_EQ(name.rfind("vtkstream_", 0), 0u) << name;
      if (type == "counter") {
        EXPECT_TRUE(name.size() > 6 && name.substr(name.size() - 6) == "_total") << name;
      }
      names.insert(name);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
  for (const char* n : {"vtkstream_peers", "vtkstream_frames_in_total", "vtkstream_frames_encoded_total",
                        "vtkstream_frames_dropped_total", "vtkstream_fps", "vtkstream_encoded_kbps",
                        "vtkstream_sent_kbps", "vtkstream_sent_bytes_total", "vtkstream_encode_seconds",
                        "vtkstream_frame_age_seconds", "vtkstream_input_events_total",
                        "vtkstream_input_to_photon_seconds", "vtkstream_renderer_restarts_total",
                        "vtkstream_renderer_up", "vtkstream_whep_sessions_total"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_NE(text.find("vtkstream_peers{transport=\"webrtc\",role=\"owner\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_peers{transport=\"whep\",role=\"viewer\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_peers{transport=\"mjpeg\",role=\"viewer\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_frames_in_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_input_events_total{kind=\"wh\",outcome=\"forwarded\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_fps{rung=\"0\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_input_to_photon_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(text.find("vtkstream_renderer_up 1\n"), std::string::npos);
}

TEST(Bearer, TokenFromAuthorizationHeader) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token(nullptr), "");
}

}  // namespace
}  // namespace vtkstream::sink
