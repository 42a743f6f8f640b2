#include "trace.h"

#include <cstdio>
#include <iterator>
#include <sstream>

namespace vtkstream::adapt {

namespace {

std::string num(std::optional<double> v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", *v);
  return buf;
}
std::string num(std::optional<uint64_t> v) { return v ? std::to_string(*v) : "-"; }

// Reads one field: "-" is nullopt; anything unparsable fails the line.
template <typename T>
bool field(std::istringstream& in, std::optional<T>* out) {
  std::string w;
  if (!(in >> w)) return false;
  if (w == "-") {
    out->reset();
    return true;
  }
  std::istringstream v(w);
  T x;
  if (!(v >> x) || !v.eof()) return false;
  *out = x;
  return true;
}

template <typename T>
bool required(std::istringstream& in, T* out) {
  std::optional<T> v;
  if (!field(in, &v) || !v) return false;
  *out = *v;
  return true;
}

}  // namespace

std::string trace_line(uint32_t peer, const SenderSample& s) {
  return "S " + std::to_string(s.t_us) + " " + std::to_string(peer) + " " + std::to_string(s.bytes_sent);
}

std::string trace_line(uint32_t peer, const ReceiverReport& r) {
  return "R " + std::to_string(r.t_us) + " " + std::to_string(peer) + " " + num(std::optional<double>(r.fraction_lost)) +
         " " + num(r.jitter_s) + " " + num(r.rtt_s);
}

std::string trace_line(uint32_t peer, const PageReport& p) {
  return "P " + std::to_string(p.t_us) + " " + std::to_string(peer) + " " + std::to_string(p.bytes) + " " +
         num(p.packets) + " " + num(p.lost) + " " + num(p.decoded) + " " + num(p.dropped) + " " + num(p.freezes) +
         " " + num(p.freeze_ms) + " " + num(p.jb_delay_ms) + " " + num(p.jb_emitted) + " " + num(p.delay_ms) + " " +
         num(p.net_queue_ms) + " " + num(p.net_frame_bytes);
}

std::string trace_line(uint32_t peer, const TargetMark& m) {
  return "T " + std::to_string(m.t_us) + " " + std::to_string(peer) + " " + std::to_string(m.kbps) + " " + m.state;
}

std::optional<TraceLine> parse_trace_line(const std::string& line) {
  std::istringstream in(line);
  std::string kind;
  if (!(in >> kind) || kind[0] == '#') return std::nullopt;
  int64_t t = 0;
  if (!required(in, &t)) return std::nullopt;
  TraceLine out;
  if (kind == "L") {
    LinkMark m{t, 0};
    if (!required(in, &m.kbps)) return std::nullopt;
    out.event = m;
    return out;
  }
  if (!required(in, &out.peer)) return std::nullopt;
  if (kind == "S") {
    SenderSample s{t, 0};
    if (!required(in, &s.bytes_sent)) return std::nullopt;
    out.event = s;
  } else if (kind == "R") {
    ReceiverReport r;
    r.t_us = t;
    if (!required(in, &r.fraction_lost) || !field(in, &r.jitter_s) || !field(in, &r.rtt_s)) return std::nullopt;
    out.event = r;
  } else if (kind == "P") {
    PageReport p;
    p.t_us = t;
    if (!required(in, &p.bytes) || !field(in, &p.packets) || !field(in, &p.lost) || !field(in, &p.decoded) ||
        !field(in, &p.dropped) || !field(in, &p.freezes) || !field(in, &p.freeze_ms) || !field(in, &p.jb_delay_ms) ||
        !field(in, &p.jb_emitted) || !field(in, &p.delay_ms))
      return std::nullopt;
    // Traces recorded before the per-frame network delay end here.
    std::string rest;
    if (in >> rest) {
      std::istringstream more(rest + " " + std::string(std::istreambuf_iterator<char>(in), {}));
      if (!field(more, &p.net_queue_ms) || !field(more, &p.net_frame_bytes)) return std::nullopt;
    }
    out.event = p;
  } else if (kind == "T") {
    TargetMark m;
    m.t_us = t;
    if (!required(in, &m.kbps) || !(in >> m.state)) return std::nullopt;
    out.event = m;
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace vtkstream::adapt
