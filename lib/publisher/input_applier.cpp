#include "input_applier.h"

#include <vtkCommand.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vtkstream {

using shm::InputEvent;
using shm::InputKind;

namespace {

// Resize requests outside the resize limit (shm_layout.h) are refused: a viewer must not be able
// to make the renderer allocate gigabytes.
using shm::kMaxRequestedDimension;
using shm::kMinRequestedDimension;
constexpr size_t kMaxTouches = 10;
// A pinch zooms one wheel step each time the finger distance changes by this factor.
constexpr float kPinchStep = 1.15f;
constexpr float kMinPinchDistance = 0.02f;  // normalised units
constexpr int kMaxPinchSteps = 4;           // per record

bool finite01(float v) { return std::isfinite(v); }

float clamp01(float v) { return std::clamp(v, 0.0f, 1.0f); }

std::string key_name(const InputEvent& ev) {
  // The record is not trusted to be NUL-terminated.
  return std::string(ev.key, strnlen(ev.key, sizeof ev.key));
}

}  // namespace

InputApplier::InputApplier(const std::vector<std::string>& extra_keys, bool allow_resize)
    : extra_keys_(extra_keys.begin(), extra_keys.end()), allow_resize_(allow_resize) {}

// The default allow-list: what vtkInteractorStyle's keys do that is safe to hand to anyone.
// Left out on purpose: q/e (exit the host program), 3 (stereo), u (user callback), j/t/c/a (style
// switches, which would leave the host with a different interaction mode).
bool InputApplier::default_key_allowed(const std::string& key) {
  static const std::set<std::string> allowed = {
      "r", "R", "w", "W", "s", "S", "f", "F", "p", "P",
      "Left", "Right", "Up", "Down", "plus", "minus", "+", "-"};
  return allowed.count(key) > 0;
}

bool InputApplier::apply(const InputEvent& ev) {
  if (static_cast<InputKind>(ev.kind) == InputKind::kInteractiveCap) {
    // Nothing changes in the picture, and no interactor is needed: the host's loop reads the cap
    // when it next sizes a render during an interaction (Publisher::InteractiveSizeCap). 0x0, or a
    // size outside the resize limit, means none.
    const bool ok = ev.width >= kMinRequestedDimension && ev.height >= kMinRequestedDimension &&
                    ev.width <= kMaxRequestedDimension && ev.height <= kMaxRequestedDimension;
    cap_w_ = ok ? static_cast<int>(ev.width) : 0;
    cap_h_ = ok ? static_cast<int>(ev.height) : 0;
    return false;
  }
  if (!iren_) return false;
  switch (static_cast<InputKind>(ev.kind)) {
    case InputKind::kPointerMove:
    case InputKind::kPointerDown:
    case InputKind::kPointerUp:
      return pointer(ev);
    case InputKind::kWheel:
      return wheel(ev);
    case InputKind::kKeyDown:
    case InputKind::kKeyUp:
      return key(ev);
    case InputKind::kResize:
      return resize(ev);
    case InputKind::kTouchDown:
    case InputKind::kTouchMove:
    case InputKind::kTouchUp:
      return touch(ev);
    case InputKind::kTouchFrame:
      return false;
    case InputKind::kInteractiveCap:
      return false;  // taken above
  }
  return false;  // unknown kind from a newer or foreign producer
}

void InputApplier::set_position(float x, float y, uint32_t modifiers) {
  const int* size = iren_->GetRenderWindow() ? iren_->GetRenderWindow()->GetSize() : iren_->GetSize();
  const int w = std::max(size[0], 1), h = std::max(size[1], 1);
  const int px = std::min(static_cast<int>(clamp01(x) * w), w - 1);
  const int py = std::min(static_cast<int>(clamp01(y) * h), h - 1);
  // VTK's origin is bottom-left; FlipY converts from our top-left origin using the interactor's
  // size, so keep that in step with the window first.
  iren_->UpdateSize(w, h);
  iren_->SetEventInformationFlipY(px, py, (modifiers & shm::kModControl) ? 1 : 0,
                                  (modifiers & shm::kModShift) ? 1 : 0);
  iren_->SetAltKey((modifiers & shm::kModAlt) ? 1 : 0);
}

void InputApplier::invoke(unsigned long vtk_event) { iren_->InvokeEvent(vtk_event, nullptr); }

bool InputApplier::pointer(const InputEvent& ev) {
  if (!finite01(ev.x) || !finite01(ev.y)) return false;
  set_position(ev.x, ev.y, ev.modifiers);
  const auto kind = static_cast<InputKind>(ev.kind);
  if (kind == InputKind::kPointerMove) {
    invoke(vtkCommand::MouseMoveEvent);
    return !buttons_.empty();
  }
  const bool down = kind == InputKind::kPointerDown;
  unsigned long vtk_event = 0;
  switch (ev.button) {
    case 1: vtk_event = down ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent; break;
    case 2: vtk_event = down ? vtkCommand::MiddleButtonPressEvent : vtkCommand::MiddleButtonReleaseEvent; break;
    case 3: vtk_event = down ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent; break;
    default: return false;
  }
  // A release without a press (the viewer joined mid-drag) or a second press is dropped so the
  // style's state machine stays balanced.
  if (down == (buttons_.count(ev.button) > 0)) return false;
  if (down) buttons_.insert(ev.button); else buttons_.erase(ev.button);
  invoke(vtk_event);
  return true;
}

bool InputApplier::wheel(const InputEvent& ev) {
  if (!finite01(ev.x) || !finite01(ev.y) || !std::isfinite(ev.wheel_dx) ||
      !std::isfinite(ev.wheel_dy))
    return false;
  set_position(ev.x, ev.y, ev.modifiers);
  // One VTK wheel step per record whatever the magnitude: browsers disagree wildly on units.
  // Scrolling down (towards the user's body, positive dy) zooms out, as on a desktop.
  if (ev.wheel_dy < 0) invoke(vtkCommand::MouseWheelForwardEvent);
  else if (ev.wheel_dy > 0) invoke(vtkCommand::MouseWheelBackwardEvent);
  else if (ev.wheel_dx < 0) invoke(vtkCommand::MouseWheelLeftEvent);
  else if (ev.wheel_dx > 0) invoke(vtkCommand::MouseWheelRightEvent);
  else return false;
  return true;
}

bool InputApplier::key(const InputEvent& ev) {
  const std::string name = key_name(ev);
  if (name.empty() || !(default_key_allowed(name) || extra_keys_.count(name))) return false;
  // Single printable characters are also the key code; named keys ("Left") have none.
  const char code = name.size() == 1 ? name[0] : 0;
  iren_->SetKeyEventInformation((ev.modifiers & shm::kModControl) ? 1 : 0,
                                (ev.modifiers & shm::kModShift) ? 1 : 0, code, 0, name.c_str());
  iren_->SetAltKey((ev.modifiers & shm::kModAlt) ? 1 : 0);
  if (static_cast<InputKind>(ev.kind) == InputKind::kKeyDown) {
    invoke(vtkCommand::KeyPressEvent);
    invoke(vtkCommand::CharEvent);  // what vtkInteractorStyle's OnChar keys react to
  } else {
    invoke(vtkCommand::KeyReleaseEvent);
  }
  return true;
}

bool InputApplier::resize(const InputEvent& ev) {
  if (!allow_resize_ || !iren_->GetRenderWindow()) return false;
  if (ev.width < kMinRequestedDimension || ev.height < kMinRequestedDimension ||
      ev.width > kMaxRequestedDimension || ev.height > kMaxRequestedDimension)
    return false;
  const int w = static_cast<int>(ev.width), h = static_cast<int>(ev.height);
  // Recorded even when the window has that size already: the pin is what matters then.
  pinned_ = (ev.button & shm::kResizeExact) != 0;
  pinned_w_ = w;
  pinned_h_ = h;
  const int* cur = iren_->GetRenderWindow()->GetSize();
  if (cur[0] == w && cur[1] == h) return false;
  iren_->GetRenderWindow()->SetSize(w, h);
  iren_->UpdateSize(w, h);
  return true;
}

// Touch: one finger drags like the left button (rotate); two fingers pinch to zoom in wheel
// steps. Deliberately simple: no two-finger pan or twist.
bool InputApplier::touch(const InputEvent& ev) {
  if (!finite01(ev.x) || !finite01(ev.y)) return false;
  const int id = ev.button;
  const Point p{clamp01(ev.x), clamp01(ev.y)};
  const auto kind = static_cast<InputKind>(ev.kind);
  auto distance = [this] {
    const Point a = touches_.begin()->second, b = std::next(touches_.begin())->second;
    return std::hypot(a.x - b.x, a.y - b.y);
  };
  auto end_drag = [this](const Point& at) {
    if (!touch_drag_) return;
    touch_drag_ = false;
    set_position(at.x, at.y, 0);
    invoke(vtkCommand::LeftButtonReleaseEvent);
  };

  if (kind == InputKind::kTouchDown) {
    if (touches_.count(id) || touches_.size() >= kMaxTouches) return false;
    touches_[id] = p;
    if (touches_.size() == 1) {
      set_position(p.x, p.y, 0);
      invoke(vtkCommand::LeftButtonPressEvent);
      touch_drag_ = true;
    } else if (touches_.size() == 2) {
      end_drag(touches_.begin()->second);
      pinch_distance_ = std::max(distance(), kMinPinchDistance);
    }
    return true;
  }
  auto it = touches_.find(id);
  if (it == touches_.end()) return false;
  if (kind == InputKind::kTouchMove) {
    it->second = p;
    if (touches_.size() == 1 && touch_drag_) {
      set_position(p.x, p.y, 0);
      invoke(vtkCommand::MouseMoveEvent);
      return true;
    }
    if (touches_.size() != 2) return false;
    // Fingers that start (almost) together would turn any spread into dozens of steps.
    const float d = std::max(distance(), kMinPinchDistance);
    bool zoomed = false;
    for (int i = 0; i < kMaxPinchSteps && d > pinch_distance_ * kPinchStep; ++i) {
      invoke(vtkCommand::MouseWheelForwardEvent);
      pinch_distance_ *= kPinchStep;
      zoomed = true;
    }
    for (int i = 0; i < kMaxPinchSteps && d < pinch_distance_ / kPinchStep; ++i) {
      invoke(vtkCommand::MouseWheelBackwardEvent);
      pinch_distance_ /= kPinchStep;
      zoomed = true;
    }
    if (zoomed) pinch_distance_ = d;  // a fast pinch does not accumulate a backlog of steps
    return zoomed;
  }
  // kTouchUp. Lifting one of two fingers does not restart the drag: the remaining finger would
  // make the camera jump.
  touches_.erase(it);
  if (touches_.empty()) {
    const bool was_drag = touch_drag_;
    end_drag(p);
    pinch_distance_ = 0;
    return was_drag;
  }
  return false;
}

}  // namespace vtkstream
