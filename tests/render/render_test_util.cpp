#include "render_test_util.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

namespace vtkstream::test {

namespace {
std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

std::string data_file(const std::string& name) {
  return env_or_empty("VTKSTREAM_DATA_DIR") + "/" + name;
}

std::string build_file(const std::string& relative) {
  return env_or_empty("VTKSTREAM_BUILD_DIR") + "/" + relative;
}

bool next_frame(shm::FrameReader& reader, Frame* out, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    // kNoWriter: the renderer has not created its ring yet; wait() sleeps on inotify for it.
    const auto st = reader.wait(static_cast<int>(left));
    if (st == shm::FrameReader::Status::kInvalid) return false;
    if (st != shm::FrameReader::Status::kFrame) continue;
    shm::FrameInfo info;
    if (!reader.read_latest(&info, nullptr, 0, 0)) continue;
    out->rgba.resize(static_cast<size_t>(info.width) * info.height * 4);
    if (!reader.read_latest(&out->info, out->rgba.data(), out->rgba.size(), info.width * 4))
      continue;
    if (out->info.width != info.width || out->info.height != info.height) continue;  // resized
    return true;
  }
}

bool frame_with_input(shm::FrameReader& reader, uint64_t seq, Frame* out, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || !next_frame(reader, out, static_cast<int>(left))) return false;
    if (out->info.input_seq >= seq) return true;
  }
}

size_t distinct_colours(const Frame& f, size_t cap) {
  std::set<uint32_t> seen;
  for (size_t i = 0; i + 3 < f.rgba.size() && seen.size() < cap; i += 4)
    seen.insert(f.rgba[i] | f.rgba[i + 1] << 8 | f.rgba[i + 2] << 16);
  return seen.size();
}

size_t differing_pixels(const Frame& a, const Frame& b, int tolerance) {
  if (a.rgba.size() != b.rgba.size()) return a.rgba.size() / 4;
  size_t n = 0;
  for (size_t i = 0; i + 3 < a.rgba.size(); i += 4)
    for (int c = 0; c < 3; ++c)
      if (std::abs(a.rgba[i + c] - b.rgba[i + c]) > tolerance) {
        ++n;
        break;
      }
  return n;
}

void dump_frame(const Frame& f, const std::string& label) {
  const char* dir = std::getenv("VTKSTREAM_TEST_DUMP");
  if (!dir || !*dir) return;
  std::ofstream out(std::string(dir) + "/" + label + ".ppm", std::ios::binary);
  out << "P6\n" << f.info.width << " " << f.info.height << "\n255\n";
  for (size_t i = 0; i + 3 < f.rgba.size(); i += 4) out.write(reinterpret_cast<const char*>(&f.rgba[i]), 3);
}

shm::InputEvent pointer_event(shm::InputKind kind, uint64_t seq, float x, float y,
                              uint16_t button) {
  shm::InputEvent ev;
  ev.kind = static_cast<uint16_t>(kind);
  ev.seq = seq;
  ev.timestamp_ns = shm::monotonic_ns();
  ev.x = x;
  ev.y = y;
  ev.button = button;
  return ev;
}

}  // namespace vtkstream::test
