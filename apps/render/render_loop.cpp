#include "render_loop.h"

#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>

#include <algorithm>
#include <cstdio>

#include "vtkstream/publisher.h"

namespace vtkstream::render {

namespace {
using Clock = std::chrono::steady_clock;

// Where to make the interactive picture smaller, measured (docs/performance.md, "Interactive
// size"): rendering it smaller (this) saves render, readback, conversion and encoding time;
// a downscale on the GPU before the readback would save only the last three and still pay the
// full-size render; keeping the caps fixed and scaling in the pipeline saves nothing of the
// encoder's work. A size change costs one caps renegotiation and a re-initialised encoder that
// starts with a keyframe, twice per drag, which the measurements show is cheap next to rendering
// every frame of the drag at full size.
class WindowSize {
 public:
  WindowSize(vtkRenderWindow* w, vtkRenderWindowInteractor* iren) : window_(w), iren_(iren) {
    const int* s = w->GetSize();
    full_ = {s[0], s[1]};
  }

  // The size the window must have for the next render. A viewer's resize request lands on the
  // window directly (the publisher applies it): any size that is not the one we set is the new
  // full size. A pinned size (an exact resize request) is the full size whatever the window has:
  // it may equal the interactive size we set, which the rule above would not see.
  RenderSize full(const Publisher& publisher) {
    int pw = 0, ph = 0;
    if (publisher.SizePinned(&pw, &ph)) return full_ = {pw, ph};
    const int* s = window_->GetSize();
    if (RenderSize{s[0], s[1]} != current_) full_ = {s[0], s[1]};
    return full_;
  }

  void apply(RenderSize want) {
    const int* s = window_->GetSize();
    const RenderSize now{s[0], s[1]};
    if (want == now) {
      current_ = want;
      return;
    }
    // The style turns the camera by how far the pointer moved in pixels since the last event,
    // relative to the window size: keep the interactor's positions in step, or the first move
    // after a size change would jump.
    if (iren_ && now.w > 0 && now.h > 0) {
      const double sx = double(want.w) / now.w, sy = double(want.h) / now.h;
      const int* p = iren_->GetEventPosition();
      const int* l = iren_->GetLastEventPosition();
      const int ep[2] = {int(p[0] * sx), int(p[1] * sy)}, lp[2] = {int(l[0] * sx), int(l[1] * sy)};
      iren_->SetEventPosition(ep[0], ep[1]);
      iren_->SetLastEventPosition(lp[0], lp[1]);
    }
    window_->SetSize(want.w, want.h);
    if (iren_) iren_->UpdateSize(want.w, want.h);
    current_ = want;
  }

 private:
  vtkRenderWindow* window_;
  vtkRenderWindowInteractor* iren_;
  RenderSize full_, current_;
};
}  // namespace

void run_render_loop(vtkRenderWindow* window, vtkRenderWindowInteractor* iren, Publisher& publisher,
                     const LoopOptions& options, const std::atomic<bool>& stop) {
  RenderPolicy::Options popts;
  popts.period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / std::max(options.fps, 1.0)));
  popts.linger = options.linger;
  RenderPolicy policy(popts, publisher.InteractionStarts());
  InteractiveSizer::Options sopts = options.sizing;
  sopts.budget_ms = 1000.0 / std::max(options.fps, 1.0);
  InteractiveSizer sizer(sopts);
  WindowSize size(window, iren);
  // Chosen when an interaction starts, and again during it at most once per kRechoose (or as
  // soon as a first measurement exists, or when a viewer resized): every change costs the encoder
  // a keyframe, and a long drag must still adapt when the first guess was wrong.
  constexpr auto kRechoose = std::chrono::seconds(1);
  RenderSize interactive_size, chosen_for, chosen_cap, last_logged;
  Clock::time_point chosen_at{};
  bool chosen_blind = false;  // chosen before anything was measured
  uint64_t seen_seq = publisher.LastInputSeq();

  while (!stop.load(std::memory_order_acquire)) {
    publisher.WaitInput(policy.timeout_ms(Clock::now(), publisher.PublishPending()));
    if (stop.load(std::memory_order_acquire)) break;

    RenderPolicy::Observation o;
    o.changed = publisher.ProcessInput();
    o.got_input = o.changed || publisher.LastInputSeq() != seen_seq;
    seen_seq = publisher.LastInputSeq();
    o.now = Clock::now();
    o.interaction_active = publisher.InteractionActive();
    o.interaction_starts = publisher.InteractionStarts();
    o.pressed = publisher.Interacting();
    o.publish_pending = publisher.PublishPending();
    o.has_viewers = publisher.HasViewers();
    int pinned_w = 0, pinned_h = 0;
    o.size_pinned = publisher.SizePinned(&pinned_w, &pinned_h);
    const RenderPolicy::Decision d = policy.step(o);

    if (d.render) {
      const RenderSize full = size.full(publisher);
      // The server's cap: the rung the controlling viewer receives (none: 0x0).
      RenderSize cap;
      if (!publisher.InteractiveSizeCap(&cap.w, &cap.h)) cap = {};
      const bool due = interactive_size.w == 0 || chosen_for != full || chosen_cap != cap ||
                       (chosen_blind && sizer.measured()) || o.now - chosen_at >= kRechoose;
      if (d.interactive && due) {
        const RenderSize chosen = capped_interactive_size(sizer.choose(full.w, full.h), full, cap);
        // One line when the choice changes (not per drag): what the machine (and the controlling
        // viewer's rung) affords.
        if (chosen != last_logged) {
          if (cap.w > 0)
            std::fprintf(stderr, "vtkstream-render: interactive size %dx%d of %dx%d (cap %dx%d)\n", chosen.w,
                         chosen.h, full.w, full.h, cap.w, cap.h);
          else
            std::fprintf(stderr, "vtkstream-render: interactive size %dx%d of %dx%d\n", chosen.w, chosen.h,
                         full.w, full.h);
          last_logged = chosen;
        }
        interactive_size = chosen;
        chosen_for = full;
        chosen_cap = cap;
        chosen_at = o.now;
        chosen_blind = !sizer.measured();
      }
      if (!d.interactive) interactive_size = {};
      size.apply(d.interactive ? interactive_size : full);
    }
    if (!d.render && !d.publish) continue;
    const auto t0 = Clock::now();
    if (d.render) window->Render();
    const bool read_back = d.publish && publisher.Publish(d.still);
    if (d.render && read_back) {
      // Render plus readback: what the size of the picture costs the renderer.
      const int* s = window->GetSize();
      sizer.record(s[0], s[1], std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
}

}  // namespace vtkstream::render
