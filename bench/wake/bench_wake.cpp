// bench-wake: how long after a publish does a reader wake up?
//
//   meson devenv -C build-v bench-wake [--frames 2000] [--size 320x240]
//
// Two measurements, both "reader's CLOCK_MONOTONIC at wake minus the slot's timestamp", with an
// in-process FrameWriter publishing at irregular intervals (0.2-3 ms apart, so the reader is
// sometimes asleep in the futex and sometimes still busy):
//   1. raw:    shm::FrameReader::wait() in a plain thread, then one copy (no GStreamer);
//   2. vtksrc: `vtksrc ! fakesink`, measured in fakesink's handoff, so it includes vtksrc's
//              wake-up, its copy into a pooled buffer and the push.
// Goal: p99 below 1 ms. Frames the reader skipped (the writer was faster) are not counted.
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "vtkstream/shm.h"
#include "vtkstream/vtksrc-contract.h"

namespace shm = vtkstream::shm;

namespace {

struct Options {
  int frames = 2000;
  uint32_t width = 320, height = 240;
};

void print_stats(const char* what, std::vector<uint64_t> ns, int published) {
  if (ns.empty()) {
    std::printf("%-8s no samples\n", what);
    return;
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) {
    size_t i = std::min(ns.size() - 1, size_t(p / 100.0 * double(ns.size())));
    return double(ns[i]) / 1000.0;
  };
  std::printf("%-8s n=%zu/%d  p50 %7.1f us  p90 %7.1f us  p99 %7.1f us  max %8.1f us\n", what,
              ns.size(), published, pct(50), pct(90), pct(99), double(ns.back()) / 1000.0);
}

// Publishes `frames` frames at irregular intervals, numbered (as input seq) from first_frame_number.
int publish_irregularly(shm::FrameWriter& w, const Options& o, uint64_t first_frame_number) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> gap_us(200, 3000);
  const uint32_t stride = o.width * 4;
  int published = 0;
  for (int i = 0; i < o.frames; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(gap_us(rng)));
    uint8_t* p = w.begin_frame(o.width, o.height, stride, shm::PixelFormat::kRGBA, 0);
    if (!p) continue;
    std::memset(p, i & 0xff, 16);  // the content does not matter, the timing does
    w.publish(shm::monotonic_ns(), first_frame_number + uint64_t(i));
    ++published;
  }
  return published;
}

std::unique_ptr<shm::FrameWriter> make_writer(const std::string& name, const Options& o) {
  std::string err;
  auto w = shm::FrameWriter::create(name, o.width, o.height, &err);
  if (!w) std::fprintf(stderr, "cannot create shared memory '%s': %s\n", name.c_str(), err.c_str());
  return w;
}

void bench_raw(const Options& o) {
  const std::string name = "vtkbench-wake-raw-" + std::to_string(getpid());
  auto w = make_writer(name, o);
  if (!w) return;
  std::vector<uint64_t> lat;
  lat.reserve(size_t(o.frames));
  std::atomic<bool> done{false};
  std::atomic<bool> attached{false};
  std::atomic<uint64_t> last_seq{0};
  shm::FrameReader reader(name);
  std::thread t([&] {
    std::vector<uint8_t> buf(size_t(o.width) * o.height * 4);
    shm::FrameInfo info;
    while (!done) {
      auto st = reader.wait(-1);
      const uint64_t now = shm::monotonic_ns();
      if (st == shm::FrameReader::Status::kInterrupted) break;
      if (st != shm::FrameReader::Status::kFrame) continue;
      if (!reader.read_latest(&info, buf.data(), buf.size(), o.width * 4)) continue;
      if (info.input_seq == 0) {  // warm-up frame: we are attached
        attached = true;
        attached.notify_all();
        continue;
      }
      if (info.timestamp_ns <= now) lat.push_back(now - info.timestamp_ns);
      last_seq = info.input_seq;
      last_seq.notify_all();
    }
  });
  // Warm-up: one frame so the reader attaches before the clock starts.
  uint8_t* p = w->begin_frame(o.width, o.height, o.width * 4, shm::PixelFormat::kRGBA, 0);
  if (p) w->publish(shm::monotonic_ns(), 0);
  attached.wait(false);
  const int published = publish_irregularly(*w, o, 1);
  // The reader is at most one wake-up behind; the last frame it sees is the last one published.
  for (uint64_t seen = last_seq; seen < uint64_t(o.frames); seen = last_seq) last_seq.wait(seen);
  done = true;
  reader.interrupt();
  t.join();
  print_stats("raw", std::move(lat), published);
}

struct Handoff {
  std::mutex mutex;
  std::condition_variable cond;
  bool first = false;
  uint64_t last_seq = 0;
  std::vector<uint64_t> lat;
};

namespace contract = vtkstream::contract;

void on_handoff(GstElement*, GstBuffer* buf, GstPad*, gpointer data) {
  const uint64_t now = shm::monotonic_ns();
  auto* h = static_cast<Handoff*>(data);
  GstCustomMeta* meta = gst_buffer_get_custom_meta(buf, contract::kFrameMetaName);
  if (!meta) return;
  guint64 render_time = 0, seq = 0;
  const GstStructure* s = gst_custom_meta_get_structure(meta);
  gst_structure_get_uint64(s, contract::kMetaRenderTime, &render_time);
  gst_structure_get_uint64(s, contract::kMetaInputSeq, &seq);
  std::lock_guard lock(h->mutex);
  if (seq == 0) {
    h->first = true;
    h->cond.notify_all();
  } else if (render_time <= now) {
    h->lat.push_back(now - render_time);
    h->last_seq = seq;
    h->cond.notify_all();
  }
}

void bench_vtksrc(const Options& o) {
  if (!gst_element_factory_find("vtksrc")) {
    std::fprintf(stderr, "vtksrc not found: run through `meson devenv -C BUILDDIR bench-wake`\n");
    return;
  }
  const std::string name = "vtkbench-wake-gst-" + std::to_string(getpid());
  auto w = make_writer(name, o);
  if (!w) return;
  const std::string launch = "vtksrc shm-name=" + name +
                             " repeat-interval=0 ! fakesink name=sink sync=false "
                             "signal-handoffs=true";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &err);
  if (!pipeline) {
    std::fprintf(stderr, "pipeline: %s\n", err ? err->message : "?");
    g_clear_error(&err);
    return;
  }
  Handoff h;
  h.lat.reserve(size_t(o.frames));
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &h);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  uint8_t* p = w->begin_frame(o.width, o.height, o.width * 4, shm::PixelFormat::kRGBA, 0);
  if (p) w->publish(shm::monotonic_ns(), 0);
  {
    std::unique_lock lock(h.mutex);
    if (!h.cond.wait_for(lock, std::chrono::seconds(10), [&] { return h.first; })) {
      std::fprintf(stderr, "vtksrc delivered no frame within 10 s\n");
    }
  }
  const int published = publish_irregularly(*w, o, 1);
  {
    // Let the last frame arrive before stopping.
    std::unique_lock lock(h.mutex);
    h.cond.wait_for(lock, std::chrono::seconds(5), [&] { return h.last_seq >= uint64_t(o.frames); });
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  std::lock_guard lock(h.mutex);
  print_stats("vtksrc", std::move(h.lat), published);
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--frames" && i + 1 < argc) {
      o->frames = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--size" && i + 1 < argc) {
      unsigned w = 0, h = 0;
      if (std::sscanf(argv[++i], "%ux%u", &w, &h) != 2 || w == 0 || h == 0 || w > 8192 ||
          h > 8192)
        return false;
      o->width = w;
      o->height = h;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  Options o;
  if (!parse(argc, argv, &o)) {
    std::fprintf(stderr, "usage: bench-wake [--frames N] [--size WxH]\n");
    return 2;
  }
  std::printf("publish-to-wake latency, %d frames of %ux%u RGBA, 0.2-3 ms apart\n", o.frames,
              o.width, o.height);
  bench_raw(o);
  bench_vtksrc(o);
  gst_deinit();  // lets GST_TRACERS=leaks report on vtksrc
  return 0;
}
