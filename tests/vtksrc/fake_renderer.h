// An in-process stand-in for the renderer: a shm::FrameWriter that publishes synthetic pictures
// whose pixels say where they came from (frame number in every byte of row 0, row index below),
// so tests can check orientation and identity without any GL.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "vtkstream/shm.h"

namespace vtktest {

namespace shm = vtkstream::shm;

class FakeRenderer {
 public:
  FakeRenderer(const std::string& name, uint32_t width, uint32_t height) {
    std::string err;
    writer_ = shm::FrameWriter::create(name, width, height, &err);
    EXPECT_TRUE(writer_) << err;
  }
  bool ok() const { return writer_ != nullptr; }
  shm::FrameWriter& writer() { return *writer_; }

  // Publishes one frame stamped `timestamp_ns` (default: now). Row y of the picture (top-down)
  // is filled with byte value (y + tag) & 0xff; a bottom-up slot stores it reversed, as GL would.
  uint64_t publish(uint32_t width, uint32_t height, uint64_t input_seq = 0, uint8_t tag = 0,
                   shm::PixelFormat format = shm::PixelFormat::kRGBA, bool bottom_up = false,
                   uint64_t timestamp_ns = 0) {
    const uint32_t stride = width * shm::bytes_per_pixel(format);
    std::string err;
    uint8_t* p = writer_->begin_frame(width, height, stride, format,
                                      bottom_up ? shm::kSlotBottomUp : 0u, &err);
    EXPECT_NE(p, nullptr) << err;
    if (!p) return 0;
    for (uint32_t y = 0; y < height; ++y) {
      const uint32_t stored = bottom_up ? height - 1 - y : y;
      std::memset(p + size_t(stored) * stride, (y + tag) & 0xff, stride);
    }
    const uint64_t ts = timestamp_ns ? timestamp_ns : shm::monotonic_ns();
    writer_->publish(ts, input_seq);
    return ts;
  }

 private:
  std::unique_ptr<shm::FrameWriter> writer_;
};

}  // namespace vtktest
