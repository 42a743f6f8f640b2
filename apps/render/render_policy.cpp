#include "render_policy.h"

#include <algorithm>

namespace vtkstream::render {

RenderPolicy::Decision RenderPolicy::publish(Clock::time_point now, bool render, bool still) {
  if (render) {
    dirty_ = false;
    last_render_ = now;
  }
  last_publish_ = now;
  return Decision{render, true, still, reduced()};
}

RenderPolicy::Decision RenderPolicy::step(const Observation& o) {
  const auto now = o.now;
  dirty_ |= o.changed;
  if (o.got_input) last_input_ = now;
  if (o.changed) still_sent_ = false;  // the picture is no longer the still
  const bool started = o.interaction_starts != seen_starts_;
  seen_starts_ = o.interaction_starts;
  held_ = o.pressed || o.interaction_active;
  // A size change means the picture must be rendered again: entering the interactive size, or a
  // pin that ends it mid-interaction (the reduced picture would be dropped downstream).
  if (o.size_pinned != pinned_ && interactive_) dirty_ = true;
  pinned_ = o.size_pinned;
  if (started || o.interaction_active) {
    if (!interactive_ && !pinned_) dirty_ = true;
    interactive_ = true;
    still_sent_ = false;
  }

  if (!active_) {
    if (o.got_input) {
      // The first input after a still period is answered at once, then the cadence starts.
      active_ = true;
      still_sent_ = false;
      first_change_ = true;
      next_tick_ = now + opts_.period;
      return publish(now, dirty_, false);
    }
    // A viewer arrived after a render nobody saw: the picture of a still scene is the still.
    if (o.publish_pending && o.has_viewers) return Decision{false, true, !interactive_, reduced()};
    return nothing();
  }

  const auto quiet = now - last_input_;
  const bool held = held_;
  // The interaction is over: the full-size still, now, and the cadence goes on republishing it
  // until `linger` is over (cheap for the encoder: the picture does not change). The copies are
  // marked too: a reader takes the newest frame of the ring and may never see the first one.
  if (interactive_ && !held && quiet >= opts_.settle) {
    // Pinned, the last frame was full size already: it is re-rendered only if something changed.
    const bool render = reduced() || dirty_;
    interactive_ = false;
    still_sent_ = true;
    next_tick_ = now + opts_.period;
    return publish(now, render, true);
  }
  if (quiet >= (held ? opts_.held_limit : opts_.linger)) {
    active_ = false;
    if (still_sent_) return nothing();
    // A burst of other input (keys, a resize) or a viewer gone mid-drag ends with a still too.
    const bool render = reduced() || dirty_;
    interactive_ = false;
    return publish(now, render, true);
  }
  // "Older than one period" counts from the last picture that changed, not from a tick that
  // republished it: with moves every 40 ms at a 33 ms cadence, each tick fell 7 ms before the
  // next move and held it for 26 ms more (measured: docs/performance.md, "Ticks held moves").
  if (dirty_ && (first_change_ || now - last_render_ >= opts_.period)) {
    first_change_ = false;
    next_tick_ = now + opts_.period;
    return publish(now, true, false);
  }
  if (now < next_tick_) return nothing();
  // A tick: render only when something changed, but publish either way so the viewer's decoder
  // sees a steady stream (re-reading the last image costs a readback, not a render).
  next_tick_ += opts_.period;
  if (next_tick_ <= now) next_tick_ = now + opts_.period;  // fell behind: no burst to catch up
  // While a drag is held, at half the cadence: the moves bring the new pictures, and a copy
  // published just before one of them (moves every 40 ms against a 33 ms tick) took the encoder's
  // budget from it (libvpx budgets a frame by the time since the previous one: 7 ms for the move)
  // and doubled the frames a weak link carried; the 1 Mbit/s drag-to-photon p95 went from 75-82
  // to 154-562 ms (docs/performance.md, "Ticks held moves"). A pause mid-drag still keeps the
  // stream going. Wheel steps are interactions too, never held (each starts and ends one), and
  // were each published a few ms after such a copy: the same while the interaction lasts.
  if (!dirty_ && (held || interactive_) && now - last_publish_ < 2 * opts_.period) return nothing();
  if (dirty_) first_change_ = false;
  return publish(now, dirty_, still_sent_ && !dirty_ && !interactive_);
}

int RenderPolicy::timeout_ms(Clock::time_point now, bool publish_pending) const {
  // While idle, sleep until input, except while a frame waits for a viewer to appear: a reader
  // that attaches wakes the input futex, and the recheck covers an attach that lands between
  // the viewer check and the start of the wait.
  if (!active_) return publish_pending ? 1000 : -1;
  auto due = std::min(next_tick_, last_input_ + (held_ ? opts_.held_limit : opts_.linger));
  if (interactive_ && !held_) due = std::min(due, last_input_ + opts_.settle);
  if (due <= now) return 0;
  // Rounded up: waking a little late is fine, waking early costs a second wait.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(due - now).count());
}

}  // namespace vtkstream::render
