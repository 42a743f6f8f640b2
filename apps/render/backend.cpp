#include "backend.h"

#include <X11/Xlib.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkOpenGLRenderWindow.h>
#include <vtkRenderWindow.h>

#include <cstdlib>
#include <sstream>

#include "egl_context.h"

namespace vtkstream::render {

bool parse_backend(const std::string& text, BackendKind* out) {
  if (text == "auto") *out = BackendKind::kAuto;
  else if (text == "egl") *out = BackendKind::kEgl;
  else if (text == "x11") *out = BackendKind::kX11;
  else return false;
  return true;
}

std::unique_ptr<RenderBackend> RenderBackend::create(BackendKind kind, int width, int height,
                                                     std::string* err) {
  std::unique_ptr<RenderBackend> b(new RenderBackend());
  std::string egl_err, x11_err;
  if (kind != BackendKind::kX11 && b->init_egl(width, height, &egl_err)) return b;
  if (kind == BackendKind::kEgl) {
    *err = "EGL backend: " + egl_err;
    return nullptr;
  }
  if (b->init_x11(width, height, &x11_err)) return b;
  *err = kind == BackendKind::kX11 ? "X11 backend: " + x11_err
                                   : "EGL backend: " + egl_err + "; X11 backend: " + x11_err;
  return nullptr;
}

bool RenderBackend::init_egl(int width, int height, std::string* err) {
  // The pbuffer is never resized: VTK 9.1 renders into its own framebuffer objects sized from
  // SetSize() and we read back from those, so the default framebuffer only receives VTK's final
  // (clipped) blit. Checked: a 320x240 pbuffer renders and reads back 800x600 and 1280x720.
  egl_ = EglContext::create(width, height, err);
  if (!egl_) return false;
  auto win = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
  // The context is ours and always current on this (the only rendering) thread.
  win->SetOwnContext(false);
  win->SetReadyForRendering(true);
  win->SetIsCurrent(true);
  win->SetMapped(1);
  win->SetMultiSamples(0);  // a resolve on every readback otherwise
  win->SetSize(width, height);
  window_ = win;
  description_ = "egl (" + egl_->platform() + ")";
  return true;
}

bool RenderBackend::init_x11(int width, int height, std::string* err) {
  const char* name = std::getenv("DISPLAY");
  if (!name || !*name) {
    *err = "DISPLAY is not set";
    return false;
  }
  // Opened here rather than by VTK: VTK aborts the process when it cannot connect.
  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) {
    *err = std::string("cannot open X display ") + name;
    return false;
  }
  x_display_ = dpy;
  auto win = vtkSmartPointer<vtkRenderWindow>::New();
  win->SetDisplayId(dpy);
  win->SetOffScreenRendering(1);  // a headless service: no window pops up on a desktop
  win->SetMultiSamples(0);
  win->SetSize(width, height);
  window_ = win;
  description_ = std::string("x11 (") + name + ")";
  return true;
}

RenderBackend::~RenderBackend() {
  // GL resources go while their context still exists.
  if (window_) window_->Finalize();
  window_ = nullptr;
  egl_.reset();
  if (x_display_) XCloseDisplay(static_cast<Display*>(x_display_));
}

std::string RenderBackend::gl_renderer() const {
  auto* gl = vtkOpenGLRenderWindow::SafeDownCast(window_);
  if (!gl) return "unknown";
  std::istringstream caps(gl->ReportCapabilities());
  const std::string key = "OpenGL renderer string:";
  for (std::string line; std::getline(caps, line);)
    if (line.rfind(key, 0) == 0) return line.substr(line.find_first_not_of(' ', key.size()));
  return "unknown";
}

}  // namespace vtkstream::render

namespace vtkstream::render {

bool RenderBackend::software_gl() const {
  const std::string r = gl_renderer();
  for (const char* name : {"llvmpipe", "softpipe", "swrast", "Software Rasterizer"})
    if (r.find(name) != std::string::npos) return true;
  return false;
}

}  // namespace vtkstream::render
