// bench-render-cap: what one drag frame costs when the viewer in control is on a lower rung,
// rendered at the full size and scaled down by the rung (scaling after the fact: no interactive
// cap) against rendered at the rung's size (the cap, docs/protocol.md "Interactive size cap").
//
//   bench-render-cap [--size WxH] [--lines L] [--frames N] [--rounds R] [--backend auto|egl|x11]
//                    [demo | FILE]
//
// Per frame, as a drag would: the camera turns, then
//   render    window->Render() up to glFinish (WaitForCompletion)
//   readback  glReadPixels of the window (what libvtkstream's Publish does)
//   encode    the rung's encode from the picture's bytes to its last RTP packet: a copy into a
//             buffer (vtksrc copies each frame out of the ring), then the sink's own lower-rung
//             description (rung_encode.cpp: leaky queue ! videoscale ! capsfilter height<=L, even
//             sides, square pixels ! the built-in VP8 encoder of encoder_factory.cpp at 600
//             kbit/s); with the cap the scaler gets the rung's size and passes it through.
// The two modes alternate in blocks of N frames, R rounds each, so both see the same machine
// load; the first 3 frames of each block are left out (the encoder restarts on the size change).
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
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
#include <string>
#include <vector>

#include "backend.h"
#include "encoder_factory.h"
#include "interactive_size.h"
#include "loaders.h"
#include "scene.h"
#include "vtk_messages.h"

using namespace vtkstream::render;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

// appsrc ! [the sink's lower-rung encode] ! appsink, pushed one frame at a time.
class RungPipeline {
 public:
  bool start(int lines) {
    const std::string desc =
        "appsrc name=src is-live=true format=time ! "
        "queue max-size-buffers=1 max-size-bytes=0 max-size-time=0 leaky=downstream ! "
        "videoscale ! capsfilter name=rungcaps ! " +
        vtkstream::sink::default_encoder(vtkstream::sink::Codec::kVP8, 600) + " ! appsink name=rtp sync=false";
    GError* err = nullptr;
    pipeline_ = gst_parse_launch(desc.c_str(), &err);
    if (!pipeline_ || err) {
      std::fprintf(stderr, "bench-render-cap: %s\n", err ? err->message : "cannot build the rung");
      return false;
    }
    GstElement* filter = gst_bin_get_by_name(GST_BIN(pipeline_), "rungcaps");
    GstCaps* caps = vtkstream::sink::rung_scale_caps(lines);  // what a rung holds its scaler to
    g_object_set(filter, "caps", caps, nullptr);
    gst_caps_unref(caps);
    gst_object_unref(filter);
    src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    rtp_ = gst_bin_get_by_name(GST_BIN(pipeline_), "rtp");
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }
  ~RungPipeline() {
    if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (GstElement* e : {src_, rtp_, pipeline_})
      if (e) gst_object_unref(e);
  }
  // Milliseconds from the picture's bytes to the frame's last RTP packet; < 0 on a timeout.
  double push(const std::vector<unsigned char>& rgba, int w, int h) {
    if (w != w_ || h != h_) {
      GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width", G_TYPE_INT, w,
                                          "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 30, 1, nullptr);
      gst_app_src_set_caps(GST_APP_SRC(src_), caps);
      gst_caps_unref(caps);
      w_ = w;
      h_ = h;
    }
    const auto t0 = std::chrono::steady_clock::now();
    GstBuffer* buf = gst_buffer_new_memdup(rgba.data(), size_t(w) * h * 4);
    GST_BUFFER_PTS(buf) = pts_;
    GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
    pts_ += GST_SECOND / 30;
    gst_app_src_push_buffer(GST_APP_SRC(src_), buf);
    for (;;) {  // the frame's last packet carries the marker bit
      GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(rtp_), 5 * GST_SECOND);
      if (!s) return -1;
      const bool marker = GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(s), GST_BUFFER_FLAG_MARKER);
      gst_sample_unref(s);
      if (marker) break;
    }
    return ms_since(t0);
  }

 private:
  GstElement *pipeline_ = nullptr, *src_ = nullptr, *rtp_ = nullptr;
  int w_ = 0, h_ = 0;
  GstClockTime pts_ = 0;
};

struct Samples {
  std::vector<double> render, readback, encode, total;
};

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int w = 1280, h = 720, lines = 360, frames = 30, rounds = 3;
  BackendKind kind = BackendKind::kEgl;
  std::string scene = "demo";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool v = i + 1 < argc;
    if (a == "--size" && v && std::sscanf(argv[i + 1], "%dx%d", &w, &h) == 2) ++i;
    else if (a == "--lines" && v) lines = std::max(16, std::atoi(argv[++i]));
    else if (a == "--frames" && v) frames = std::max(6, std::atoi(argv[++i]));
    else if (a == "--rounds" && v) rounds = std::max(1, std::atoi(argv[++i]));
    else if (a == "--backend" && v && parse_backend(argv[i + 1], &kind)) ++i;
    else if (!a.empty() && a[0] != '-') scene = a;
    else {
      std::fprintf(stderr, "usage: bench-render-cap [--size WxH] [--lines L] [--frames N] [--rounds R] "
                           "[--backend auto|egl|x11] [demo | FILE]\n");
      return 2;
    }
  }
  install_vtk_message_router();
  vtkSmartPointer<vtkDataSet> data;
  if (scene != "demo") {
    std::string why;
    if (!(data = load_dataset(scene, &why))) {
      std::fprintf(stderr, "bench-render-cap: cannot read %s: %s\n", scene.c_str(), why.c_str());
      return 1;
    }
  }
  std::string err;
  auto backend = RenderBackend::create(kind, w, h, &err);
  if (!backend) {
    std::fprintf(stderr, "bench-render-cap: %s\n", err.c_str());
    return 1;
  }
  vtkRenderWindow* window = backend->window();
  auto* gl_window = vtkOpenGLRenderWindow::SafeDownCast(window);
  vtkNew<vtkRenderer> renderer;
  window->AddRenderer(renderer);
  window->Render();
  if (data) add_dataset(renderer, data, backend->software_gl());
  else build_demo_scene(renderer);
  finish_scene(renderer);
  window->Render();

  RungPipeline rung;
  if (!rung.start(lines)) return 1;
  const RenderSize full{w, h};
  const RenderSize capped = fit_within(full, {4096, lines});
  std::vector<unsigned char> pixels(size_t(w) * h * 4);
  vtkNew<vtkUnsignedCharArray> wrap;
  wrap->SetNumberOfComponents(4);
  Samples modes[2];  // 0: full size, scaled by the rung; 1: rendered at the cap
  for (int r = 0; r < rounds; ++r) {
    for (int m = 0; m < 2; ++m) {
      const RenderSize s = m == 0 ? full : capped;
      window->SetSize(s.w, s.h);
      for (int i = 0; i < frames; ++i) {
        renderer->GetActiveCamera()->Azimuth(1.5);
        auto t0 = std::chrono::steady_clock::now();
        window->Render();
        if (gl_window) gl_window->WaitForCompletion();
        const double render_ms = ms_since(t0);
        t0 = std::chrono::steady_clock::now();
        wrap->SetArray(pixels.data(), static_cast<vtkIdType>(size_t(s.w) * s.h * 4), 1);
        window->GetRGBACharPixelData(0, 0, s.w - 1, s.h - 1, 1, wrap);
        const double readback_ms = ms_since(t0);
        const double encode_ms = rung.push(pixels, s.w, s.h);
        if (encode_ms < 0) {
          std::fprintf(stderr, "bench-render-cap: the rung's encoder gave no frame within 5 s\n");
          return 1;
        }
        if (i < 3) continue;  // the size change restarted the encoder (a keyframe)
        Samples& out = modes[m];
        out.render.push_back(render_ms);
        out.readback.push_back(readback_ms);
        out.encode.push_back(encode_ms);
        out.total.push_back(render_ms + readback_ms + encode_ms);
      }
    }
  }
  wrap->SetArray(nullptr, 0, 1);
  const std::string label = scene.substr(scene.find_last_of('/') + 1);
  std::printf("bench-render-cap: %s, %dx%d window, a controller on the %d-line rung, %s, %d rounds of %d frames "
              "per mode (first 3 of each left out), load ",
              label.c_str(), w, h, lines, backend->description().c_str(), rounds, frames);
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, f)) std::printf("%s", buf);
    std::fclose(f);
  }
  std::printf("\n| per drag frame (p50 / mean ms) | render | readback | rung encode | total |\n|---|---|---|---|---|\n");
  const char* names[2] = {"no cap: render %dx%d, the rung scales", "cap: render %dx%d, the rung passes it"};
  for (int m = 0; m < 2; ++m) {
    const RenderSize s = m == 0 ? full : capped;
    char name[96];
    std::snprintf(name, sizeof name, names[m], s.w, s.h);
    const Samples& x = modes[m];
    std::printf("| %s | %.1f / %.1f | %.2f / %.2f | %.1f / %.1f | %.1f / %.1f |\n", name, pct(x.render, 0.5),
                mean(x.render), pct(x.readback, 0.5), mean(x.readback), pct(x.encode, 0.5), mean(x.encode),
                pct(x.total, 0.5), mean(x.total));
  }
  return 0;
}
