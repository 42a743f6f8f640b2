#include "vtkstream/publisher.h"

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkNew.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWeakPointer.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "input_applier.h"
#include "interaction_watch.h"
#include "vtkstream/shm.h"

namespace vtkstream {

struct Publisher::Impl {
  explicit Impl(const Options& o) : options(o), applier(o.extra_keys, o.allow_resize) {}

  Options options;
  std::unique_ptr<shm::FrameWriter> writer;
  vtkWeakPointer<vtkRenderWindow> window;
  vtkWeakPointer<vtkRenderWindowInteractor> iren;
  // The interactor AttachInteractor() put the timer on: SetInteractor() may name another one
  // since, and the timer must come off the one that has it.
  vtkWeakPointer<vtkRenderWindowInteractor> timer_iren;
  // Wraps slot memory during a readback (SetArray with save=1: VTK never frees it).
  vtkNew<vtkUnsignedCharArray> slot_array;
  InputApplier applier;
  std::vector<shm::InputEvent> batch;

  uint64_t last_input_seq = 0;
  uint64_t replaced_seen = 0;  // writer->objects_replaced() already reported
  bool pending = false;
  bool render_requested = false;
  bool warned_realloc = false;
  std::string error;

  vtkNew<vtkCallbackCommand> on_render_end;
  vtkNew<vtkCallbackCommand> on_timer;
  vtkNew<vtkCallbackCommand> on_render_request;
  InteractionWatch interaction;
  unsigned long render_end_tag = 0;
  unsigned long timer_tag = 0;
  int timer_id = -1;

  void set_error(std::string e) {
    // Reported once per distinct problem: Publish() runs every frame.
    if (e != error) std::fprintf(stderr, "vtkstream: %s\n", e.c_str());
    error = std::move(e);
  }
  void detach_observers();
  // Someone truncated or overwrote the ring and the writer published a fresh, empty one: say so,
  // and have the current picture published again so viewers get it back without new input.
  void note_replacement() {
    if (writer->objects_replaced() == replaced_seen) return;
    replaced_seen = writer->objects_replaced();
    std::fprintf(stderr, "vtkstream: %s\n", writer->last_damage().c_str());
    pending = true;
  }
};

namespace {

// Consecutive pointer moves collapse into the last one: the styles integrate relative motion, so
// the camera ends where it would have, at the cost of one event instead of twenty.
bool superseded(const shm::InputEvent& ev, const shm::InputEvent& next) {
  return ev.kind == static_cast<uint16_t>(shm::InputKind::kPointerMove) &&
         next.kind == ev.kind && next.modifiers == ev.modifiers;
}

}  // namespace

Publisher::Publisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Publisher> Publisher::create(const std::string& name, vtkRenderWindow* window,
                                             const Options& options, std::string* err) {
  if (!window) {
    *err = "vtkstream::Publisher needs a render window";
    return nullptr;
  }
  const int* size = window->GetSize();
  shm::FrameWriter::Options wopts;
  wopts.slots = options.slots;
  auto writer = shm::FrameWriter::create(name, static_cast<uint32_t>(std::max(size[0], 1)),
                                         static_cast<uint32_t>(std::max(size[1], 1)), wopts, err);
  if (!writer) return nullptr;

  auto impl = std::make_unique<Impl>(options);
  impl->writer = std::move(writer);
  impl->window = window;
  Impl* d = impl.get();
  d->on_render_end->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
    auto* p = static_cast<Publisher*>(self);
    p->Publish();
  });
  d->on_render_request->SetClientData(d);
  d->on_render_request->SetCallback([](vtkObject*, unsigned long, void* cd, void*) {
    static_cast<Impl*>(cd)->render_requested = true;
  });
  auto publisher = std::unique_ptr<Publisher>(new Publisher(std::move(impl)));
  // The render and timer callbacks call back into the Publisher, not the Impl.
  d->on_render_end->SetClientData(publisher.get());
  d->on_timer->SetClientData(publisher.get());
  d->on_timer->SetCallback([](vtkObject*, unsigned long, void* self, void* call_data) {
    auto* p = static_cast<Publisher*>(self);
    Impl& d = *p->impl_;
    if (!call_data || *static_cast<int*>(call_data) != d.timer_id) return;  // someone else's timer
    if (p->ProcessInput() && d.iren) d.iren->Render();  // publishes through on_render_end
    else if (d.pending && p->HasViewers()) p->Publish();  // a viewer arrived: show the scene
  });
  return publisher;
}

void Publisher::Impl::detach_observers() {
  if (window && render_end_tag) window->RemoveObserver(render_end_tag);
  if (timer_iren && timer_tag) timer_iren->RemoveObserver(timer_tag);
  if (timer_iren && timer_id >= 0) timer_iren->DestroyTimer(timer_id);
  render_end_tag = timer_tag = 0;
  timer_id = -1;
  timer_iren = nullptr;
}

Publisher::~Publisher() {
  impl_->detach_observers();
  impl_->slot_array->SetArray(nullptr, 0, 1);
}

bool Publisher::Publish(bool still) {
  Impl& d = *impl_;
  if (!d.window) return false;
  // Nobody watching: skip the readback. The very first frame is kept so a viewer that attaches
  // later has a picture at once instead of a black screen until the next input.
  if (d.writer->frames_published() > 0 && !d.writer->has_readers()) {
    d.pending = true;
    return false;
  }
  const int* size = d.window->GetSize();
  const int w = size[0], h = size[1];
  if (w <= 0 || h <= 0) return false;
  const uint32_t stride = static_cast<uint32_t>(w) * 4;
  const uint64_t bytes = static_cast<uint64_t>(stride) * static_cast<uint32_t>(h);
  std::string err;
  if (bytes > d.writer->capacity() && !d.writer->grow(bytes, &err)) {
    d.set_error("cannot grow the frame ring to " + std::to_string(w) + "x" + std::to_string(h) +
                ": " + err);
    return false;
  }
  uint8_t* slot = d.writer->begin_frame(static_cast<uint32_t>(w), static_cast<uint32_t>(h), stride,
                                        shm::PixelFormat::kRGBA,
                                        shm::kSlotBottomUp | (still ? shm::kSlotStill : 0u), &err);
  if (!slot) {
    d.set_error("cannot start a frame: " + err);
    return false;
  }
  // GL rows come bottom-up; the slot is tagged so and readers flip while copying, which keeps
  // the readback a single glReadPixels into shared memory. The front buffer holds the resolved
  // image even when the host kept VTK's multisampling.
  d.slot_array->SetNumberOfComponents(4);
  d.slot_array->SetArray(slot, static_cast<vtkIdType>(bytes), 1);
  const int ok = d.window->GetRGBACharPixelData(0, 0, w - 1, h - 1, 1, d.slot_array);
  if (ok && d.slot_array->GetPointer(0) != slot) {
    // VTK resized the array instead of filling ours (a VTK change we do not expect): keep the
    // picture correct at the cost of one more copy.
    if (!d.warned_realloc) {
      std::fprintf(stderr, "vtkstream: VTK reallocated the readback buffer; copying\n");
      d.warned_realloc = true;
    }
    std::memcpy(slot, d.slot_array->GetPointer(0),
                std::min<size_t>(bytes, d.slot_array->GetNumberOfValues()));
  }
  d.slot_array->SetArray(nullptr, 0, 1);  // never keep a pointer into a slot we handed back
  if (!ok) {
    d.writer->abort_frame();
    d.set_error("reading back the render window failed");
    return false;
  }
  d.writer->publish(shm::monotonic_ns(), d.last_input_seq);
  d.note_replacement();  // begin_frame may have replaced the object; this frame is in the new one
  d.pending = false;
  d.error.clear();  // a problem that comes back after a recovery is reported again
  return true;
}

void Publisher::AttachInteractor(vtkRenderWindowInteractor* iren) {
  Impl& d = *impl_;
  d.detach_observers();
  SetInteractor(iren);
  if (d.window) d.render_end_tag = d.window->AddObserver(vtkCommand::EndEvent, d.on_render_end);
  if (!iren) return;
  // VTK has no thread-safe way to post work into the host's event loop (an X11, Qt or generic
  // interactor each run their own), and input must be applied on the GUI thread. So remote
  // input is picked up by a repeating timer on that thread: 15 ms adds at most one frame
  // interval of latency at 60 Hz, and an idle tick costs a couple of atomic loads.
  d.timer_iren = iren;
  d.timer_tag = iren->AddObserver(vtkCommand::TimerEvent, d.on_timer);
  d.timer_id = iren->CreateRepeatingTimer(static_cast<unsigned long>(
      std::max(d.options.input_interval_ms, 1)));
}

void Publisher::SetInteractor(vtkRenderWindowInteractor* iren) {
  impl_->iren = iren;
  impl_->applier.set_interactor(iren);
  impl_->interaction.watch(iren);
}

bool Publisher::ProcessInput() {
  Impl& d = *impl_;
  d.batch.clear();
  if (d.writer->drain_input(&d.batch) == 0) return false;
  bool changed = false;
  vtkRenderWindowInteractor* iren = d.iren;
  // Styles call Render() after each step; hold those back and render once per batch instead.
  // The interactor still fires RenderEvent, which tells us a render was wanted (widgets that
  // highlight on hover ask for one too).
  int enable_render = 1;
  unsigned long tag = 0;
  if (iren) {
    enable_render = iren->GetEnableRender();
    iren->EnableRenderOff();
    d.render_requested = false;
    tag = iren->AddObserver(vtkCommand::RenderEvent, d.on_render_request);
  }
  for (size_t i = 0; i < d.batch.size(); ++i) {
    const shm::InputEvent& ev = d.batch[i];
    if (ev.kind == static_cast<uint16_t>(shm::InputKind::kInteractiveCap)) {
      // A setting from the server, not a viewer's input: it neither moves the echoed number (the
      // producer gave it none) nor counts as input for a host's loop (LastInputSeq unchanged).
      d.applier.apply(ev);
      continue;
    }
    // Every record counts as applied, refused ones included, so the echoed sequence number keeps
    // moving and a viewer's latency probe never waits for a key we chose to ignore. The last one
    // in ring order, not the largest: a restarted producer numbers from 1 again.
    d.last_input_seq = ev.seq;
    if (i + 1 < d.batch.size() && superseded(ev, d.batch[i + 1])) continue;
    changed |= d.applier.apply(ev);
  }
  if (iren) {
    iren->RemoveObserver(tag);
    iren->SetEnableRender(enable_render);
    changed |= d.render_requested;
  }
  return changed;
}

bool Publisher::WaitInput(int timeout_ms) {
  const bool woke = impl_->writer->wait_input(timeout_ms);
  impl_->note_replacement();
  return woke;
}
void Publisher::Wake() { impl_->writer->wake_input(); }
bool Publisher::HasViewers() const { return impl_->writer->has_readers(); }
bool Publisher::PublishPending() const { return impl_->pending; }
bool Publisher::Interacting() const { return impl_->applier.pressed(); }
bool Publisher::InteractionActive() const { return impl_->interaction.active(); }
uint64_t Publisher::InteractionStarts() const { return impl_->interaction.starts(); }
bool Publisher::SizePinned(int* w, int* h) const { return impl_->applier.pinned(w, h); }
bool Publisher::InteractiveSizeCap(int* w, int* h) const { return impl_->applier.cap(w, h); }
uint64_t Publisher::LastInputSeq() const { return impl_->last_input_seq; }
uint64_t Publisher::FramesPublished() const { return impl_->writer->frames_published(); }
const std::string& Publisher::Name() const { return impl_->writer->name(); }
const std::string& Publisher::LastError() const { return impl_->error; }

}  // namespace vtkstream
