// The C++ half of bench/python/compare.py: the same scene and loop as bench_publish.py, through
// libvtkstream's C++ API, so the two programs differ only in the language around the calls.
//
//   bench-publish-cpp --shm NAME [--size WxH] [--frames N] [--warmup N]
//
// Prints one JSON line: per-frame seconds (wall and process CPU) of Publish() alone and of the whole frame (camera
// step + Render() + Publish()), median and mean over N frames after the warm-up, and the mean
// time of a trivial call (HasViewers()), which is what the language itself adds per call. A reader must
// attach to NAME (compare.py starts examples/ring-reader) or every Publish() is skipped.
#include <vtkActor.h>
#include <vtkAutoInit.h>
#include <vtkCamera.h>
#include <vtkConeSource.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "vtkstream/publisher.h"

VTK_MODULE_INIT(vtkRenderingOpenGL2);

namespace {

// CPU time of the whole process (llvmpipe renders on threads of its own): unlike wall time it
// does not grow when other programs take the CPU, which on a shared 2-core machine is what
// decides a comparison.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void stats(const char* key, std::vector<double> v, bool last) {
  std::sort(v.begin(), v.end());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  std::printf("\"%s_median_s\": %.9f, \"%s_mean_s\": %.9f%s", key, v[v.size() / 2], key, mean,
              last ? "" : ", ");
}

}  // namespace

int main(int argc, char** argv) {
  std::string name;
  int w = 640, h = 480, frames = 300, warmup = 30;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--shm") && i + 1 < argc) name = argv[++i];
    else if (!std::strcmp(argv[i], "--size") && i + 1 < argc) std::sscanf(argv[++i], "%dx%d", &w, &h);
    else if (!std::strcmp(argv[i], "--frames") && i + 1 < argc) frames = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = std::atoi(argv[++i]);
    else name.clear(), i = argc;
  }
  if (name.empty() || frames < 1 || warmup < 0) {
    std::fprintf(stderr, "usage: bench-publish-cpp --shm NAME [--size WxH] [--frames N] [--warmup N]\n");
    return 2;
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
  window->SetOffScreenRendering(1);
  window->SetMultiSamples(0);
  window->SetSize(w, h);
  window->AddRenderer(renderer);

  std::string err;
  auto pub = vtkstream::Publisher::create(name, window, {}, &err);
  if (!pub) {
    std::fprintf(stderr, "bench-publish-cpp: %s\n", err.c_str());
    return 1;
  }
  window->Render();
  pub->Publish();  // the first frame, published without a reader
  // The API has no notification for a reader attaching (nothing but a bench needs one), so this
  // start-up check sleeps in short steps; the measured loop below never sleeps.
  const auto t_wait = std::chrono::steady_clock::now();
  while (!pub->HasViewers()) {
    if (seconds_since(t_wait) > 20) {
      std::fprintf(stderr, "bench-publish-cpp: no reader attached to '%s'\n", name.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<double> publish_s, frame_s, publish_cpu_s, frame_cpu_s;
  vtkCamera* camera = renderer->GetActiveCamera();
  for (int i = 0; i < warmup + frames; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    camera->Azimuth(1);
    window->Render();
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = cpu_now();
    if (!pub->Publish()) {
      std::fprintf(stderr, "bench-publish-cpp: frame %d not published: %s\n", i, pub->LastError().c_str());
      return 1;
    }
    if (i < warmup) continue;
    const double c2 = cpu_now();
    publish_s.push_back(seconds_since(t1));
    frame_s.push_back(seconds_since(t0));
    publish_cpu_s.push_back(c2 - c1);
    frame_cpu_s.push_back(c2 - c0);
  }
  // What the language adds per call, apart from the work: HasViewers() is two atomic loads.
  constexpr int kCalls = 200000;
  bool any = false;
  const auto tc = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) any |= pub->HasViewers();
  const double call_s = seconds_since(tc) / kCalls;
  std::printf("{\"lang\": \"c++\", \"size\": \"%dx%d\", \"frames\": %d, \"call_s\": %.10f, ", w, h,
              frames, any ? call_s : -1.0);
  stats("publish", publish_s, false);
  stats("frame", frame_s, false);
  stats("publish_cpu", publish_cpu_s, false);
  stats("frame_cpu", frame_cpu_s, true);
  std::printf("}\n");
  return 0;
}
