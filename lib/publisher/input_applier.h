// Turns vtkstream input records into synthetic events on a vtkRenderWindowInteractor.
// Internal to libvtkstream.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "vtkstream/shm_layout.h"

class vtkRenderWindowInteractor;

namespace vtkstream {

class InputApplier {
 public:
  InputApplier(const std::vector<std::string>& extra_keys, bool allow_resize);

  void set_interactor(vtkRenderWindowInteractor* iren) { iren_ = iren; }

  // Applies one record. Returns true when it may change the picture by itself (a press, a key, a
  // resize, a drag step); a plain hover move returns false. Records that are malformed, refused
  // by the allow-list or arrive without an interactor are ignored and return false.
  bool apply(const shm::InputEvent& ev);

  bool pressed() const { return !buttons_.empty() || !touches_.empty(); }
  // True while the last resize request applied carried shm::kResizeExact (downstream takes only
  // that size); its size in *w, *h. A request refused (outside the limit, resizing not allowed)
  // changes nothing.
  bool pinned(int* w, int* h) const {
    if (!pinned_) return false;
    *w = pinned_w_;
    *h = pinned_h_;
    return true;
  }

  // The interactive size cap of the last kInteractiveCap record (none: false, or after a 0x0
  // record). Recorded whether or not resizing is allowed: it sizes nothing by itself.
  bool cap(int* w, int* h) const {
    if (cap_w_ <= 0 || cap_h_ <= 0) return false;
    *w = cap_w_;
    *h = cap_h_;
    return true;
  }

  static bool default_key_allowed(const std::string& key);

 private:
  struct Point {
    float x = 0, y = 0;
  };

  bool pointer(const shm::InputEvent& ev);
  bool wheel(const shm::InputEvent& ev);
  bool key(const shm::InputEvent& ev);
  bool resize(const shm::InputEvent& ev);
  bool touch(const shm::InputEvent& ev);

  // Sets the interactor's event position (from normalised top-left coordinates) and modifiers.
  void set_position(float x, float y, uint32_t modifiers);
  void invoke(unsigned long vtk_event);

  vtkRenderWindowInteractor* iren_ = nullptr;
  std::set<std::string> extra_keys_;
  bool allow_resize_;
  std::set<int> buttons_;           // remote mouse buttons held
  std::map<int, Point> touches_;    // touch id -> last position
  bool touch_drag_ = false;         // one finger is driving the left button
  float pinch_distance_ = 0;        // finger distance at the last zoom step
  bool pinned_ = false;             // the last resize applied was exact
  int pinned_w_ = 0, pinned_h_ = 0;
  int cap_w_ = 0, cap_h_ = 0;       // the interactive size cap, 0x0: none
};

}  // namespace vtkstream
