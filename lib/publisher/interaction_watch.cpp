#include "interaction_watch.h"

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkInteractorObserver.h>
#include <vtkRenderWindowInteractor.h>

namespace vtkstream {

InteractionWatch::InteractionWatch() {
  on_event_->SetClientData(this);
  on_event_->SetCallback([](vtkObject*, unsigned long event, void* self, void*) {
    auto* w = static_cast<InteractionWatch*>(self);
    if (event == vtkCommand::StartInteractionEvent) {
      ++w->depth_;
      ++w->starts_;
    } else if (w->depth_ > 0) {  // an End without a Start (watching began mid-drag) is ignored
      --w->depth_;
    }
  });
}

InteractionWatch::~InteractionWatch() { detach(); }

void InteractionWatch::detach() {
  if (style_) {
    style_->RemoveObserver(start_tag_);
    style_->RemoveObserver(end_tag_);
  }
  style_ = nullptr;
  start_tag_ = end_tag_ = 0;
  depth_ = 0;
}

void InteractionWatch::watch(vtkRenderWindowInteractor* iren) {
  detach();
  vtkInteractorObserver* style = iren ? iren->GetInteractorStyle() : nullptr;
  if (!style) return;
  style_ = style;
  start_tag_ = style->AddObserver(vtkCommand::StartInteractionEvent, on_event_);
  end_tag_ = style->AddObserver(vtkCommand::EndInteractionEvent, on_event_);
}

}  // namespace vtkstream
