#include "threaded_fake_renderer.h"

#include <glib.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace vtkstream::test {

FakeRenderer::FakeRenderer(const std::string& shm, uint32_t w, uint32_t h) : w_(w), h_(h) {
  std::string err;
  writer_ = vtkstream::shm::FrameWriter::create(shm, w, h, &err);
  if (!writer_) {
    g_printerr("FakeRenderer: %s\n", err.c_str());
    return;
  }
  thread_ = std::thread([this] { loop(); });
}

FakeRenderer::~FakeRenderer() {
  stop_ = true;
  if (writer_) writer_->wake_input();
  if (thread_.joinable()) thread_.join();
}

void FakeRenderer::loop() {
  uint64_t last_seq = 0, frame = 0;
  std::vector<vtkstream::shm::InputEvent> events;
  while (!stop_) {
    // A frame every 33 ms, sooner when input arrives (what a renderer does while interacting).
    writer_->wait_input(33);
    events.clear();
    writer_->drain_input(&events);
    // The server's interactive size cap is a setting, not a viewer's input (libvtkstream does not
    // count it either): it must not show up in inputs() or last_peer().
    std::erase_if(events, [](const vtkstream::shm::InputEvent& e) {
      return e.kind == static_cast<uint16_t>(vtkstream::shm::InputKind::kInteractiveCap);
    });
    for (const auto& e : events) {
      last_seq = std::max<uint64_t>(last_seq, e.seq);
      last_peer_ = e.peer_id;
      // Follow resize requests as vtkstream-render does (smaller sizes fit the slots as they are).
      if (e.kind == static_cast<uint16_t>(vtkstream::shm::InputKind::kResize) &&
          uint64_t(e.width) * e.height * 4 <= writer_->capacity()) {
        w_ = e.width;
        h_ = e.height;
      }
    }
    inputs_ += static_cast<int>(events.size());
    const uint32_t stride = w_ * 4;
    uint8_t* p = writer_->begin_frame(w_, h_, stride, vtkstream::shm::PixelFormat::kRGBA, 0);
    if (!p) continue;
    // A moving gradient: every frame differs, so the encoder has real work.
    for (uint32_t y = 0; y < h_; ++y)
      std::memset(p + size_t(y) * stride, static_cast<int>((y + frame * 3) & 0xff), stride);
    writer_->publish(vtkstream::shm::monotonic_ns(), last_seq);
    ++frame;
  }
}

}  // namespace vtkstream::test
