// A renderer stand-in for the server tests, in the test's own process: publishes a changing
// picture at about 30 fps on a shared-memory name and echoes the newest input seq it drained,
// as vtkstream-render does. (tests/vtksrc/fake_renderer.h is a different one: it publishes
// single, identifiable frames on demand.)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "vtkstream/shm.h"

namespace vtkstream::test {

// Publishes a changing picture at about 30 fps and echoes the newest input seq it drained, as
// vtkstream-render does. Counts input events (and remembers the last peer id seen).
class FakeRenderer {
 public:
  FakeRenderer(const std::string& shm, uint32_t w, uint32_t h);
  ~FakeRenderer();
  bool ok() const { return writer_ != nullptr; }
  int inputs() const { return inputs_; }
  uint32_t last_peer() const { return last_peer_; }

 private:
  void loop();
  std::unique_ptr<vtkstream::shm::FrameWriter> writer_;
  uint32_t w_, h_;
  std::atomic<bool> stop_{false};
  std::atomic<int> inputs_{0};
  std::atomic<uint32_t> last_peer_{0};
  std::thread thread_;
};

}  // namespace vtkstream::test
