// Helpers for the renderer tests: run a real binary, read its frames, write test datasets.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "child.h"        // tests/common: Child
#include "unique_name.h"  // tests/common: unique_name(tag), TempDir
#include "vtkstream/shm.h"

namespace vtkstream::test {

// $VTKSTREAM_DATA_DIR/<name> (the shared real datasets).
std::string data_file(const std::string& name);
// $VTKSTREAM_BUILD_DIR/<relative>.
std::string build_file(const std::string& relative);
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
