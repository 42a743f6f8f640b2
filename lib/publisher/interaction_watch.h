// Follows the interactor style's StartInteractionEvent / EndInteractionEvent: VTK's own notion of
// "someone is interacting" (a drag between press and release, each wheel step, a fly-to), the
// moment ParaView and vtk.js switch between fast interactive frames and a full-quality still.
// Internal to libvtkstream.
#pragma once

#include <vtkNew.h>
#include <vtkWeakPointer.h>

#include <cstdint>

class vtkCallbackCommand;
class vtkInteractorObserver;
class vtkRenderWindowInteractor;

namespace vtkstream {

class InteractionWatch {
 public:
  InteractionWatch();
  ~InteractionWatch();
  InteractionWatch(const InteractionWatch&) = delete;
  InteractionWatch& operator=(const InteractionWatch&) = delete;

  // Observes the style `iren` has now (nullptr: stops watching). A style set on the interactor
  // later is not followed: call again after changing it.
  void watch(vtkRenderWindowInteractor* iren);

  bool active() const { return depth_ > 0; }
  // Starts seen so far: a Start and End inside one batch of input still counts.
  uint64_t starts() const { return starts_; }

 private:
  void detach();

  vtkWeakPointer<vtkInteractorObserver> style_;
  vtkNew<vtkCallbackCommand> on_event_;
  unsigned long start_tag_ = 0, end_tag_ = 0;
  int depth_ = 0;  // Start/End pairs nest in some styles (a widget inside a drag)
  uint64_t starts_ = 0;
};

}  // namespace vtkstream
