// bench-render: how long a frame costs the renderer, split into render and readback, for the
// demo scene and real datasets. Prints mean / p50 / p95 in milliseconds.
//
//   bench-render [--size WxH] [--frames N] [--backend auto|egl|x11] [--dump DIR] [SCENE...]
//
// SCENE is "demo" or a data file (default: demo). Each frame turns the camera by a small angle,
// as a drag would, so nothing is served from a cache. The render is timed up to glFinish
// (WaitForCompletion), so the readback figure is the readback alone and not the rest of a render
// the driver was still working on.
#include <vtkCamera.h>
#include <vtkDataSet.h>
#include <vtkNew.h>
#include <vtkOpenGLRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "backend.h"
#include "loaders.h"
#include "scene.h"
#include "vtk_messages.h"

using namespace vtkstream::render;

namespace {

struct Stats {
  double mean, p50, p95;
};

Stats summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))]; };
  return {sum / v.size(), pct(0.5), pct(0.95)};
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void dump_ppm(const std::string& path, const unsigned char* rgba, int w, int h) {
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << w << " " << h << "\n255\n";
  for (int y = h - 1; y >= 0; --y)  // GL rows are bottom-up
    for (int x = 0; x < w; ++x) out.write(reinterpret_cast<const char*>(rgba + (y * w + x) * 4), 3);
}

int bench_scene(const std::string& scene, BackendKind kind, int w, int h, int frames,
                const std::string& dump_dir) {
  vtkSmartPointer<vtkDataSet> data;
  if (scene != "demo") {
    std::string why;
    data = load_dataset(scene, &why);
    if (!data) {
      std::fprintf(stderr, "bench-render: cannot read %s: %s\n", scene.c_str(), why.c_str());
      return 1;
    }
  }
  std::string err;
  auto backend = RenderBackend::create(kind, w, h, &err);
  if (!backend) {
    std::fprintf(stderr, "bench-render: %s\n", err.c_str());
    return 1;
  }
  vtkRenderWindow* window = backend->window();
  auto* gl_window = vtkOpenGLRenderWindow::SafeDownCast(window);
  vtkNew<vtkRenderer> renderer;
  window->AddRenderer(renderer);
  window->Render();  // creates the context, so the GL renderer is known
  if (data) add_dataset(renderer, data, backend->software_gl());
  else build_demo_scene(renderer);
  finish_scene(renderer);
  window->Render();  // shader compilation and uploads happen here, outside the timings

  std::vector<unsigned char> buffer(static_cast<size_t>(w) * h * 4);
  vtkNew<vtkUnsignedCharArray> wrap;
  wrap->SetNumberOfComponents(4);
  std::vector<double> render_ms, readback_ms;
  for (int i = 0; i < frames; ++i) {
    renderer->GetActiveCamera()->Azimuth(1.5);
    auto t0 = std::chrono::steady_clock::now();
    window->Render();
    if (gl_window) gl_window->WaitForCompletion();
    render_ms.push_back(ms_since(t0));
    t0 = std::chrono::steady_clock::now();
    wrap->SetArray(buffer.data(), static_cast<vtkIdType>(buffer.size()), 1);
    window->GetRGBACharPixelData(0, 0, w - 1, h - 1, 1, wrap);
    readback_ms.push_back(ms_since(t0));
  }
  if (!dump_dir.empty()) {
    std::string base = scene.substr(scene.find_last_of('/') + 1);
    dump_ppm(dump_dir + "/bench-" + base + ".ppm", buffer.data(), w, h);
  }
  const Stats r = summarize(render_ms), b = summarize(readback_ms);
  std::string label = scene.substr(scene.find_last_of('/') + 1);
  std::printf("%-12s %4dx%-4d %-18s render   mean %6.2f  p50 %6.2f  p95 %6.2f ms\n",
              label.c_str(), w, h, backend->description().c_str(), r.mean, r.p50, r.p95);
  std::printf("%-12s %4dx%-4d %-18s readback mean %6.2f  p50 %6.2f  p95 %6.2f ms\n",
              label.c_str(), w, h, backend->description().c_str(), b.mean, b.p50, b.p95);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int w = 1280, h = 720, frames = 100;
  BackendKind kind = BackendKind::kEgl;
  std::string dump_dir;
  std::vector<std::string> scenes;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--size" && has_value) {
      if (std::sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w < 16 || h < 16) {
        std::fprintf(stderr, "bench-render: --size expects WxH\n");
        return 2;
      }
    } else if (a == "--frames" && has_value) {
      frames = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--backend" && has_value) {
      if (!parse_backend(argv[++i], &kind)) {
        std::fprintf(stderr, "bench-render: --backend expects auto, egl or x11\n");
        return 2;
      }
    } else if (a == "--dump" && has_value) {
      dump_dir = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::puts("usage: bench-render [--size WxH] [--frames N] [--backend auto|egl|x11] "
                "[--dump DIR] [demo | FILE]...");
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "bench-render: unknown option %s\n", a.c_str());
      return 2;
    } else {
      scenes.push_back(a);
    }
  }
  if (scenes.empty()) scenes.push_back("demo");
  install_vtk_message_router();
  std::printf("bench-render: %d frames per scene, camera turned 1.5 degrees per frame\n", frames);
  int rc = 0;
  for (const auto& s : scenes) rc |= bench_scene(s, kind, w, h, frames, dump_dir);
  return rc;
}
