// Reads frames from a vtkstream ring without GStreamer: the same shared-memory API that vtksrc
// uses, from libvtkstream (`pkg-config --cflags --libs vtkstream`, or find_package(vtkstream)).
// Prints one line per frame and exits after N of them:
//
//   ring-reader --shm NAME [--frames N] [--timeout SECONDS]
//
// It waits for a renderer to appear (and follows it across restarts), so it can be started
// first. Exit status: 0 after N frames, 1 when none came in time or the ring is unusable, 2 on
// a bad command line. tests/install builds it against an installed tree.
#include <vtkstream/shm.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string name = "vtkstream";
  unsigned long frames = 1;
  long timeout_s = 30;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--shm") && i + 1 < argc) name = argv[++i];
    else if (!std::strcmp(argv[i], "--frames") && i + 1 < argc) frames = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--timeout") && i + 1 < argc) timeout_s = std::strtol(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: ring-reader [--shm NAME] [--frames N] [--timeout SECONDS]\n");
      return 2;
    }
  }
  std::string why;
  if (vtkstream::shm::posix_name(name, &why).empty()) {
    std::fprintf(stderr, "ring-reader: %s\n", why.c_str());
    return 2;
  }

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  vtkstream::shm::FrameReader reader(name);
  std::vector<uint8_t> pixels;
  unsigned long seen = 0;
  while (seen < frames) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      std::fprintf(stderr, "ring-reader: %lu of %lu frames from '%s' in %ld s\n", seen, frames, name.c_str(),
                   timeout_s);
      return 1;
    }
    // A futex (or, while no renderer exists, inotify) wait: no polling.
    const auto status = reader.wait(static_cast<int>(left));
    if (status == vtkstream::shm::FrameReader::Status::kInvalid) {
      std::fprintf(stderr, "ring-reader: %s\n", reader.error().c_str());
      return 1;
    }
    if (status != vtkstream::shm::FrameReader::Status::kFrame) continue;
    vtkstream::shm::FrameInfo info;
    if (!reader.read_latest(&info, nullptr, 0, 0)) continue;  // learn the size first
    const uint32_t stride = info.width * vtkstream::shm::bytes_per_pixel(info.format);
    pixels.resize(static_cast<size_t>(stride) * info.height);
    if (!reader.read_latest(&info, pixels.data(), pixels.size(), stride)) continue;  // resized meanwhile
    ++seen;
    std::printf("frame %llu: %ux%u, input seq %llu\n", static_cast<unsigned long long>(info.frame_number),
                info.width, info.height, static_cast<unsigned long long>(info.input_seq));
    std::fflush(stdout);
  }
  return 0;
}
