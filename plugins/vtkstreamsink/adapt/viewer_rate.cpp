#include "viewer_rate.h"

#include <glib.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "trace.h"
#include "webrtc_branch.h"

namespace vtkstream::sink {

namespace {

// The trace file, shared by all viewers of the process; written on the sink's context only.
FILE* trace_file() {
  static FILE* f = [] {
    const char* path = std::getenv("VTKSTREAM_ADAPT_TRACE");
    return path && *path ? std::fopen(path, "a") : nullptr;
  }();
  return f;
}

void trace(const std::string& line) {
  if (FILE* f = trace_file()) {
    std::fputs(line.c_str(), f);
    std::fputc('\n', f);
    std::fflush(f);
  }
}

// The sink's tick samples webrtcbin for clients without page reports at most this often.
constexpr int64_t kTickSampleUs = 900'000;

}  // namespace

ViewerRate::ViewerRate(uint32_t peer, adapt::Limits limits) : peer_(peer), ctl_(limits) {}

ViewerRate::~ViewerRate() { *alive_ = false; }

void ViewerRate::feed_rtc(const RtcStats& s, int64_t now_us) {
  if (s.bytes_sent) {
    const adapt::SenderSample ss{now_us, *s.bytes_sent};
    ctl_.on_sender(ss);
    trace(adapt::trace_line(peer_, ss));
  }
  // webrtcbin repeats the newest receiver report in every reply: feed a report when it changed.
  if (s.fraction_lost && (s.fraction_lost != last_rr_loss_ || s.jitter_s != last_rr_jitter_ || s.rtt_s != last_rr_rtt_)) {
    last_rr_loss_ = s.fraction_lost;
    last_rr_jitter_ = s.jitter_s;
    last_rr_rtt_ = s.rtt_s;
    adapt::ReceiverReport rr;
    rr.t_us = now_us;
    rr.fraction_lost = *s.fraction_lost;
    rr.jitter_s = s.jitter_s;
    rr.rtt_s = s.rtt_s;
    ctl_.on_receiver_report(rr);
    trace(adapt::trace_line(peer_, rr));
  }
}

void ViewerRate::note_decision(int64_t now_us) {
  if (trace_file()) trace(adapt::trace_line(peer_, adapt::TargetMark{now_us, ctl_.target_kbps(), ctl_.state()}));
}

void ViewerRate::on_page(const PageStats& s, WebRtcBranch& branch, std::function<void()> changed) {
  adapt::PageReport p;
  p.bytes = s.bytes;
  p.packets = s.packets;
  p.lost = s.lost;
  p.decoded = s.decoded;
  p.dropped = s.dropped;
  p.freezes = s.freezes;
  p.freeze_ms = s.freeze_ms;
  p.jb_delay_ms = s.jb_delay_ms;
  p.jb_emitted = s.jb_emitted;
  p.delay_ms = s.delay_ms;
  if (auto net = net_delay_.on_report(s.frames, branch.departures(), g_get_monotonic_time())) {
    p.net_queue_ms = net->queue_ms;
    p.net_frame_bytes = net->bytes;
  }
  branch.request_stats([this, alive = std::weak_ptr<bool>(alive_), p, changed = std::move(changed)](
                           const RtcStats& rtc) mutable {
    if (!alive.lock()) return;
    const int64_t now = g_get_monotonic_time();
    feed_rtc(rtc, now);
    p.t_us = now;
    last_page_us_ = now;
    ctl_.on_page(p);
    trace(adapt::trace_line(peer_, p));
    note_decision(now);
    changed();
  });
}

void ViewerRate::on_ws(const adapt::WsAckWindow& w, std::function<void()> changed) {
  const int64_t now = w.t_us;
  const adapt::WsFed fed = adapt::feed_ws_acks(ctl_, w);
  trace(adapt::trace_line(peer_, fed.sender));
  if (fed.rr) trace(adapt::trace_line(peer_, *fed.rr));
  trace(adapt::trace_line(peer_, fed.page));
  last_page_us_ = now;
  note_decision(now);
  changed();
}

void ViewerRate::tick(WebRtcBranch* branch, std::function<void()> changed) {
  const int64_t now = g_get_monotonic_time();
  const int before = ctl_.target_kbps();
  ctl_.tick(now);
  if (ctl_.target_kbps() != before) {
    note_decision(now);
    changed();
  }
  if (!branch || (ctl_.reporting() && now - last_page_us_ < kTickSampleUs)) return;  // reports drive sampling
  branch->request_stats([this, alive = std::weak_ptr<bool>(alive_), changed = std::move(changed)](const RtcStats& rtc) {
    if (!alive.lock()) return;
    const int before = ctl_.target_kbps();
    feed_rtc(rtc, g_get_monotonic_time());
    if (ctl_.target_kbps() != before) {
      note_decision(g_get_monotonic_time());
      changed();
    }
  });
}

}  // namespace vtkstream::sink
