#include "render_loop.h"

#include <vtkRenderWindow.h>

#include <algorithm>

#include "vtkstream/publisher.h"

namespace vtkstream::render {

namespace {
using Clock = std::chrono::steady_clock;

// While nothing happens we sleep without a timeout, except when a frame is waiting for a viewer
// to appear (renders made with nobody attached are not read back). A reader that attaches wakes
// the input futex, so the frame goes out at once; the recheck only covers an attach that lands
// between our viewer check and the start of the wait.
constexpr int kPendingRecheckMs = 1000;

constexpr std::chrono::seconds kHeldButtonLimit{5};

int ms_until(Clock::time_point t, Clock::time_point now) {
  if (t <= now) return 0;
  // Rounded up: waking a little late is fine, waking early costs a second wait.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(t - now).count());
}
}  // namespace

void run_render_loop(vtkRenderWindow* window, Publisher& publisher, const LoopOptions& options,
                     const std::atomic<bool>& stop) {
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / std::max(options.fps, 1.0)));
  bool active = false;  // in the steady cadence
  bool dirty = false;   // input changed the scene since the last render
  Clock::time_point next_tick{}, last_input{};
  uint64_t seen_seq = publisher.LastInputSeq();

  while (!stop.load(std::memory_order_acquire)) {
    const int timeout = active ? ms_until(next_tick, Clock::now())
                               : (publisher.PublishPending() ? kPendingRecheckMs : -1);
    publisher.WaitInput(timeout);
    if (stop.load(std::memory_order_acquire)) break;

    const bool changed = publisher.ProcessInput();
    dirty |= changed;
    const auto now = Clock::now();
    const bool got_input = changed || publisher.LastInputSeq() != seen_seq;
    seen_seq = publisher.LastInputSeq();
    if (got_input) last_input = now;

    if (!active) {
      if (got_input) {
        // The first event after a still period is answered at once, then the cadence starts.
        if (dirty) window->Render();
        publisher.Publish();
        dirty = false;
        active = true;
        next_tick = now + period;
      } else if (publisher.PublishPending() && publisher.HasViewers()) {
        publisher.Publish();
      }
      continue;
    }
    if (now < next_tick) continue;  // input applied; its frame goes out on the next tick
    // A tick: render only when something changed, but publish either way so the viewer's
    // decoder sees a steady stream (re-reading the last image costs a readback, not a render).
    if (dirty) window->Render();
    publisher.Publish();
    dirty = false;
    next_tick += period;
    if (next_tick <= now) next_tick = now + period;  // fell behind: no burst to catch up
    // A held button keeps the cadence (the user pauses mid-drag), but only for a while: a viewer
    // that vanished mid-drag never sends its release.
    const auto quiet = now - last_input;
    if (quiet > options.linger && (!publisher.Interacting() || quiet > kHeldButtonLimit))
      active = false;
  }
}

}  // namespace vtkstream::render
