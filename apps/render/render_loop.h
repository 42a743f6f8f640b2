// vtkstream-render's single-threaded main loop: sleep on the input futex, apply input, and render
// and publish as render_policy.h decides: a steady cadence while someone interacts, at the
// interactive size (interactive_size.h) during drags, a full-size still after, idle when the
// scene is still.
#pragma once

#include <atomic>
#include <chrono>

#include "interactive_size.h"
#include "render_policy.h"

class vtkRenderWindow;
class vtkRenderWindowInteractor;

namespace vtkstream {
class Publisher;
}

namespace vtkstream::render {

struct LoopOptions {
  double fps = 30;
  // How long the cadence continues after the last input. Measured with a prototype: frames sent
  // only on input (irregular, sparse) gave a p95 input-to-photon of 150-525 ms in Chromium
  // although each frame arrived within 30 ms; a steady stream while interacting gave 74 ms.
  std::chrono::milliseconds linger{500};
  InteractiveSizer::Options sizing;  // budget_ms is set from fps
};

// Runs until `stop` becomes true (the setter must then call publisher.Wake()). The caller has
// rendered and published the first frame. `iren` is the interactor the publisher drives (its
// pointer positions are rescaled when the render size changes mid-drag); may be nullptr.
void run_render_loop(vtkRenderWindow* window, vtkRenderWindowInteractor* iren, Publisher& publisher,
                     const LoopOptions& options, const std::atomic<bool>& stop);

}  // namespace vtkstream::render
