// When vtkstream-render renders, publishes, and at which size: the decisions of the render loop,
// kept free of VTK and of the clock so that they are unit-tested with made-up times
// (tests/render/test_render_policy.cpp). render_loop.cpp observes, asks, and does what it says.
//
//  * Idle: nothing is rendered or sent while the scene is still.
//  * The first input after a still period is rendered at once, and so is the first change after
//    it (a drag starts with a press that changes nothing; the first move is what the user waits
//    for), and any change that arrives when the last rendered frame is older than one period (a
//    tick that only republished the picture does not count). Otherwise
//    changes go out on a steady cadence, which keeps a browser's latency tail short
//    (measured: docs/performance.md).
//  * While the interactor style reports an interaction (a drag, wheel steps), frames are rendered
//    at the interactive size (interactive_size.h). Once the interaction has ended and nothing came
//    for `settle`, one full-size frame is rendered and published as the still.
//  * While the size is pinned (the last resize request carried shm::kResizeExact: downstream caps
//    take that size only), interactions render at the full size; the rest (cadence, still) is
//    unchanged. A pin that arrives mid-drag re-renders at the full size at once.
//  * The cadence goes on for `linger` after the last input (republishing the picture, cheap to
//    encode), then stops; a burst of other input (keys, resizes) ends with a still too. While an
//    interaction lasts (a held drag, wheel steps), a tick with nothing new republishes only when
//    the last publish is two periods old: the new pictures come with the input, and a copy just
//    before one takes its encoder budget.
#pragma once

#include <chrono>
#include <cstdint>

namespace vtkstream::render {

class RenderPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    Clock::duration period = std::chrono::milliseconds(33);
    Clock::duration linger = std::chrono::milliseconds(500);
    // Quiet time after an interaction ended before the still: wheel steps each start and end an
    // interaction, and a still per step would render full size at the scroll rate.
    Clock::duration settle = std::chrono::milliseconds(100);
    // A held button keeps the cadence (the user pauses mid-drag), but only for a while: a viewer
    // that vanished mid-drag never sends its release.
    Clock::duration held_limit = std::chrono::seconds(5);
  };

  // What the loop saw after one wait and one ProcessInput().
  struct Observation {
    Clock::time_point now;
    bool got_input = false;           // records were taken from the ring
    bool changed = false;             // they may have changed the picture
    bool interaction_active = false;  // the style is between Start and EndInteraction
    uint64_t interaction_starts = 0;  // Starts so far (a Start+End in one batch still counts)
    bool pressed = false;             // a remote button or finger is down
    bool publish_pending = false;     // a render nobody has seen yet (no viewer at the time)
    bool has_viewers = false;
    bool size_pinned = false;         // the last resize request was exact (Publisher::SizePinned)
  };

  struct Decision {
    bool render = false;       // render (at the size below) ...
    bool publish = false;      // ... and/or publish the window's picture
    bool still = false;        // the publish is the full-size still
    bool interactive = false;  // render at the interactive size (else the full size); never
                               // while the size is pinned
  };

  explicit RenderPolicy(const Options& o, uint64_t interaction_starts = 0)
      : opts_(o), seen_starts_(interaction_starts) {}

  Decision step(const Observation& o);
  // How long the loop may sleep before the next step is due (< 0: until input).
  int timeout_ms(Clock::time_point now, bool publish_pending) const;

  bool active() const { return active_; }
  bool interactive() const { return interactive_; }

 private:
  Decision publish(Clock::time_point now, bool render, bool still);
  Decision nothing() const { return Decision{false, false, false, reduced()}; }
  // Whether frames are rendered at the interactive size now.
  bool reduced() const { return interactive_ && !pinned_; }

  Options opts_;
  bool active_ = false;       // in the steady cadence
  bool dirty_ = false;        // input changed the scene since the last render
  bool interactive_ = false;  // rendering at the interactive size
  bool first_change_ = false; // the first change since the cadence started is not rendered yet
  bool still_sent_ = false;   // this active period already ended with a still
  bool held_ = false;         // a button, finger or style interaction was held at the last step
  bool pinned_ = false;       // the size is pinned: no interactive size
  uint64_t seen_starts_;
  Clock::time_point next_tick_{}, last_input_{}, last_publish_{}, last_render_{}, interaction_seen_{};
};

}  // namespace vtkstream::render
