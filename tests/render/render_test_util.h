// Helpers for the renderer tests: run a real binary, read its frames, write test datasets.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vtkstream/shm.h"

namespace vtkstream::test {

// $VTKSTREAM_DATA_DIR/<name> (the shared real datasets).
std::string data_file(const std::string& name);
// $VTKSTREAM_BUILD_DIR/<relative>.
std::string build_file(const std::string& relative);
// A shared-memory name no other test (or test run) uses.
std::string unique_shm_name();

// A private temporary directory, removed with its content.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A child process with its stderr captured in a file. Killed (SIGKILL) if still running when
// destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& stderr_path);
  ~Child();
  bool started() const { return pid_ > 0; }
  // Waits for exit with a timeout (pidfd + poll, no sleeping). Returns the exit status, 128+N
  // for death by signal N, or -1 on timeout.
  int wait_exit(int timeout_ms);
  bool running();
  // SIGTERM, then wait_exit(timeout_ms).
  int terminate(int timeout_ms);
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int status_ = -1;
  std::string stderr_path_;
};

// A frame copied out of the ring, rows top-down, RGBA.
struct Frame {
  shm::FrameInfo info;
  std::vector<uint8_t> rgba;
  const uint8_t* pixel(uint32_t x, uint32_t y) const { return &rgba[(y * info.width + x) * 4]; }
};

// Waits (FrameReader::wait, no polling) for the next frame and copies it. False on timeout or
// error.
bool next_frame(shm::FrameReader& reader, Frame* out, int timeout_ms);
// Waits for a frame whose input_seq is at least `seq`.
bool frame_with_input(shm::FrameReader& reader, uint64_t seq, Frame* out, int timeout_ms);

// Number of distinct RGB colours (capped at `cap`): 1 means a blank picture.
size_t distinct_colours(const Frame& f, size_t cap = 64);
// Pixels whose RGB differs by more than `tolerance` in any channel.
size_t differing_pixels(const Frame& a, const Frame& b, int tolerance = 8);
// Writes a binary PPM (for looking at failures; set VTKSTREAM_TEST_DUMP to a directory).
void dump_frame(const Frame& f, const std::string& label);

shm::InputEvent pointer_event(shm::InputKind kind, uint64_t seq, float x, float y,
                              uint16_t button = 1);

}  // namespace vtkstream::test
