// The Prometheus text exposition format, version 0.0.4 (what /metrics answers, with content type
// `text/plain; version=0.0.4`): # HELP and # TYPE lines, then one line per sample. Pure: the
// families come in as values, the text goes out; unit-tested in tests/serve/test_metrics.cpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "registry.h"

namespace vtkstream::sink {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct MetricFamily {
  enum class Type { kCounter, kGauge, kHistogram };
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total
  std::string help;
  Type type = Type::kGauge;
  struct Sample {
    Labels labels;
    double value = 0;
  };
  std::vector<Sample> samples;  // counters and gauges
  struct HistogramSample {
    Labels labels;
    Histogram::Snapshot h;
  };
  std::vector<HistogramSample> histograms;  // histograms
};

inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// A valid metric or label name (label names may not contain ':').
bool valid_metric_name(const std::string& name);
bool valid_label_name(const std::string& name);
// A sample value: integers without a fraction, others in the shortest round-trip form, and
// +Inf / -Inf / NaN as the format spells them.
std::string format_value(double v);
// Families with an invalid name or label name are left out (they would make the whole scrape
// unparseable); everything else is written in the order given.
std::string format_exposition(const std::vector<MetricFamily>& families);

}  // namespace vtkstream::sink
