#include "exposition.h"

#include <charconv>
#include <cmath>

namespace vtkstream::sink {

namespace {

bool name_chars(const std::string& n, bool colon) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// HELP text escapes backslash and newline; label values also the double quote.
std::string escape(const std::string& s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

std::string label_text(const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && !extra) return "";
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::pair<std::string, std::string>& l) {
    if (!first) out += ",";
    first = false;
    out += l.first + "=\"" + escape(l.second, true) + "\"";
  };
  for (const auto& l : labels) add(l);
  if (extra) add(*extra);
  return out + "}";
}

bool labels_valid(const Labels& labels) {
  for (const auto& l : labels)
    if (!valid_label_name(l.first) || l.first == "le") return false;  // le belongs to histograms
  return true;
}

const char* type_name(MetricFamily::Type t) {
  switch (t) {
    case MetricFamily::Type::kCounter: return "counter";
    case MetricFamily::Type::kGauge: return "gauge";
    case MetricFamily::Type::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

bool valid_metric_name(const std::string& name) { return name_chars(name, true); }
bool valid_label_name(const std::string& name) { return name_chars(name, false) && name.rfind("__", 0) != 0; }

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) < 1e15)
    r = std::to_chars(buf, buf + sizeof(buf), static_cast<long long>(v));
  else
    r = std::to_chars(buf, buf + sizeof(buf), v);  // shortest form that reads back the same
  return std::string(buf, r.ptr);
}

std::string format_exposition(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& f : families) {
    if (!valid_metric_name(f.name)) continue;
    bool ok = true;
    for (const auto& s : f.samples) ok = ok && labels_valid(s.labels);
    for (const auto& h : f.histograms) ok = ok && labels_valid(h.labels);
    if (!ok) continue;
    out += "# HELP " + f.name + " " + escape(f.help, false) + "\n";
    out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
    if (f.type != MetricFamily::Type::kHistogram) {
      for (const auto& s : f.samples) out += f.name + label_text(s.labels) + " " + format_value(s.value) + "\n";
      continue;
    }
    for (const auto& hs : f.histograms) {
      const Histogram::Snapshot& h = hs.h;
      for (size_t i = 0; i <= h.bounds.size() && i < h.cumulative.size(); ++i) {
        const std::pair<std::string, std::string> le{"le", i < h.bounds.size() ? format_value(h.bounds[i]) : "+Inf"};
        out += f.name + "_bucket" + label_text(hs.labels, &le) + " " + format_value(double(h.cumulative[i])) + "\n";
      }
      const double count = h.cumulative.empty() ? 0 : double(h.cumulative.back());
      out += f.name + "_sum" + label_text(hs.labels) + " " + format_value(h.sum) + "\n";
      out += f.name + "_count" + label_text(hs.labels) + " " + format_value(count) + "\n";
    }
  }
  return out;
}

}  // namespace vtkstream::sink
