// Writes the shm fuzzer's seed objects: a real ring (header + three small slots) with a published
// frame and queued input, as a renderer and vtksrc leave it. Rebuild the seeds with:
//   g++ -std=c++20 -I../../lib/shm make_shm_seed.cpp ../../lib/shm/*.cpp -o /tmp/make-shm-seed
//   /tmp/make-shm-seed seeds/shm
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "vtkstream/shm.h"

namespace shm = vtkstream::shm;

static void dump(const std::string& name, const std::string& path) {
  int fd = shm_open(("/" + name).c_str(), O_RDONLY, 0);
  struct stat st;
  fstat(fd, &st);
  std::vector<char> buf(st.st_size);
  if (read(fd, buf.data(), buf.size()) != ssize_t(buf.size())) perror("read");
  close(fd);
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(buf.data(), 1, buf.size(), f);
  std::fclose(f);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::string dir = argv[1], err, name = "vtkseed-" + std::to_string(getpid());
  shm::FrameWriter::Options o;
  o.slots = 3;
  o.max_frame_bytes = 16 * 16 * 4;
  o.heartbeat_thread = false;
  auto w = shm::FrameWriter::create(name, 16, 16, o, &err);
  if (!w) return 1;
  shm::FrameReader r(name);
  r.wait(0);
  dump(name, dir + "/empty-ring.bin");
  for (int i = 1; i <= 2; ++i) {
    uint8_t* p = w->begin_frame(16, 16, 64, shm::PixelFormat::kRGBA, shm::kSlotBottomUp);
    for (int k = 0; k < 16 * 64; ++k) p[k] = uint8_t(k * i);
    w->publish(shm::monotonic_ns(), i);
  }
  shm::InputWriter in(name);
  shm::InputEvent ev;
  ev.kind = uint16_t(shm::InputKind::kPointerDown);
  ev.seq = 1;
  in.push(ev);
  ev.kind = uint16_t(shm::InputKind::kKeyDown);
  ev.seq = 2;
  snprintf(ev.key, sizeof ev.key, "Left");
  in.push(ev);
  dump(name, dir + "/frames-and-input.bin");
  return 0;
}
