// Unit tests of the input mapping (lib/publisher/input_applier.h): no GL needed, the interactor
// is never rendered, events are recorded by observers.
#include <gtest/gtest.h>
#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkNew.h>

#include <cstring>
#include <string>
#include <vector>

#include "input_applier.h"

namespace vtkstream {
namespace {

using shm::InputEvent;
using shm::InputKind;

struct Recorded {
  unsigned long event;
  int x, y;
  std::string keysym;
  bool ctrl;
};

class InputApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    window_->SetSize(200, 100);
    iren_->SetRenderWindow(window_);
    iren_->SetSize(200, 100);
    observer_->SetClientData(this);
    observer_->SetCallback([](vtkObject* caller, unsigned long ev, void* self, void*) {
      auto* t = static_cast<InputApplierTest*>(self);
      auto* i = static_cast<vtkRenderWindowInteractor*>(caller);
      t->seen_.push_back({ev, i->GetEventPosition()[0], i->GetEventPosition()[1],
                          i->GetKeySym() ? i->GetKeySym() : "", i->GetControlKey() != 0});
    });
    for (unsigned long ev : {vtkCommand::MouseMoveEvent, vtkCommand::LeftButtonPressEvent,
                             vtkCommand::LeftButtonReleaseEvent, vtkCommand::RightButtonPressEvent,
                             vtkCommand::MouseWheelForwardEvent, vtkCommand::MouseWheelBackwardEvent,
                             vtkCommand::KeyPressEvent, vtkCommand::CharEvent,
                             vtkCommand::KeyReleaseEvent})
      iren_->AddObserver(ev, observer_);
    applier_.set_interactor(iren_);
  }

  static InputEvent ev(InputKind kind, float x = 0, float y = 0, uint16_t button = 1) {
    InputEvent e;
    e.kind = static_cast<uint16_t>(kind);
    e.x = x;
    e.y = y;
    e.button = button;
    return e;
  }
  static InputEvent key(InputKind kind, const char* name) {
    InputEvent e = ev(kind);
    std::strncpy(e.key, name, sizeof e.key - 1);
    return e;
  }

  vtkNew<vtkGenericOpenGLRenderWindow> window_;
  vtkNew<vtkGenericRenderWindowInteractor> iren_;
  vtkNew<vtkCallbackCommand> observer_;
  InputApplier applier_{{}, true};
  std::vector<Recorded> seen_;
};

TEST_F(InputApplierTest, TopLeftOriginMapsToVtkBottomLeft) {
  EXPECT_TRUE(applier_.apply(ev(InputKind::kPointerDown, 0.25f, 0.0f)));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].event, vtkCommand::LeftButtonPressEvent);
  EXPECT_EQ(seen_[0].x, 50);
  EXPECT_EQ(seen_[0].y, 99);  // top row of a 100-pixel window in VTK's bottom-up coordinates
}

TEST_F(InputApplierTest, HoverIsNotAChangeButDragIs) {
  EXPECT_FALSE(applier_.apply(ev(InputKind::kPointerMove, 0.5f, 0.5f)));
  EXPECT_TRUE(applier_.apply(ev(InputKind::kPointerDown, 0.5f, 0.5f)));
  EXPECT_TRUE(applier_.pressed());
}

TEST_F(InputApplierTest, UnbalancedReleaseAndUnknownButtonAreDropped) {
  EXPECT_FALSE(applier_.apply(ev(InputKind::kPointerUp, 0.5f, 0.5f)));
  EXPECT_FALSE(applier_.apply(ev(InputKind::kPointerDown, 0.5f, 0.5f, 9)));
  EXPECT_TRUE(seen_.empty());
}

TEST_F(InputApplierTest, ExitKeysAreRefused) {
  EXPECT_FALSE(applier_.apply(key(InputKind::kKeyDown, "q")));
  EXPECT_FALSE(applier_.apply(key(InputKind::kKeyDown, "e")));
  EXPECT_FALSE(applier_.apply(key(InputKind::kKeyDown, "3")));
  EXPECT_TRUE(seen_.empty());
  EXPECT_TRUE(applier_.apply(key(InputKind::kKeyDown, "r")));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].event, vtkCommand::KeyPressEvent);
  EXPECT_EQ(seen_[1].event, vtkCommand::CharEvent);
  EXPECT_EQ(seen_[1].keysym, "r");
}

TEST_F(InputApplierTest, UnterminatedKeyNameIsSafe) {
  InputEvent e = ev(InputKind::kKeyDown);
  std::memset(e.key, 'r', sizeof e.key);  // no NUL anywhere
  EXPECT_FALSE(applier_.apply(e));
}

TEST_F(InputApplierTest, WheelDownZoomsOut) {
  InputEvent e = ev(InputKind::kWheel, 0.5f, 0.5f);
  e.wheel_dy = 120;
  EXPECT_TRUE(applier_.apply(e));
  e.wheel_dy = -3;
  EXPECT_TRUE(applier_.apply(e));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].event, vtkCommand::MouseWheelBackwardEvent);
  EXPECT_EQ(seen_[1].event, vtkCommand::MouseWheelForwardEvent);
}

TEST_F(InputApplierTest, NonFiniteCoordinatesAreIgnored) {
  EXPECT_FALSE(applier_.apply(ev(InputKind::kPointerDown, NAN, 0.5f)));
  EXPECT_FALSE(applier_.apply(ev(InputKind::kPointerMove, 0.5f, INFINITY)));
  EXPECT_TRUE(seen_.empty());
}

TEST_F(InputApplierTest, OneFingerDragsTwoFingersPinch) {
  InputEvent a = ev(InputKind::kTouchDown, 0.5f, 0.5f, 0);
  EXPECT_TRUE(applier_.apply(a));
  ASSERT_EQ(seen_.back().event, vtkCommand::LeftButtonPressEvent);
  InputEvent b = ev(InputKind::kTouchDown, 0.6f, 0.5f, 1);
  EXPECT_TRUE(applier_.apply(b));
  EXPECT_EQ(seen_.back().event, vtkCommand::LeftButtonReleaseEvent);  // rotation ends
  InputEvent spread = ev(InputKind::kTouchMove, 0.8f, 0.5f, 1);        // distance 0.1 -> 0.3
  EXPECT_TRUE(applier_.apply(spread));
  EXPECT_EQ(seen_.back().event, vtkCommand::MouseWheelForwardEvent);
}

TEST_F(InputApplierTest, ResizeIsBoundedAndApplied) {
  InputEvent r = ev(InputKind::kResize);
  r.width = 100000;
  r.height = 100;
  EXPECT_FALSE(applier_.apply(r));
  r.width = 320;
  r.height = 240;
  EXPECT_TRUE(applier_.apply(r));
  EXPECT_EQ(window_->GetSize()[0], 320);
  EXPECT_EQ(window_->GetSize()[1], 240);
}

// The exact bit pins the size (vtkstream-render then keeps it while interacting); the last
// request applied decides, and a refused one changes nothing.
TEST_F(InputApplierTest, AnExactResizePinsTheSizeUntilARequestWithoutTheBit) {
  int w = 0, h = 0;
  EXPECT_FALSE(applier_.pinned(&w, &h));
  InputEvent r = ev(InputKind::kResize, 0, 0, shm::kResizeExact);
  r.width = 200;  // the window's size already: no change, but pinned
  r.height = 100;
  EXPECT_FALSE(applier_.apply(r));
  ASSERT_TRUE(applier_.pinned(&w, &h));
  EXPECT_EQ(w, 200);
  EXPECT_EQ(h, 100);
  r.width = 100000;  // refused: the pin stays as it was
  EXPECT_FALSE(applier_.apply(r));
  EXPECT_TRUE(applier_.pinned(&w, &h));
  EXPECT_EQ(w, 200);
  r = ev(InputKind::kResize, 0, 0, 0);  // a viewer's window size
  r.width = 320;
  r.height = 240;
  EXPECT_TRUE(applier_.apply(r));
  EXPECT_FALSE(applier_.pinned(&w, &h));
}

}  // namespace
// The interactive size cap is recorded, changes nothing by itself (no resize, no render), and
// 0x0 or a size outside the resize limit means none.
TEST_F(InputApplierTest, InteractiveCapIsRecordedAndChangesNothing) {
  int w = 0, h = 0;
  EXPECT_FALSE(applier_.cap(&w, &h));
  const int* before = window_->GetSize();
  const int bw = before[0], bh = before[1];
  InputEvent c = ev(InputKind::kInteractiveCap, 0, 0, 0);
  c.width = 4096;
  c.height = 360;
  EXPECT_FALSE(applier_.apply(c));
  ASSERT_TRUE(applier_.cap(&w, &h));
  EXPECT_EQ(w, 4096);
  EXPECT_EQ(h, 360);
  EXPECT_EQ(window_->GetSize()[0], bw);
  EXPECT_EQ(window_->GetSize()[1], bh);
  EXPECT_TRUE(seen_.empty()) << "a cap reached the interactor";
  c.width = c.height = 0;
  EXPECT_FALSE(applier_.apply(c));
  EXPECT_FALSE(applier_.cap(&w, &h));
  c.width = 5000;
  c.height = 360;
  EXPECT_FALSE(applier_.apply(c));
  EXPECT_FALSE(applier_.cap(&w, &h));
}

}  // namespace vtkstream
