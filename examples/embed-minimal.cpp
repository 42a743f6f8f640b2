// The smallest useful embedding of libvtkstream: an ordinary desktop VTK program (a cone in a
// window with the usual mouse interaction) that also publishes its window, so a vtkstream viewer
// sees it and can steer it. The vtkstream part is the three lines marked below.
//
//   embed-minimal [--shm NAME] [--frames N]
//
// --frames N spins the cone and quits after N frames were published (that is, watched): it lets
// a test drive the program under Xvfb without a person at the keyboard.
#include <vtkActor.h>
#include <vtkAutoInit.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkConeSource.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vtkstream/publisher.h"  // vtkstream (1/3)

VTK_MODULE_INIT(vtkRenderingOpenGL2);
VTK_MODULE_INIT(vtkInteractionStyle);

namespace {

struct Spin {
  vtkRenderWindowInteractor* iren;
  vtkRenderer* renderer;
  vtkstream::Publisher* publisher;
  unsigned long frames;
  int timer_id;
  std::chrono::steady_clock::time_point deadline;
  int exit_code = 0;
};

// Turns the camera a little and renders on each tick of our own timer; quits once enough frames
// reached a viewer (or nobody came in time).
void spin_tick(vtkObject*, unsigned long, void* client, void* call_data) {
  auto* s = static_cast<Spin*>(client);
  if (!call_data || *static_cast<int*>(call_data) != s->timer_id) return;  // vtkstream's timer
  if (s->publisher->FramesPublished() >= s->frames) {
    s->iren->TerminateApp();
  } else if (std::chrono::steady_clock::now() > s->deadline) {
    std::fprintf(stderr, "embed-minimal: no viewer took %lu frames in time\n", s->frames);
    s->exit_code = 1;
    s->iren->TerminateApp();
  } else {
    s->renderer->GetActiveCamera()->Azimuth(3);
    s->iren->Render();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "vtkstream";
  unsigned long frames = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--shm") && i + 1 < argc) name = argv[++i];
    else if (!std::strcmp(argv[i], "--frames") && i + 1 < argc) frames = std::strtoul(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: embed-minimal [--shm NAME] [--frames N]\n");
      return 2;
    }
  }

  vtkNew<vtkConeSource> cone;
  cone->SetResolution(48);
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(cone->GetOutputPort());
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  vtkNew<vtkRenderer> renderer;
  renderer->AddActor(actor);
  renderer->SetBackground(0.1, 0.2, 0.3);
  vtkNew<vtkRenderWindow> window;
  window->SetSize(640, 480);
  window->SetMultiSamples(0);  // not required; saves a resolve per published frame
  window->AddRenderer(renderer);
  vtkNew<vtkRenderWindowInteractor> iren;
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  iren->SetInteractorStyle(style);
  iren->SetRenderWindow(window);

  std::string err;  // vtkstream (2/3)
  auto publisher = vtkstream::Publisher::create(name, window, {}, &err);
  if (!publisher) {
    std::fprintf(stderr, "embed-minimal: %s\n", err.c_str());
    return 1;
  }
  publisher->AttachInteractor(iren);  // vtkstream (3/3)

  Spin spin{iren, renderer, publisher.get(), frames, -1,
            std::chrono::steady_clock::now() + std::chrono::seconds(20)};
  vtkNew<vtkCallbackCommand> tick;
  if (frames > 0) {
    tick->SetCallback(spin_tick);
    tick->SetClientData(&spin);
    iren->Initialize();
    iren->AddObserver(vtkCommand::TimerEvent, tick);
    spin.timer_id = iren->CreateRepeatingTimer(30);
  }
  window->Render();
  iren->Start();
  return spin.exit_code;
}
