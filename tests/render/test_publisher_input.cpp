// Publisher::ProcessInput against a real ring and a real interactor style, without a GL
// context: input is applied and reported, nothing is rendered.
#include <gtest/gtest.h>
#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkRenderer.h>

#include <cstring>

#include "render_test_util.h"
#include "vtkstream/publisher.h"

namespace vtkstream::test {
namespace {

class PublisherInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    window_->SetSize(320, 240);
    window_->AddRenderer(renderer_);
    iren_->SetInteractorStyle(style_);
    iren_->SetRenderWindow(window_);
    std::string err;
    publisher_ = Publisher::create(name_, window_, {}, &err);
    ASSERT_TRUE(publisher_) << err;
    publisher_->SetInteractor(iren_);
    // Input only: nobody watches frames here, and an InputWriter does not count as a viewer.
    input_ = std::make_unique<shm::InputWriter>(name_);
  }

  std::string name_ = unique_name("render");
  vtkNew<vtkGenericOpenGLRenderWindow> window_;  // never rendered: no context needed
  vtkNew<vtkRenderer> renderer_;
  vtkNew<vtkGenericRenderWindowInteractor> iren_;
  vtkNew<vtkInteractorStyleTrackballCamera> style_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<shm::InputWriter> input_;
};

TEST_F(PublisherInputTest, DragRotatesCameraAndIsReported) {
  double before[3];
  renderer_->GetActiveCamera()->GetPosition(before);
  uint64_t seq = 0;
  ASSERT_TRUE(input_->push(pointer_event(shm::InputKind::kPointerDown, ++seq, 0.5f, 0.5f)));
  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE(input_->push(pointer_event(shm::InputKind::kPointerMove, ++seq, 0.5f + 0.05f * i, 0.5f)));
  ASSERT_TRUE(publisher_->WaitInput(5000));
  EXPECT_TRUE(publisher_->ProcessInput());
  EXPECT_EQ(publisher_->LastInputSeq(), seq);
  EXPECT_TRUE(publisher_->Interacting());
  double after[3];
  renderer_->GetActiveCamera()->GetPosition(after);
  EXPECT_GT(std::abs(after[0] - before[0]) + std::abs(after[2] - before[2]), 1e-3);

  ASSERT_TRUE(input_->push(pointer_event(shm::InputKind::kPointerUp, ++seq, 0.75f, 0.5f)));
  ASSERT_TRUE(publisher_->WaitInput(5000));
  publisher_->ProcessInput();
  EXPECT_FALSE(publisher_->Interacting());
}

TEST_F(PublisherInputTest, RefusedKeyChangesNothingButIsEchoed) {
  shm::InputEvent ev;
  ev.kind = static_cast<uint16_t>(shm::InputKind::kKeyDown);
  ev.seq = 42;
  std::strcpy(ev.key, "q");
  ASSERT_TRUE(input_->push(ev));
  ASSERT_TRUE(publisher_->WaitInput(5000));
  EXPECT_FALSE(publisher_->ProcessInput());
  EXPECT_EQ(publisher_->LastInputSeq(), 42u);  // a latency probe must not stall on it
}

TEST_F(PublisherInputTest, NoInputMeansNoChange) {
  EXPECT_FALSE(publisher_->WaitInput(20));
  EXPECT_FALSE(publisher_->ProcessInput());
  EXPECT_EQ(publisher_->LastInputSeq(), 0u);
}

}  // namespace
}  // namespace vtkstream::test
