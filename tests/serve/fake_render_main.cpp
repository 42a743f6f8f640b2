// fake-render: a stand-in for vtkstream-render that the supervision test can make crash. It
// takes the renderer's command line (--shm NAME --size WxH, anything else ignored), publishes a
// changing picture at about 30 fps, echoes input sequence numbers, and aborts when it receives
// the key "F12" (a crash on demand: the supervisor must restart it). SIGTERM ends it cleanly.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "vtkstream/shm.h"

namespace shm = vtkstream::shm;

static std::atomic<bool> g_stop{false};

int main(int argc, char** argv) {
  std::string name = "vtkstream";
  unsigned w = 320, h = 240;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--shm")) name = argv[++i];
    else if (!std::strcmp(argv[i], "--size") && std::sscanf(argv[i + 1], "%ux%u", &w, &h) == 2) ++i;
  }
  signal(SIGTERM, [](int) { g_stop = true; });
  std::string err;
  auto writer = shm::FrameWriter::create(name, w, h, &err);
  if (!writer) {
    std::fprintf(stderr, "fake-render: %s\n", err.c_str());
    return 1;
  }
  std::fprintf(stderr, "fake-render: publishing %ux%u on %s\n", w, h, name.c_str());
  uint64_t last_seq = 0, frame = 0;
  std::vector<shm::InputEvent> events;
  while (!g_stop) {
    writer->wait_input(33);
    events.clear();
    writer->drain_input(&events);
    for (const auto& e : events) {
      last_seq = e.seq > last_seq ? e.seq : last_seq;
      if (e.kind == static_cast<uint16_t>(shm::InputKind::kKeyDown) && !std::strcmp(e.key, "F12")) {
        std::fprintf(stderr, "fake-render: crashing on request\n");
        std::abort();
      }
    }
    uint8_t* p = writer->begin_frame(w, h, w * 4, shm::PixelFormat::kRGBA, 0);
    if (!p) continue;
    for (unsigned y = 0; y < h; ++y) std::memset(p + size_t(y) * w * 4, int((y + frame) & 0xff), w * 4);
    writer->publish(shm::monotonic_ns(), last_seq);
    ++frame;
  }
  return 0;
}
