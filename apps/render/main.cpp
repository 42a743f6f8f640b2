// vtkstream-render: renders a VTK scene headless and publishes it through shared memory.
#include <glib.h>
#include <pthread.h>
#include <signal.h>

#include <vtkDataSet.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>

#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <future>
#include <thread>

#include "app_log.h"
#include "backend.h"
#include "loaders.h"
#include "options.h"
#include "render_loop.h"
#include "scene.h"
#include "vtk_messages.h"
#include "vtkstream/publisher.h"

using namespace vtkstream;
using namespace vtkstream::render;

namespace {

// SIGINT/SIGTERM are blocked in every thread and taken by this one with sigwait, so the main
// loop needs no async-signal-safe code. A wake can race with the loop entering its futex wait
// (it may read the counter after our bump), so the wake is repeated until the loop confirms it
// left; that costs nothing until shutdown.
class SignalWatcher {
 public:
  // `set` must already be blocked in every thread (main() does it before any thread exists:
  // llvmpipe and the shm heartbeat start their own).
  explicit SignalWatcher(const sigset_t& set) : set_(set) {}
  ~SignalWatcher() { finish(); }

  // Started first thing, so Ctrl-C during a long file load ends the program right after it.
  void start() {
    thread_ = std::thread([this] {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || sig == SIGUSR1) return;
      stop.store(true, std::memory_order_release);
      // Bounded: a render loop stuck in a driver or a loader never sees the flag, and a renderer
      // asked to go (by its supervisor, or by the kernel when the server died: PR_SET_PDEATHSIG)
      // must not linger as an orphan. After 3 s it leaves without cleaning up; the next
      // vtkstream-serve removes the ring it leaves behind (shm::sweep_stale).
      for (int i = 0;; ++i) {
        if (Publisher* p = publisher_.load()) p->Wake();
        if (left_loop_.wait_for(std::chrono::milliseconds(20)) == std::future_status::ready) break;
        if (i == 150) {
          APP_LOG_ERROR("still busy 3 s after signal %d; exiting without cleanup", sig);
          std::_Exit(1);
        }
      }
    });
  }
  void set_publisher(Publisher* p) { publisher_.store(p); }
  // Called once the loop is over, before the publisher goes away.
  void finish() {
    if (!thread_.joinable()) return;
    if (!stop.load()) pthread_kill(thread_.native_handle(), SIGUSR1);  // ends the sigwait
    loop_done_.set_value();
    thread_.join();
  }

  std::atomic<bool> stop{false};

 private:
  sigset_t set_;
  std::promise<void> loop_done_;
  std::shared_future<void> left_loop_ = loop_done_.get_future().share();
  std::atomic<Publisher*> publisher_{nullptr};
  std::thread thread_;
};

int run(const Options& opts, SignalWatcher& signals) {
  install_vtk_message_router();

  std::vector<vtkSmartPointer<vtkDataSet>> data;
  for (const auto& file : opts.files) {
    std::string why;
    auto ds = load_dataset(file, &why);
    if (!ds) {
      APP_LOG_ERROR("cannot read %s: %s", file.c_str(), why.c_str());
      return 1;
    }
    data.push_back(ds);
  }

  std::string err;
  auto backend = RenderBackend::create(opts.backend, opts.width, opts.height, &err);
  if (!backend) {
    APP_LOG_ERROR("no rendering backend: %s", err.c_str());
    return 1;
  }
  vtkRenderWindow* window = backend->window();
  {
    vtkNew<vtkRenderer> renderer;
    window->AddRenderer(renderer);
    window->Render();  // an empty frame: creates the context, so the GL renderer is known
    if (opts.demo) build_demo_scene(renderer);
    for (auto& ds : data) add_dataset(renderer, ds, backend->software_gl());
    finish_scene(renderer);
  }

  // The generic interactor takes synthetic events with no windowing system behind it; the
  // trackball-camera style makes remote drags feel like desktop VTK.
  vtkNew<vtkGenericRenderWindowInteractor> iren;
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  iren->SetInteractorStyle(style);
  iren->SetRenderWindow(window);
  // Styles pass this to the window while a drag lasts; volume mappers then trade sample
  // distance for speed to keep up with the cadence.
  iren->SetDesiredUpdateRate(opts.fps);
  iren->Initialize();

  auto publisher = Publisher::create(opts.shm_name, window, {}, &err);
  if (!publisher) {
    APP_LOG_ERROR("cannot create shared memory '%s': %s", opts.shm_name.c_str(), err.c_str());
    return 1;
  }
  publisher->SetInteractor(iren);

  // The start line is written before the first frame goes out: whoever sees a frame can rely
  // on it being in the log.
  window->Render();
  const int* size = window->GetSize();
  g_message("backend %s, GL renderer %s, size %dx%d, shm '%s'", backend->description().c_str(),
            backend->gl_renderer().c_str(), size[0], size[1], opts.shm_name.c_str());
  publisher->Publish();

  signals.set_publisher(publisher.get());
  LoopOptions loop;
  loop.fps = opts.fps;
  loop.sizing.fixed_scale = opts.interactive_scale;
  loop.sizing.encode_ns_per_pixel = opts.encode_ns_per_pixel;
  run_render_loop(window, iren, *publisher, loop, signals.stop);
  signals.finish();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  vtkstream::app::install_log_writer("vtkstream-render");
  Options opts;
  std::string err;
  if (!parse_options(argc, argv, &opts, &err)) {
    APP_LOG_ERROR("%s\nTry 'vtkstream-render --help'.", err.c_str());
    return 2;
  }
  if (opts.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (opts.version) {
    std::printf("vtkstream-render %s\n", VTKSTREAM_VERSION);
    return 0;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  SignalWatcher signals(set);
  signals.start();
  return run(opts, signals);
}
