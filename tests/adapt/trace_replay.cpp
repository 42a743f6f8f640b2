#include "trace_replay.h"

#include <gtest/gtest.h>

#include <fstream>

namespace vtkstream::adapt::test {

std::vector<TraceLine> load_trace(const std::string& name) {
  std::ifstream in(std::string(VTKSTREAM_TRACE_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot read trace " << name;
  std::vector<TraceLine> out;
  std::string line;
  while (std::getline(in, line))
    if (auto l = parse_trace_line(line)) out.push_back(*l);
  return out;
}

int Replay::link_at(int64_t t) const {
  int kbps = 0;
  for (const LinkMark& l : links)
    if (l.t_us <= t) kbps = l.kbps;
  return kbps;
}

int Replay::target_at(int64_t t) const {
  int kbps = targets.empty() ? 0 : targets.front().target_kbps;
  for (const Step& s : targets)
    if (s.t_us <= t) kbps = s.target_kbps;
  return kbps;
}

namespace {

int64_t time_of(const TraceEvent& e) {
  return std::visit([](const auto& v) { return v.t_us; }, e);
}

}  // namespace

Replay replay(const std::vector<TraceLine>& lines, Limits limits, int64_t stop_inputs_us, int64_t end_us) {
  RateController c(limits);
  Replay r;
  if (lines.empty()) return r;
  r.start_us = time_of(lines.front().event);
  r.end_us = end_us ? end_us : time_of(lines.back().event);
  int64_t next_tick = r.start_us + 1'000'000;
  auto tick_until = [&](int64_t t) {
    for (; next_tick <= t; next_tick += 1'000'000) {
      c.tick(next_tick);
      r.targets.push_back({next_tick, c.target_kbps()});
    }
  };
  for (const TraceLine& l : lines) {
    const int64_t t = time_of(l.event);
    if (auto* m = std::get_if<LinkMark>(&l.event)) {
      r.links.push_back(*m);
      continue;
    }
    if (t > stop_inputs_us || t > r.end_us) continue;
    tick_until(t);
    if (auto* s = std::get_if<SenderSample>(&l.event)) c.on_sender(*s);
    else if (auto* rr = std::get_if<ReceiverReport>(&l.event)) c.on_receiver_report(*rr);
    else if (auto* p = std::get_if<PageReport>(&l.event)) c.on_page(*p);
    else continue;  // T lines: the recorded decision, not an input
    r.targets.push_back({t, c.target_kbps()});
  }
  tick_until(r.end_us);
  return r;
}

}  // namespace vtkstream::adapt::test
