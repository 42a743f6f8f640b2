// libvtkstream: publish a VTK render window to vtkstream viewers from your own program.
//
// Minimal use in a desktop VTK program (see examples/embed-minimal.cpp):
//
//   std::string err;
//   auto pub = vtkstream::Publisher::create("demo", renderWindow, {}, &err);
//   if (!pub) { std::cerr << err << "\n"; return 1; }
//   pub->AttachInteractor(interactor);  // publishes after each render, applies remote input
//   interactor->Start();
//
// Programs with their own loop (like vtkstream-render) skip AttachInteractor and call
// SetInteractor(), then WaitInput() / ProcessInput() / Render() / Publish() themselves.
//
// Guarantees to the host program:
// * Nothing here waits for a viewer. Publish() reads the window back straight into a free slot of
//   the shared-memory ring and returns; a slow, stuck or crashed viewer cannot stall the host.
// * Publishing costs nothing with no viewer: while no reader is attached the readback is skipped
//   (except for the very first frame, so a viewer that attaches later has a picture at once).
// * Remote input is applied only on the thread that calls ProcessInput() (the host's GUI thread),
//   as synthetic interactor events, so interactor styles and widgets behave as with a local mouse.
//   Keys go through an allow-list: remote viewers cannot trigger exits ('q', 'e') or stereo.
//
// All methods except Wake() must be called from the thread that owns the render window.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vtkstream/export.h"

class vtkRenderWindow;
class vtkRenderWindowInteractor;

namespace vtkstream {

class VTKSTREAM_API Publisher {
 public:
  struct Options {
    uint32_t slots = 4;  // frame slots in the ring (3..16)
    // Period of the timer AttachInteractor() installs to apply remote input (see publisher.cpp
    // for why a timer is needed at all).
    int input_interval_ms = 15;
    // Honour viewers' resize requests by resizing the render window.
    bool allow_resize = true;
    // Key names (X11 keysym style, e.g. "r", "Left") allowed in addition to the default list
    // (camera reset, surface/wireframe, fly-to, pick and the arrow keys).
    std::vector<std::string> extra_keys;
  };

  // Creates the shared-memory ring `name` (replacing a stale one) sized for `window`'s current
  // size. Returns nullptr and sets `err` when the name is invalid or the ring cannot be created.
  static std::unique_ptr<Publisher> create(const std::string& name, vtkRenderWindow* window,
                                           const Options& options, std::string* err);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Reads the last rendered image back into the ring and publishes it, stamped with the
  // monotonic clock and the sequence number of the last input event applied. Grows the ring when
  // the window became larger. Returns true when a frame was published; false when skipped (no
  // viewer) or on error (see LastError()).
  // `still`: this is the settled, full-size picture after an interaction (vtksrc passes the mark
  // on as the frame meta's `still` field and vtkstreamsink encodes it at a higher quality).
  bool Publish(bool still = false);

  // Publish() after every render of the window, and apply remote input from a repeating timer of
  // `iren` (Options::input_interval_ms), rendering once after each batch that changed something.
  void AttachInteractor(vtkRenderWindowInteractor* iren);

  // Only names the interactor that ProcessInput() drives; installs no observer or timer.
  void SetInteractor(vtkRenderWindowInteractor* iren);

  // Applies every queued remote input event to the interactor. Does not render: rendering
  // requests from interactor styles are suppressed while the batch is applied and reported
  // through the return value instead, so a batch of 20 pointer moves costs one render.
  // Returns true when the scene may have changed (the caller should render).
  bool ProcessInput();

  // Sleeps until remote input arrives, Wake() is called or `timeout_ms` passes (< 0: no limit).
  // A futex wait, no polling; a signal delivered to this thread ends it too. Returns true when
  // input may be available.
  bool WaitInput(int timeout_ms);
  // Breaks a WaitInput() in progress. The only method safe to call from any thread.
  void Wake();

  bool HasViewers() const;
  // True when a render happened but was not published because nobody was watching; publish it
  // when a viewer appears (AttachInteractor's timer does this by itself).
  bool PublishPending() const;
  // True while a remote button or finger is held down.
  bool Interacting() const;
  // The interactor style's view of interaction (its StartInteractionEvent / EndInteractionEvent,
  // which trackball-style drags and each wheel step fire): true between the two, and a counter
  // of starts so that a Start and End within one ProcessInput() batch (a wheel step) is seen.
  bool InteractionActive() const;
  uint64_t InteractionStarts() const;
  // True while the last resize request applied was exact (shm::kResizeExact: downstream takes
  // frames of that size only, for instance a pipeline whose caps fix the size); its size in *w,
  // *h. The window was resized to it like for any request; a host that renders smaller on its
  // own (level of detail while interacting) must not do so while this is true, or its frames
  // are dropped and vtksrc reports the renderer as refusing the size. A later request without
  // the bit lifts the pin.
  bool SizePinned(int* w, int* h) const;
  // True while the server asks for interactive frames of at most *w x *h (the rung the
  // controlling viewer receives: it would scale anything larger down before encoding). A host
  // that renders smaller while interacting should render at most that size, keeping the window's
  // aspect, and its still after the interaction at the full size; vtkstream-render does. Set by
  // the server's shm::InputKind::kInteractiveCap records, false again after a 0x0 one (that
  // viewer moved to the top rung, or nobody steers). Advisory: the library resizes nothing, and
  // the pin (SizePinned) wins over it. Applying the record does not count as input (LastInputSeq
  // stays, ProcessInput returns false for it).
  bool InteractiveSizeCap(int* w, int* h) const;
  // Sequence number of the last input record taken from the ring (echoed in every frame).
  uint64_t LastInputSeq() const;
  uint64_t FramesPublished() const;
  const std::string& Name() const;
  const std::string& LastError() const;

  struct VTKSTREAM_LOCAL Impl;

 private:
  VTKSTREAM_LOCAL explicit Publisher(std::unique_ptr<Impl> impl);  // create() only
  std::unique_ptr<Impl> impl_;
};

}  // namespace vtkstream
