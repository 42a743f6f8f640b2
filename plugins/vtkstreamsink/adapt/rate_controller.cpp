#include "rate_controller.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

namespace vtkstream::adapt {

namespace {

// A window needs this much time between its ends to give a rate; shorter ones are noise (a
// single keyframe would read as several Mbit/s).
constexpr int64_t kMinSpanUs = 400'000;
// Receiver reports older than this no longer describe the link.
constexpr int64_t kRrFreshUs = 3'000'000;
// The link's capacity, for as long as it is remembered: what arrived (payload bytes, as the
// target counts them) when congestion was last seen. Growth is additive up to it and stops there
// unless the encoder fills its target (a probe), see increase().
constexpr int64_t kRememberUs = 30'000'000;
// The encoder fills its target (a probe above the remembered capacity is allowed) when it sends
// at least this share of it.
constexpr double kProbeShare = 0.9;
// A probe past this multiple of the remembered capacity found a link with more.
constexpr double kNearHigh = 1.2;
// Growth per second: additive near the last congestion, multiplicative elsewhere.
constexpr double kNearGrowth = 0.05, kFarGrowth = 1.12;
// One decrease keeps at least this share of the target: a step from 5 to 0.25 Mbit/s takes two
// (about 1.5 s), a 300 ms outage, which looks the same for a moment, costs at most this much.
constexpr double kMaxCut = 1.0 / 3;
// The encoder counts as using its target when it sends at least this share of it.
constexpr double kBusyShare = 0.75;
// An interval between two page reports proves the link carried its rate when what left in it
// arrived in it (this share of the bytes, no new loss): nothing stayed in a queue. Intervals
// shorter than kMinIntervalUs are too short to tell (a report delayed by a busy thread).
constexpr double kWholeShare = 0.95;
constexpr int64_t kMinIntervalUs = 200'000;
// Such proofs count for this long; growth without the encoder using its target (an idle scene,
// small interactive frames) goes up to kProbeHeadroom x the best of them. The bursts that prove
// most are the full-size stills and keyframes after a drag (the probes of this controller, as
// padding is for GCC's probing in application-limited periods): on an unconstrained link the
// whole burst arrives between two reports, on a 1 Mbit/s tbf link its tail waits in the queue.
constexpr int64_t kDeliveredWindowUs = 5'000'000;
constexpr double kProbeHeadroom = 2.0;
// Those probes cannot tell a link's short-term allowance from its rate: across a 1 Mbit/s tbf
// link with a 16 kB bucket, intervals of 300 ms arrive whole at up to 1.1-1.4 Mbit/s, and the
// growth they allowed took the 1 Mbit/s e2e test's estimate to 1162 kbit/s once the congestion
// at its start was 30 s old. So they are used only on a link that has not shown a bottleneck
// (loss, bytes held on the way) for this long; where it has, growth is as before (the encoder
// must use its target).
constexpr int64_t kProbeQuietUs = 300'000'000;
// A burst arrived sharp (see decide()): a frame of at least this size no more than this long on
// the network above the empty path, within this window. 24 kB is more than the 16 kB bucket of
// the e2e tests' tbf links and less than a full-size still or keyframe (35-60 kB); across an
// unconstrained link under load such frames were 0-20 ms late.
constexpr uint64_t kSharpBytes = 24'000;
constexpr double kSharpMs = 25;
constexpr int64_t kSharpWindowUs = 30'000'000;
// A queue on the way (note_delivery()): bytes held are measured against the least of this
// window (lost packets and the counters' offset stay in the difference for good). An interval is
// link-limited when it starts with at least kQueueBytes held and either drains by
// kQueueDrainBytes from at least kQueueS of its arrival rate but still ends with kQueueTailBytes
// held, or grows by kQueueGrowBytes to at least kQueueS of it while delivering. The skew between the sender's sample and the page's
// counters (a report that waited in a busy thread while a still left) empties by the next report
// (the unconstrained trace: 5-24 kB, then 0); a queue behind a link drains at the link's rate
// (the joins of the 1 Mbit/s e2e test: 20-52 kB held, 2.3-8.1 kB still held 0.3 s later).
constexpr int64_t kHeldWindowUs = 2'000'000;
constexpr int64_t kQueueBytes = 4000, kQueueTailBytes = 1500, kQueueDrainBytes = 2000, kQueueGrowBytes = 1000;
constexpr double kQueueS = 0.1;
// A queue that grew over an interval was link-limited if this share of what left arrived.
constexpr double kFillShare = 0.5;
// The target a link-limited interval leaves: this share of what arrived in it.
constexpr double kLinkShare = 0.95;

void trim(std::deque<RateController::Point>* w, int64_t newest) {
  while (w->size() > 1 && w->front().t_us < newest - 2 * RateController::kWindowUs) w->pop_front();
}

}  // namespace

RateController::RateController(Limits limits) : limits_(limits) {
  limits_.min_kbps = std::max(1, limits_.min_kbps);
  limits_.max_kbps = std::max(limits_.min_kbps, limits_.max_kbps);
  limits_.start_kbps = std::clamp(limits_.start_kbps, limits_.min_kbps, limits_.max_kbps);
  target_kbps_ = limits_.start_kbps;
}

void RateController::set_target(double kbps) {
  target_kbps_ = std::clamp(kbps, double(limits_.min_kbps), double(limits_.max_kbps));
}

std::optional<double> RateController::rate_kbps(const std::deque<Point>& w, int64_t now_us) {
  if (w.size() < 2 || w.back().t_us < now_us - kWindowUs) return std::nullopt;
  const Point& b = w.back();
  // The oldest point at least one window back, else the oldest there is.
  const Point* a = &w.front();
  for (const Point& p : w)
    if (p.t_us <= b.t_us - kWindowUs) a = &p;
  const int64_t span = b.t_us - a->t_us;
  if (span < kMinSpanUs || b.bytes < a->bytes) return std::nullopt;
  return double(b.bytes - a->bytes) * 8.0 / 1000.0 / (double(span) / 1e6);
}

void RateController::on_sender(const SenderSample& s) {
  if (!sent_.empty() && s.bytes_sent < sent_.back().bytes) sent_.clear();  // a new session
  sent_.push_back({s.t_us, s.bytes_sent});
  trim(&sent_, s.t_us);
}

void RateController::on_receiver_report(const ReceiverReport& r) {
  last_rr_ = r;
  if (r.rtt_s && *r.rtt_s > 0) {  // 0: no report block with a timestamp yet
    signals_.rtt_ms = *r.rtt_s * 1000;
    rtts_.emplace_back(r.t_us, *r.rtt_s * 1000);
    while (rtts_.front().first < r.t_us - kRttWindowUs) rtts_.pop_front();
  }
  if (reporting()) return;  // the page's reports decide; receiver reports only fill in loss
  // A client without page reports: loss alone, never above the start rate.
  signals_.loss = r.fraction_lost;
  if (r.fraction_lost > kLossHigh) {
    if (!last_decrease_us_ || r.t_us - *last_decrease_us_ >= kBackoffUs) {
      set_target(target_kbps_ * 0.85);
      last_decrease_us_ = r.t_us;
    }
  } else if (r.fraction_lost < kLossLow && target_kbps_ < limits_.start_kbps) {
    set_target(std::min<double>(limits_.start_kbps, target_kbps_ * 1.1));
  }
  state_ = "rr-only";
}

void RateController::on_page(const PageReport& p) {
  if (last_page_ && (p.bytes < last_page_->bytes || (p.packets && last_page_->packets && *p.packets < *last_page_->packets))) {
    received_.clear();  // the page's counters restarted (a new peer connection)
    pages_.clear();
  }
  note_delivery(p);
  received_.push_back({p.t_us, p.bytes});
  trim(&received_, p.t_us);
  pages_.push_back(p);
  while (pages_.size() > 1 && pages_.front().t_us < p.t_us - kWindowUs) pages_.pop_front();
  last_page_ = p;
  last_page_us_ = p.t_us;
  last_decay_us_.reset();
  if (p.freezes) signals_.freezes = *p.freezes;
  if (p.dropped) signals_.dropped = *p.dropped;
  decide(p.t_us);
}

void RateController::note_delivery(const PageReport& p) {
  // What had left by the time of this report (the sender is sampled as the report arrives).
  std::optional<Point> sent;
  if (!sent_.empty() && std::abs(sent_.back().t_us - p.t_us) <= 100'000) sent = Point{p.t_us, sent_.back().bytes};
  const std::optional<Point> prev = prev_sent_at_page_;
  prev_sent_at_page_ = sent;
  const std::optional<int64_t> held_before = prev_held_;
  prev_held_.reset();
  // A sample of the last interval counts if this report shows no new loss either: the packets an
  // outage dropped are counted lost only once later ones arrive, and until then they look held.
  const bool loss_now = p.lost && last_page_ && last_page_->lost && *p.lost > *last_page_->lost;
  link_sample_kbps_ = loss_now ? std::nullopt : pending_link_kbps_;
  pending_link_kbps_.reset();
  std::optional<double> held_now;  // bytes on the way now, above the window's least
  int64_t least = 0;
  if (sent) {
    prev_held_ = int64_t(sent->bytes) - int64_t(p.bytes);
    held_.emplace_back(p.t_us, *prev_held_);
    while (held_.front().first < p.t_us - kHeldWindowUs) held_.pop_front();
    least = held_.front().second;
    for (const auto& [t, h] : held_) least = std::min(least, h);
    held_now = double(*prev_held_ - least);
  }
  const std::optional<Point> calm = calm_;  // the last report before this one with no queue
  if (held_now && *held_now < kQueueTailBytes) calm_ = Point{p.t_us, p.bytes};
  if (!sent || !prev || !last_page_ || sent->bytes < prev->bytes || p.bytes < last_page_->bytes) return;
  const int64_t dt = p.t_us - last_page_->t_us;
  if (dt < kMinIntervalUs || prev->t_us != last_page_->t_us) return;
  const double left = double(sent->bytes - prev->bytes), arrived = double(p.bytes - last_page_->bytes);
  const double arrived_kbps = arrived * 8.0 / 1000.0 / (double(dt) / 1e6);
  const bool no_new_loss = !p.lost || !last_page_->lost || *p.lost <= *last_page_->lost;
  if (no_new_loss && held_before && arrived > 0) {
    const double queue_bytes = std::max<double>(kQueueBytes, kQueueS * arrived_kbps * 1000.0 / 8.0);
    const double before = double(*held_before - least), now = *held_now;
    // Draining (a burst that queued), or filling while delivering (a rate above the link's: the
    // queue grows by the excess, what arrives is the link's rate; an outage delivers nothing).
    // The larger end holds at least queue_bytes: a drain starts there, a growing queue ends there.
    const bool draining = before >= queue_bytes && before - now >= kQueueDrainBytes && now >= kQueueTailBytes;
    const bool filling = before >= kQueueBytes && now >= queue_bytes && now - before >= kQueueGrowBytes &&
                         arrived >= kFillShare * left;
    if (draining || filling) pending_link_kbps_ = arrived_kbps;
    // A drain is also measured from the last report without a queue, and the lower figure
    // kept: each overstates the link in its own way. The reports' times are their arrival at the
    // server, and a report delayed at the join made one 0.34 s interval carry 50 kB (1179 kbit/s
    // across a 1 Mbit/s link; over the whole queue, 739); the whole queue's span starts with
    // what tbf's bucket let through at once (1053 against the interval's 896 in another join).
    if (pending_link_kbps_ && draining && calm && calm->t_us < last_page_->t_us &&
        p.t_us - calm->t_us <= kHeldWindowUs && p.bytes > calm->bytes)
      pending_link_kbps_ = std::min(*pending_link_kbps_, double(p.bytes - calm->bytes) * 8.0 / 1000.0 /
                                                             (double(p.t_us - calm->t_us) / 1e6));
  }
  // A proof is an interval whose bytes left and arrived in it: not one that carried bytes held
  // from before (a queue draining measures the queue, and is link_sample_kbps_'s business).
  if (left <= 0 || arrived < kWholeShare * left || arrived > left / kWholeShare + 1000 || !no_new_loss) return;
  delivered_.emplace_back(p.t_us, arrived_kbps);
  while (delivered_.front().first < p.t_us - kDeliveredWindowUs) delivered_.pop_front();
}

std::optional<double> RateController::delivered_peak_kbps(int64_t now_us) const {
  std::optional<double> peak;
  for (const auto& [t, kbps] : delivered_)
    if (t >= now_us - kDeliveredWindowUs) peak = std::max(peak.value_or(0), kbps);
  return peak;
}

std::optional<double> RateController::queue_delay_ms() const {
  if (rtts_.empty() || !last_page_ || rtts_.back().first < last_page_->t_us - kRrFreshUs) return std::nullopt;
  double base = rtts_.front().second;
  std::vector<double> recent;
  for (const auto& [t, v] : rtts_) {
    base = std::min(base, v);
    if (t >= rtts_.back().first - 1'000'000) recent.push_back(v);
  }
  // The median of the last second: one report delayed by a busy thread is not a queue.
  std::nth_element(recent.begin(), recent.begin() + recent.size() / 2, recent.end());
  return recent[recent.size() / 2] - base;
}

std::optional<double> RateController::window_loss() const {
  if (pages_.size() >= 2) {
    const PageReport& a = pages_.front();
    const PageReport& b = pages_.back();
    if (a.packets && b.packets && a.lost && b.lost && *b.packets >= *a.packets) {
      const double got = double(*b.packets - *a.packets);
      // Retransmissions can lower packetsLost again: a recovered packet is no loss.
      const double lost = std::max(0.0, double(*b.lost) - double(*a.lost));
      if (got + lost >= 10) return lost / (got + lost);
    }
  }
  if (last_rr_ && last_page_ && last_page_->t_us - last_rr_->t_us <= kRrFreshUs) return last_rr_->fraction_lost;
  return std::nullopt;
}

void RateController::decide(int64_t now_us) {
  const auto recv = rate_kbps(received_, now_us);
  const auto send = rate_kbps(sent_, now_us);
  const auto loss = window_loss();
  const auto delay = queue_delay_ms();
  signals_.loss = loss;
  signals_.delay_ms = delay;
  signals_.page_delay_ms = last_page_->delay_ms;
  signals_.net_queue_ms = last_page_->net_queue_ms;
  if (!recv) {
    state_ = "starting";
    return;
  }
  signals_.recv_kbps = *recv;
  signals_.send_kbps = send.value_or(0);
  // Without sender samples (a test, or stats not there yet) what arrives stands for what was sent.
  const double sent = send.value_or(*recv);
  const bool busy = sent >= kBusyShare * target_kbps_;
  queue_votes_ = (send && busy && *send > 1.25 * *recv + 20) ? queue_votes_ + 1 : 0;
  // A queue that is draining (the delay fell since the last report) needs no further cut.
  const bool draining = delay && prev_delay_ms_ && *delay < *prev_delay_ms_ - 5;
  prev_delay_ms_ = delay;

  const char* over = nullptr;
  if (delay && *delay > kDelayHighMs && !draining) over = "delay";
  else if (loss && *loss > kLossHigh) over = "loss";
  // More leaving than arriving is a queue only if the round trip agrees (when there is one to
  // ask): during an outage nothing arrives either, and no queue holds it.
  else if (queue_votes_ >= 2 && (!delay || *delay > kDelayLowMs)) over = "queue";
  // A frame held on the way (net_queue_ms): a queue the round trip may not show (an RTCP report
  // rarely leaves during the burst that built it).
  const auto& net = last_page_->net_queue_ms;
  const uint64_t net_bytes = last_page_->net_frame_bytes.value_or(0);
  const bool frame_queued = net && *net >= kFrameQueueMs && net_bytes >= kFrameQueueBytes;
  if (frame_queued) link_seen_us_ = now_us;
  if (net) frame_delays_ = true;
  if (net && *net <= kSharpMs && net_bytes >= kSharpBytes) sharp_burst_us_ = now_us;
  // Only the frame's queue says so (no delay, loss or byte-count queue besides).
  const bool frame_queue_only = !over && frame_queued;
  if (frame_queue_only) over = "frame-queue";
  if (over) {
    // What arrives measures the link while it is the limit: packets are lost or a queue shows (the
    // round trip grew), and more leaves than arrives. Cut to that then, by at most kMaxCut per step:
    // an outage (a radio fade) looks the same for a moment and says nothing about the rate. Loss
    // without a queue otherwise cuts in proportion to it; a longer round trip alone (perhaps only a
    // busy machine) a step.
    const bool queue = frame_queued || (delay ? *delay > kDelayLowMs : queue_votes_ >= 2);
    const bool lossy = loss && *loss > kLossHigh;
    // ... except when only a frame's queue says so and the encoder does not use its target: its
    // average is no measure of the link (across 1 Mbit/s, one 60 kB still queued 384 ms while the
    // second around it averaged 212 kbit/s, and a cut there took the estimate to a third).
    const bool app_limited_burst = !busy && frame_queue_only;
    const bool link_bound = (queue || lossy) && !app_limited_burst && send && *send > 1.05 * *recv + 10;
    double factor = 0.85;
    if (lossy && !queue) factor = std::clamp(1 - 0.5 * *loss, 0.7, 0.95);
    // Evidence of a link, not a stalled machine: loss, or bytes held on the way (more leaving
    // than arriving while a queue fills, more arriving than leaving while it drains).
    const bool held = frame_queued || (send && std::abs(*send - *recv) > 0.05 * *recv + 10);
    if (app_limited_burst) {
      // The link carries at most the burst's bytes over the time they waited (a burst allowance
      // only shortened that wait): 41.8 kB queued 226 ms across 1 Mbit/s, at most 1480 kbit/s.
      const double bound = double(net_bytes) * 8.0 / *net;
      factor = std::min(factor, std::max(kMaxCut, 0.85 * bound / target_kbps_));
    }
    return decrease(now_us, factor, link_bound ? *recv : 0, held || lossy, held);
  }
  if (link_sample_kbps_) {
    // The link's rate, measured (note_delivery()): remembered as the capacity, and the target
    // comes down to it if it was above (growth from there is increase()'s, as after a cut).
    congested_kbps_ = *link_sample_kbps_;
    congested_by_queue_ = true;
    congested_at_us_ = now_us;
    link_seen_us_ = now_us;
    // A little under it (an interval's ends are the reports' arrival times, a few per cent
    // off), and by no more than a cut would take (a report from a stalled page is no link).
    const double to = std::max(kMaxCut * target_kbps_, kLinkShare * *link_sample_kbps_);
    if (target_kbps_ > to) {
      set_target(to);
      last_increase_us_ = now_us;
      state_ = "link-limited";
      return;
    }
  }
  if ((loss && *loss > kLossLow) || (delay && *delay > kDelayLowMs)) {
    state_ = "hold";
    last_increase_us_ = now_us;
    return;
  }
  if (!busy) {
    // An idle scene or small interactive frames prove nothing about the link by their average;
    // their bursts do (note_delivery): with no congestion remembered, grow towards what a burst
    // showed the link carries.
    // Where the page gives per-frame delays, a burst must also have arrived sharp lately (a
    // frame bigger than a token bucket's allowance, on the network no longer than an empty
    // path): a link that lets bursts through at once but carries less (tbf's 16 kB across
    // 1 Mbit/s) makes its interval proofs look like a fast link's, and growth from them took the
    // 1 Mbit/s e2e test's estimate from 1200 to 1800 kbit/s in its first 4 s, before the first
    // still showed the queue.
    const bool sharp = !frame_delays_ || (sharp_burst_us_ && now_us - *sharp_burst_us_ <= kSharpWindowUs);
    const bool quiet = sharp && (!link_seen_us_ || now_us - *link_seen_us_ >= kProbeQuietUs);
    const auto peak = delivered_peak_kbps(now_us);
    if (quiet && peak && target_kbps_ < kProbeHeadroom * *peak)
      return increase(now_us, kProbeHeadroom * *peak, false, "increase-probed");
    state_ = "app-limited";
    last_increase_us_ = now_us;
    return;
  }
  // Never far above what demonstrably arrives (GCC allows 1.5 x the incoming rate; an estimate far
  // above a link the encoder never filled would be a promise nobody checked).
  increase(now_us, 1.25 * *recv + 30, sent >= kProbeShare * target_kbps_, "increase");
}

void RateController::decrease(int64_t now_us, double factor, double recv_kbps, bool evidence, bool queued) {
  last_increase_us_ = now_us;
  if (last_decrease_us_ && now_us - *last_decrease_us_ < kBackoffUs) {
    state_ = "hold";
    return;
  }
  // What arrives is what the link carries; leave room for the queue to drain.
  double next = target_kbps_ * factor;
  if (recv_kbps > 0) next = std::max(kMaxCut * target_kbps_, std::min(next, 0.85 * recv_kbps));
  // The capacity: what arrived while the link was the limit, in the target's own units (RTP
  // payload: the page's bytesReceived, like webrtcbin's bytes-sent and the encoder's bitrate,
  // counts no headers, and the link also carries RTCP, retransmissions and the data channel), not
  // the link's nominal rate. Otherwise (loss without a queue, an outage) the target before the
  // cut: such loss says nothing about the rate.
  // A cut without that evidence (a longer round trip alone, with everything that left arriving
  // and nothing lost) is what a stalled machine looks like as much as a link: the receiver
  // report waited in a busy thread, or the encoder paused. It cuts, but is not remembered as the
  // link's capacity, which would hold the estimate for kRememberUs (on the unconstrained link of
  // a loaded machine: 439-745 kbit/s for the rest of a session).
  if (evidence) {
    congested_kbps_ = recv_kbps > 0 ? recv_kbps : target_kbps_;
    congested_by_queue_ = queued;
    congested_at_us_ = now_us;
    link_seen_us_ = now_us;
  }
  last_decrease_us_ = now_us;
  set_target(next);
  state_ = "decrease";
}

void RateController::increase(int64_t now_us, double cap_kbps, bool filled, const char* state) {
  const double dt = last_increase_us_ ? std::min(1.0, double(now_us - *last_increase_us_) / 1e6) : 0.3;
  last_increase_us_ = now_us;
  // Where the link was last full (remembered kRememberUs): carefully (additively) up to it, since
  // the delay shows an overshoot only a second or two later (receiver reports), and beyond it only
  // while the encoder fills its target, i.e. while sending at the target is what tests the link.
  // An encoder that sends less (small interactive frames, pauses) proves nothing above it, and a
  // target left there is spent at once by the next full-size still or keyframe: the overshoot of
  // the 1 Mbit/s e2e test (tests/adapt/traces/drags-1M-overshoot.trace). Multiplicatively once
  // the last congestion is long ago.
  // A probe that got well past the old capacity without congestion found a link with more: the
  // old capacity no longer holds the target back. Where that congestion was a queue (bytes held
  // on the way, not loss alone: an outage is no link), growth stays additive until it is
  // kRememberUs old, though: a target 1.2 x what arrived at a cut is not yet the link's rate (a
  // cut measures what arrived while the link also carried headers, RTCP and the data channel,
  // and tbf's bucket lets a burst through above it), and growing 12 %/s from there overshot by
  // the time the round trip showed it (the e2e tests: 999 kbit/s across 1 Mbit/s, 283-330 across
  // 250 kbit/s, when the old capacity was forgotten outright).
  const bool remembered = congested_kbps_ && now_us - congested_at_us_ < kRememberUs;
  const bool past = remembered && target_kbps_ >= kNearHigh * *congested_kbps_;
  if (remembered && !past && target_kbps_ >= *congested_kbps_ && !filled) {
    state_ = "at-capacity";
    return;
  }
  const bool near = remembered && (!past || congested_by_queue_);
  double next = near ? target_kbps_ + std::max(10.0, kNearGrowth * target_kbps_) * dt
                     : target_kbps_ * std::pow(kFarGrowth, dt);
  if (remembered && target_kbps_ < *congested_kbps_) next = std::min(next, *congested_kbps_);
  next = std::min(next, std::max(target_kbps_, cap_kbps));
  // Nothing tests a rate above what the viewer's encoder may send (set_ceiling()).
  if (ceiling_kbps_ && next > *ceiling_kbps_) {
    set_target(std::max<double>(target_kbps_, *ceiling_kbps_));
    state_ = "at-ceiling";
    return;
  }
  set_target(next);
  state_ = near ? "increase-near" : state;
}

void RateController::tick(int64_t now_us) {
  if (!last_page_us_ || now_us - *last_page_us_ < kStaleUs) return;
  // The page stopped reporting: whatever the link does now is unknown. Halve every
  // kDecayHalfLifeS towards the minimum, from the moment the reports went stale.
  const int64_t from = last_decay_us_.value_or(*last_page_us_ + kStaleUs);
  const double dt = double(now_us - from) / 1e6;
  last_decay_us_ = now_us;
  set_target(target_kbps_ * std::pow(0.5, dt / kDecayHalfLifeS));
  state_ = "decay";
}

}  // namespace vtkstream::adapt
