// Transport benchmark: moves RGBA frames of real sizes through
//   1. a plain memcpy pair (the floor: the ring's producer and consumer each copy once),
//   2. the vtkstream ring, lock-step in one thread (same two copies plus the protocol),
//   3. the vtkstream ring between two processes (producer publishes flat out, consumer copies
//      every frame it can get),
//   4. GStreamer's own shmsink/shmsrc pair (appsrc ! shmsink, shmsrc ! appsink, two pipelines),
// all in one run so the ratios are fair on a noisy machine. Prints one table; no assertions.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "vtkstream/shm.h"

using vtkstream::shm::monotonic_ns;
namespace shm = vtkstream::shm;

namespace {

struct Result {
  double fps = 0, us_per_frame = 0;
};

Result memcpy_pair(size_t bytes, int n) {
  std::vector<uint8_t> src(bytes, 1), mid(bytes), dst(bytes);
  uint64_t t0 = monotonic_ns();
  for (int i = 0; i < n; ++i) {
    src[0] = uint8_t(i);
    std::memcpy(mid.data(), src.data(), bytes);
    std::memcpy(dst.data(), mid.data(), bytes);
  }
  double s = (monotonic_ns() - t0) / 1e9;
  if (dst[0] != uint8_t(n - 1)) std::fprintf(stderr, "memcpy check failed\n");
  return {n / s, s * 1e6 / n};
}

Result ring_lockstep(uint32_t w, uint32_t h, int n) {
  std::string name = "vtkbench-" + std::to_string(getpid()), err;
  auto writer = shm::FrameWriter::create(name, w, h, &err);
  if (!writer) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return {};
  }
  shm::FrameReader reader(name);
  size_t bytes = size_t(w) * h * 4;
  std::vector<uint8_t> src(bytes, 1), dst(bytes);
  uint64_t t0 = monotonic_ns();
  for (int i = 0; i < n; ++i) {
    src[0] = uint8_t(i);
    uint8_t* p = writer->begin_frame(w, h, w * 4, shm::PixelFormat::kRGBA, 0, &err);
    std::memcpy(p, src.data(), bytes);
    writer->publish(monotonic_ns(), i);
    shm::FrameInfo info;
    if (reader.wait(1000) != shm::FrameReader::Status::kFrame ||
        !reader.read_latest(&info, dst.data(), bytes, w * 4))
      std::fprintf(stderr, "ring read failed: %s\n", reader.error().c_str());
  }
  double s = (monotonic_ns() - t0) / 1e9;
  if (dst[0] != uint8_t(n - 1)) std::fprintf(stderr, "ring check failed\n");
  return {n / s, s * 1e6 / n};
}

// Producer in a child process publishing `n` frames as fast as it can; the parent copies each
// frame it is woken for. Returns the consumer's rate and its cost per copied frame.
Result ring_two_process(uint32_t w, uint32_t h, int n, int* consumed_out) {
  std::string name = "vtkbench2-" + std::to_string(getpid());
  size_t bytes = size_t(w) * h * 4;
  int go[2];
  if (pipe(go) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    std::string err;
    auto writer = shm::FrameWriter::create(name, w, h, &err);
    std::vector<uint8_t> src(bytes, 7);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1);  // start once the consumer is attached
    for (int i = 0; i < n; ++i) {
      uint8_t* p = writer->begin_frame(w, h, w * 4, shm::PixelFormat::kRGBA, 0, &err);
      std::memcpy(p, src.data(), bytes);
      writer->publish(monotonic_ns(), i);
    }
    _exit(0);  // the destructor would mark the ring closed; exit is the same signal here
  }
  shm::FrameReader reader(name);
  while (reader.wait(5000) != shm::FrameReader::Status::kTimeout) {
  }
  std::vector<uint8_t> dst(bytes);
  (void)!write(go[1], "g", 1);
  int consumed = 0;
  uint64_t copy_ns = 0, t0 = monotonic_ns(), t_last = t0;
  for (;;) {
    auto s = reader.wait(2000);
    if (s != shm::FrameReader::Status::kFrame) break;
    uint64_t c0 = monotonic_ns();
    shm::FrameInfo info;
    if (reader.read_latest(&info, dst.data(), bytes, w * 4)) {
      ++consumed;
      t_last = monotonic_ns();
      copy_ns += t_last - c0;
      if (info.frame_number == uint64_t(n)) break;
    }
  }
  int st;
  waitpid(pid, &st, 0);
  // The producer left without its destructor (see above): its object is ours to remove.
  shm::remove_if_stale(name);
  close(go[0]);
  close(go[1]);
  *consumed_out = consumed;
  double s = (t_last - t0) / 1e9;
  return {consumed / s, consumed ? copy_ns / 1e3 / consumed : 0};
}

Result gst_shm_pair(uint32_t w, uint32_t h, int n) {
  std::string sock = "/tmp/vtkbench-gstshm-" + std::to_string(getpid());
  size_t bytes = size_t(w) * h * 4;
  std::string caps = "video/x-raw,format=RGBA,width=" + std::to_string(w) +
                     ",height=" + std::to_string(h) + ",framerate=0/1";
  std::string tx = "appsrc name=src format=time caps=" + caps +
                   " ! shmsink socket-path=" + sock + " shm-size=" + std::to_string(bytes * 4) +
                   " wait-for-connection=true sync=false";
  std::string rx = "shmsrc socket-path=" + sock + " is-live=false ! " + caps +
                   " ! appsink name=sink sync=false";
  GError* e = nullptr;
  GstElement* ptx = gst_parse_launch(tx.c_str(), &e);
  if (!ptx) {
    std::fprintf(stderr, "shmsink: %s\n", e->message);
    return {};
  }
  gst_element_set_state(ptx, GST_STATE_PLAYING);
  GstElement* prx = gst_parse_launch(rx.c_str(), &e);
  GstElement* src = gst_bin_get_by_name(GST_BIN(ptx), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(prx), "sink");
  gst_element_set_state(prx, GST_STATE_PLAYING);
  std::vector<uint8_t> frame(bytes, 3);
  uint64_t t0 = monotonic_ns();
  int got = 0;
  for (int i = 0; i < n; ++i) {
    // Same producer work as the ring: one copy of the frame into the transport's memory.
    GstBuffer* b = gst_buffer_new_allocate(nullptr, bytes, nullptr);
    gst_buffer_fill(b, 0, frame.data(), bytes);
    GST_BUFFER_PTS(b) = i * GST_MSECOND;
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
    GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND);
    if (!s) break;
    // And one copy out, as vtksrc does into its pooled buffer.
    GstBuffer* rb = gst_sample_get_buffer(s);
    gst_buffer_extract(rb, 0, frame.data(), bytes);
    gst_sample_unref(s);
    ++got;
  }
  double secs = (monotonic_ns() - t0) / 1e9;
  gst_element_set_state(prx, GST_STATE_NULL);
  gst_element_set_state(ptx, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(prx);
  gst_object_unref(ptx);
  unlink(sock.c_str());
  if (got != n) std::fprintf(stderr, "shmsrc delivered %d of %d frames\n", got, n);
  return {got / secs, secs * 1e6 / std::max(got, 1)};
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int n = argc > 1 ? std::max(10, atoi(argv[1])) : 300;
  std::printf("vtkstream transport benchmark, %d frames per row, RGBA; memcpy and lock-step rows: best of 5 interleaved rounds\n", n);
  std::printf("%-10s %-34s %10s %12s %8s\n", "size", "path", "frames/s", "us/frame", "vs memcpy");
  struct Size {
    uint32_t w, h;
  } sizes[] = {{1280, 720}, {1920, 1080}};
  for (auto [w, h] : sizes) {
    char sz[32];
    std::snprintf(sz, sizeof sz, "%ux%u", w, h);
    size_t bytes = size_t(w) * h * 4;
    // Interleaved rounds, best of each: a noisy neighbour slows single runs, never speeds them up.
    Result m, r;
    for (int round = 0; round < 5; ++round) {
      Result mi = memcpy_pair(bytes, n), ri = ring_lockstep(w, h, n);
      if (mi.fps > m.fps) m = mi;
      if (ri.fps > r.fps) r = ri;
    }
    int consumed = 0;
    Result r2 = ring_two_process(w, h, n, &consumed);
    Result g = gst_shm_pair(w, h, n);
    std::printf("%-10s %-34s %10.0f %12.1f %8s\n", sz, "memcpy x2 (floor)", m.fps, m.us_per_frame, "1.00");
    std::printf("%-10s %-34s %10.0f %12.1f %8.2f\n", sz, "vtkstream ring, lock-step", r.fps,
                r.us_per_frame, r.fps / m.fps);
    std::printf("%-10s %-34s %10.0f %12.1f %8s  (consumer copy only; %d of %d frames taken)\n", sz,
                "vtkstream ring, 2 processes", r2.fps, r2.us_per_frame, "-", consumed, n);
    std::printf("%-10s %-34s %10.0f %12.1f %8.2f\n", sz, "GStreamer shmsink/shmsrc", g.fps,
                g.us_per_frame, g.fps / m.fps);
  }
  return 0;
}
