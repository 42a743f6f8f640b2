// The sink's own numbers for /metrics (docs/metrics.md): counters and histograms that streaming
// threads, webrtcbin's threads and the sink's context bump without locks, and the rates the
// sink's 1 s tick derives from them. Gauges that describe the current state (peers) are not
// kept here: the web service counts them when /metrics is read.
//
// Why by hand and not Debian's prometheus-cpp (1.0): its pull part serves metrics from an HTTP
// server of its own (civetweb) on another port, outside our one port, Host check and tokens;
// its core alone would replace only what is here, a handful of atomics and a text formatter
// (exposition.h), at the price of one more shared library in a GStreamer plugin.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace vtkstream::sink {

// A monotonic counter.
class Counter {
 public:
  void add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Seconds, in fixed buckets (upper bounds, le). Observations are lock-free.
class Histogram {
 public:
  // 1 ms .. 2.5 s: encode times, frame ages and input-to-photon all fall in there.
  static constexpr std::array<double, 14> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05,
                                                     0.075, 0.1,    0.15,   0.25,  0.5,  1.0,   2.5};
  void observe(double seconds);
  struct Snapshot {
    std::vector<double> bounds;       // upper bounds, +Inf not included
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // not cumulative; last = +Inf
  std::atomic<uint64_t> sum_ns_{0};
};

// What gets counted, by whom:
struct SinkMetrics {
  Counter frames_in;             // buffers at the sink's input (Media, input tee)
  Counter frames_encoded;        // frames reaching the RTP payloader (encoded or passed through)
  Counter frames_dropped;        // frames the encoder queue dropped because the encoder was busy
  Counter encoded_bytes;         // RTP bytes out of the shared encode (rung 0)
  Counter webrtc_sent_bytes;     // RTP bytes handed to the viewers' webrtcbins (WebSocket and WHEP)
  Counter mjpeg_sent_bytes;      // JPEG bytes written to MJPEG responses
  Counter ws_sent_bytes;         // encoded frames (with header) sent as WebSocket video
  Counter ws_frames_skipped;     // WebSocket video frames skipped by flow control (viewer behind)
  Histogram encode_seconds;      // encoder sink pad -> src pad, same PTS
  Histogram frame_age_seconds;   // renderer finished the frame (vtksrc meta) -> at the payloader
  Histogram input_to_photon_seconds;  // input sent upstream -> the first frame showing it encoded
  Counter renderer_restarts;     // "restarting" notices (a supervisor restarted the renderer)
  Counter renderer_lost;         // "lost" notices from vtksrc
  Counter whep_sessions;         // WHEP sessions created
  Counter whep_refused;          // WHEP offers refused (bad SDP, full, not authorised)

  // Input records by kind, counted when the server decided about them.
  static constexpr size_t kInputKinds = 16;
  std::array<Counter, kInputKinds> input_forwarded{};
  std::array<Counter, kInputKinds> input_dropped{};

  // Rates over the last tick (the sink's 1 s timer): frames/s and kbit/s.
  struct Rates {
    double fps = 0, encoded_kbps = 0, webrtc_kbps = 0, mjpeg_kbps = 0;
  };
  void tick(int64_t now_us);
  Rates rates() const;

 private:
  mutable std::mutex rate_lock_;
  Rates rates_;
  int64_t last_us_ = 0;
  uint64_t last_frames_ = 0, last_encoded_ = 0, last_webrtc_ = 0, last_mjpeg_ = 0;
};

}  // namespace vtkstream::sink
