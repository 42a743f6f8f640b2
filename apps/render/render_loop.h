// vtkstream-render's single-threaded main loop: sleep on the input futex, apply input, render
// and publish on a steady cadence while someone interacts, go idle when the scene is still.
#pragma once

#include <atomic>
#include <chrono>

class vtkRenderWindow;

namespace vtkstream {
class Publisher;
}

namespace vtkstream::render {

struct LoopOptions {
  double fps = 30;
  // How long the cadence continues after the last input. Measured with a prototype: frames sent only on input
  // (irregular, sparse) gave a p95 input-to-photon of 150-525 ms in Chromium although each frame
  // arrived within 30 ms; a steady stream while interacting gave 74 ms.
  std::chrono::milliseconds linger{500};
};

// Runs until `stop` becomes true (the setter must then call publisher.Wake()). The caller has
// rendered and published the first frame.
void run_render_loop(vtkRenderWindow* window, Publisher& publisher, const LoopOptions& options,
                     const std::atomic<bool>& stop);

}  // namespace vtkstream::render
