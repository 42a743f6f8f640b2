// How long each video frame spent on the network, from the server's departure of its last packet
// to the page's arrival of it: the one signal that tells a link that queues a burst from one that
// carries it at once, whatever the encoder's average.
//
// Why: an encoder held below the link (small interactive frames, a still scene) never fills a
// link, so the bytes a page report counts cannot show its rate. Its bursts (the full-size still and
// the keyframes after a drag) can, but only by how long they took to arrive, which a report's
// counters, 300 ms apart, do not resolve: across a 1 Mbit/s tbf link a 41 kB keyframe arrived
// within one report interval (1093 kbit/s over it) exactly as it would on an unconstrained link,
// and growth from such proofs took the 1 Mbit/s e2e test's estimate to 1818-2139 kbit/s. The
// same keyframe's last packet arrived about 200 ms after it left, against a few ms unconstrained.
//
// The page's own per-frame delay (arrival against RTP timestamp, link_report.js `delay_ms`) holds
// the encoding time, which a loaded machine stretches by hundreds of milliseconds. Here the
// departure is the server's own clock at the moment the frame's last packet entered webrtcbin, so
// only the network (and the browser's receive thread) remains: the page sends, per report, the
// arrival time (`requestVideoFrameCallback` receiveTime) and RTP timestamp of a few presented
// frames (docs/protocol.md `frames`), and the server looks the departure up by RTP timestamp. The
// two clocks differ by a constant; the smallest difference of the last 30 s is an empty path, and
// what lies above it is queueing.
//
// Pure C++ with its own lock (packets are noted on a streaming thread, looked up on the sink's
// context), unit-tested in tests/adapt/test_frame_delay.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace vtkstream::adapt {

// The departures of a viewer's recent frames, keyed by RTP timestamp (after any rewriting: what
// the viewer receives).
class DepartureLog {
 public:
  struct Departure {
    uint32_t rtp_ts = 0;
    int64_t t_us = 0;       // when the frame's last packet left
    uint64_t bytes = 0;     // the frame's RTP payload bytes
  };
  static constexpr size_t kFrames = 256;  // about 8 s at 30 frames/s; reports come every 0.3 s

  // One RTP packet leaving (any thread). The frame ends at the packet with the marker bit, or
  // when the timestamp changes (a lost marker).
  void note_packet(uint32_t rtp_ts, bool marker, size_t payload_bytes, int64_t now_us);
  std::optional<Departure> find(uint32_t rtp_ts) const;

 private:
  mutable std::mutex mu_;
  std::deque<Departure> frames_;
  std::optional<Departure> open_;  // the frame whose packets are leaving
};

// One viewer's network delay above the empty path's, per reported frame.
class NetDelay {
 public:
  static constexpr int64_t kBaseWindowUs = 30'000'000;
  // At most this many offsets are kept (the oldest go first): a page sending reports far faster
  // than every 250 ms cannot grow the memory (100 reports of 16 frames in 30 s need 1600).
  static constexpr size_t kMaxOffsets = 4096;

  struct Result {
    double queue_ms = 0;  // the most delayed reported frame's time above the empty path
    uint64_t bytes = 0;   // that frame's size
  };
  // `frames`: (RTP timestamp, arrival on the page's clock in ms) of some presented frames;
  // `now_us`: the server's clock now. Nullopt when none of them could be placed.
  std::optional<Result> on_report(const std::vector<std::pair<uint32_t, double>>& frames, const DepartureLog& log,
                                  int64_t now_us);
  void reset() { offsets_.clear(); }
  size_t offsets() const { return offsets_.size(); }

 private:
  std::deque<std::pair<int64_t, double>> offsets_;  // (server us, arrival - departure in ms)
};

}  // namespace vtkstream::adapt
