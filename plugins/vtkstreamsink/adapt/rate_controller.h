// Congestion control for one viewer: statistics in, a target bitrate out. Pure C++ (no GStreamer,
// no sockets, no clock of its own: every input carries its time), so recorded traces replay
// through it in unit tests (tests/adapt) exactly as they happened.
//
// Inputs, all optional, in any order:
//   * SenderSample: what webrtcbin sent to this viewer (outbound-rtp bytes-sent);
//   * ReceiverReport: the browser's RTCP receiver reports as webrtcbin reads them
//     (remote-inbound-rtp: fraction lost, jitter, round-trip time), about once a second;
//   * PageReport: what the page measures with getStats() and requestVideoFrameCallback, every
//     250-500 ms (docs/protocol.md `stats`): bytes and packets received, packets lost, frames
//     decoded/dropped, freezes, jitter-buffer delay, and the queueing delay of the frames (arrival
//     time against RTP timestamp, above its recent minimum).
//
// Transport-wide congestion control (TWCC) feedback is not used: our payloaders do not carry the
// transport-cc header extension, and the page's receive rate and per-frame delay give the two
// signals a delay-based controller needs (what arrives, and whether a queue is building) four
// times a second, which RTCP receiver reports (once a second) alone do not.
//
// The rule, after gst-plugins-rs webrtcsink's "homegrown" controller and the GCC draft, reduced
// to what these signals carry. On each page report:
//   * overuse (queueing delay above kDelayHighMs, loss above kLossHigh, or sending well above what
//     arrives two decisions in a row): back off to 0.85 x target, or to 0.85 x the receive rate if
//     that is lower and the link is the limit (loss or a grown round trip, and more leaving than
//     arriving), to no less than a third per step (an outage looks the same for a moment); loss without a
//     queue cuts by half the loss rate (0.7-0.95); at most once per back-off interval (the queue
//     needs time to drain before the delay shows it);
//   * loss between kLossLow and kLossHigh: hold;
//   * otherwise increase, but only while the encoder actually uses the target (an idle scene sends
//     nothing and proves nothing): additively (5 %/s) up to the payload rate that arrived at the
//     last congestion (remembered 30 s), beyond it additively only while the encoder fills the
//     target (a probe), multiplicatively (12 %/s) once no congestion is remembered: the round
//     trip shows an overshoot a second or two late, 25 %/s overshot a 1 Mbit/s link by 20 %, and
//     so did additive growth to 1.2 x the rate that arrived (1111 kbit/s of payload on a link
//     that carries about 900 of it next to headers, RTCP and the data channel);
//   * a cut remembers the capacity only with evidence of a link (loss, or bytes held on the way:
//     sending and receiving rates apart). A longer round trip alone, with everything that left
//     arriving, is as likely a stalled machine; it cuts but holds nothing;
//   * an encoder that does not use its target (an idle scene, small interactive frames) still
//     probes with its bursts: a page-report interval whose bytes all arrived, without new loss,
//     proves its rate; on a link that showed no bottleneck for 5 minutes the target grows
//     (12 %/s) up to twice the best such proof of the last 5 s (a tbf bucket lets short bursts
//     through above the link's rate, so not after a real congestion). The full-size stills and keyframes after a drag are those
//     bursts, so an unconstrained link climbs to the finer still's 2.5 Mbit/s (on a loaded
//     machine the encoder never filled the 1.2 Mbit/s start, and the estimate never rose);
//   * a queue on the way shows the link's rate whatever the encoder's average (note_delivery()):
//     bytes that left but had not arrived at a page report (beyond the least of the last 2 s,
//     and at least 100 ms of the arrival rate) that are still partly there at the next one,
//     draining, or more of them while at least half of what left arrived (a rate above the
//     link's). What arrived meanwhile is what the link carries (for a drain, the lower of the
//     interval's rate and the whole queue's: a late page report shortens an interval, tbf's
//     bucket inflates the queue's start). That rate is remembered as the capacity and the target
//     comes down to 0.95 x it: an app-limited encoder (small interactive frames, a still scene)
//     never fills the link, and without this a target above the link stayed there (the
//     1 Mbit/s e2e test: 1542-2134 kbit/s after the join's keyframe had queued,
//     tests/adapt/traces/join-1M-app-limited-*.trace). A queue seen at one report only is a busy
//     machine's skew between the two counters as often as a link (the unconstrained trace has
//     six), and one that loses packets at the next report is an outage's;
//   * past 1.2 x a congestion that showed a queue, growth stays additive until that congestion
//     is 30 s old (forgetting it there and growing 12 %/s overshot both e2e links);
//   * the target never grows above `ceiling` (set_ceiling(): the ceiling of the rung the
//     estimate chose, whose encoder sends no more), since nothing can test it there: on the
//     360-line rung (1000 kbit/s) the 1 Mbit/s e2e test's estimate grew to 1002-1059 kbit/s.
//   * a frame whose last packet arrived kFrameQueueMs later than an empty path allows
//     (PageReport::net_queue_ms, adapt/frame_delay.h: measured from the server's departure, so
//     the encoding time is not in it) waited in a queue on the way: the link is the limit there,
//     whatever the average says. It is remembered as a link (no growth from burst proofs for
//     kProbeQuietUs) and cuts like a queue; with the encoder below its target, to no more than
//     0.85 x the frame's bytes over its wait (what the link carried at most: a token bucket's
//     burst only shortens the wait). Where pages send these delays, growth from burst proofs
//     also needs a burst that arrived sharp in the last 30 s (24 kB or more, at most 25 ms
//     late): tbf lets 16 kB through at once, so short proofs read like a fast link's. This is what an app-limited encoder's bursts show
//     across a slow link: a full-size still or keyframe queues for 100-300 ms across 1 Mbit/s,
//     while the byte counters of the reports around it cannot tell it from an unconstrained link
//     (there it arrives within a few ms); growth from those bursts alone took the 1 Mbit/s e2e
//     test's estimate to 1818-2139 kbit/s. Pages that give no per-frame arrival keep the old rule.
// The queueing delay is the round-trip time of the receiver reports above its minimum of the last
// 30 s (the median of the reports of the last second): a network-only measure. The page's own
// delay (arrival against RTP timestamp) also holds the encoding time, which on a loaded machine
// swings by hundreds of milliseconds (measured on the 2-core machines with the load of a build:
// 75 to 670 ms at 2 Mbit/s while sending 1), so it is recorded and published, never acted on.
// When page reports stop (the page died, the link is gone) the target decays towards the minimum.
// A viewer that never sends page reports (another client) is steered by its receiver reports'
// loss only and never rises above the start rate.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace vtkstream::adapt {

struct Limits {
  int min_kbps = 150;
  int max_kbps = 5000;
  int start_kbps = 1200;
};

struct SenderSample {
  int64_t t_us = 0;
  uint64_t bytes_sent = 0;  // cumulative
};

struct ReceiverReport {
  int64_t t_us = 0;
  double fraction_lost = 0;         // 0..1, over the report's interval
  std::optional<double> jitter_s;
  std::optional<double> rtt_s;
};

struct PageReport {
  int64_t t_us = 0;                  // arrival at the server (server clock)
  uint64_t bytes = 0;                // cumulative bytesReceived
  std::optional<uint64_t> packets, lost, decoded, dropped, freezes;
  std::optional<double> freeze_ms, jb_delay_ms, jb_emitted;
  std::optional<double> delay_ms;    // queueing delay of the frames in the report's window
  // The most delayed of the frames the page named: its time on the network above the empty
  // path's (departure of its last packet to its arrival, adapt/frame_delay.h), and its size.
  std::optional<double> net_queue_ms;
  std::optional<uint64_t> net_frame_bytes;
};

// What the controller saw last, for /healthz and the page.
struct Signals {
  double recv_kbps = 0, send_kbps = 0;
  std::optional<double> loss, delay_ms, rtt_ms;
  std::optional<double> page_delay_ms;  // the page's own (informational, see above)
  std::optional<double> net_queue_ms;   // a frame's time in a queue on the way (see above)
  uint64_t freezes = 0, dropped = 0;
};

class RateController {
 public:
  static constexpr double kDelayHighMs = 80, kDelayLowMs = 40;
  // A frame that waited this long on the network beyond the empty path's delay met a queue.
  static constexpr double kFrameQueueMs = 80;
  // ... if it is a burst (a still, a keyframe): a small frame late by that much is a stalled
  // machine as often as a link.
  static constexpr uint64_t kFrameQueueBytes = 10'000;
  static constexpr double kLossHigh = 0.10, kLossLow = 0.02;
  static constexpr int64_t kWindowUs = 1'000'000;       // rates are measured over this
  static constexpr int64_t kBackoffUs = 600'000;        // between two decreases
  static constexpr int64_t kStaleUs = 2'000'000;        // page reports older than this: decay
  static constexpr double kDecayHalfLifeS = 2.0;
  static constexpr int64_t kRttWindowUs = 30'000'000;  // the empty path's round trip: the minimum

  explicit RateController(Limits limits);

  void on_sender(const SenderSample& s);
  void on_receiver_report(const ReceiverReport& r);
  void on_page(const PageReport& p);  // the decision point
  void tick(int64_t now_us);          // decay when reports stopped
  // No growth above this (nullopt: up to the limits' maximum); decreases are unaffected.
  void set_ceiling(std::optional<int> kbps) { ceiling_kbps_ = kbps; }

  int target_kbps() const { return static_cast<int>(target_kbps_ + 0.5); }
  const Limits& limits() const { return limits_; }
  const Signals& signals() const { return signals_; }
  bool reporting() const { return last_page_us_.has_value(); }
  // What the last decision was: starting, increase, increase-near, increase-probed, at-capacity,
  // at-ceiling, link-limited, hold, app-limited, decrease, decay, rr-only.
  const std::string& state() const { return state_; }

 public:  // for the window helpers
  struct Point {
    int64_t t_us;
    uint64_t bytes;
  };

 private:
  static std::optional<double> rate_kbps(const std::deque<Point>& w, int64_t now_us);
  std::optional<double> window_loss() const;
  void decide(int64_t now_us);
  // To factor x target, or 0.85 x recv_kbps if lower but not below a third of it (recv_kbps 0:
  // the receive rate says nothing).
  // `evidence`: loss, or bytes held on the way: the cut is remembered as the capacity.
  // `queued`: that evidence was bytes held on the way (a link's queue), not loss alone.
  void decrease(int64_t now_us, double factor, double recv_kbps, bool evidence, bool queued);
  // `filled`: the encoder sends (nearly) all of its target; no growth past `cap_kbps`.
  void increase(int64_t now_us, double cap_kbps, bool filled, const char* state);
  void set_target(double kbps);

  Limits limits_;
  double target_kbps_;
  std::string state_ = "starting";
  Signals signals_;
  std::deque<Point> sent_, received_;
  std::deque<PageReport> pages_;             // the window's page reports (loss counters)
  std::optional<PageReport> last_page_;
  std::optional<int64_t> last_page_us_, last_decrease_us_, last_increase_us_, last_decay_us_;
  std::optional<ReceiverReport> last_rr_;
  std::optional<double> congested_kbps_;    // receive rate when congestion was last seen
  int64_t congested_at_us_ = 0;
  bool congested_by_queue_ = false;         // that congestion showed a queue (see increase())
  std::optional<int64_t> link_seen_us_;     // the last cut with evidence of a link (not forgotten)
  int queue_votes_ = 0;                      // consecutive decisions with sending > arriving
  std::optional<double> prev_delay_ms_;
  std::deque<std::pair<int64_t, double>> rtts_;  // (t_us, rtt ms) of the last kRttWindowUs
  // Page-report intervals whose bytes arrived whole (t_us, kbit/s), see note_delivery().
  std::deque<std::pair<int64_t, double>> delivered_;
  std::optional<Point> prev_sent_at_page_;
  // Bytes that had left but not arrived at each page report (t_us, sent - received: lost
  // packets and the counters' offset included, hence relative to the least of the last
  // kHeldWindowUs), the previous report's, and the arrival rate of the last interval that was
  // link-limited (note_delivery()), for decide().
  std::deque<std::pair<int64_t, int64_t>> held_;
  std::optional<int64_t> prev_held_;
  std::optional<Point> calm_;  // the last report with no queue: (t_us, bytes received)
  std::optional<double> pending_link_kbps_, link_sample_kbps_;
  std::optional<int> ceiling_kbps_;
  // Per-frame network delays (PageReport::net_queue_ms): whether the page sends them, and when a
  // burst last arrived sharp (see decide()).
  bool frame_delays_ = false;
  std::optional<int64_t> sharp_burst_us_;
  void note_delivery(const PageReport& p);
  std::optional<double> delivered_peak_kbps(int64_t now_us) const;
  std::optional<double> queue_delay_ms() const;
};

}  // namespace vtkstream::adapt
