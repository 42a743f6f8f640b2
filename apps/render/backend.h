// Where vtkstream-render's pixels come from: a headless EGL context (default) or an X11 display
// (a real one or Xvfb).
#pragma once

#include <vtkRenderWindow.h>
#include <vtkSmartPointer.h>

#include <memory>
#include <string>


namespace vtkstream::render {

class EglContext;

enum class BackendKind { kAuto, kEgl, kX11 };

// Parses "auto", "egl" or "x11".
bool parse_backend(const std::string& text, BackendKind* out);

class RenderBackend {
 public:
  // kAuto tries EGL, then X11 when $DISPLAY is set. On failure returns nullptr and sets `err`
  // to a sentence covering every attempt.
  static std::unique_ptr<RenderBackend> create(BackendKind kind, int width, int height,
                                               std::string* err);
  ~RenderBackend();
  RenderBackend(const RenderBackend&) = delete;
  RenderBackend& operator=(const RenderBackend&) = delete;

  vtkRenderWindow* window() const { return window_; }
  // "egl (surfaceless)", "egl (device)", "x11 (:99)".
  const std::string& description() const { return description_; }
  // The GL_RENDERER string; valid after the first render.
  std::string gl_renderer() const;
  // A CPU rasteriser (llvmpipe, softpipe, swrast); valid after the first render.
  bool software_gl() const;

 private:
  RenderBackend() = default;
  bool init_egl(int width, int height, std::string* err);
  bool init_x11(int width, int height, std::string* err);

  std::unique_ptr<EglContext> egl_;
  void* x_display_ = nullptr;  // Display*, kept out of this header (X11 macros leak widely)
  vtkSmartPointer<vtkRenderWindow> window_;
  std::string description_;
};

}  // namespace vtkstream::render
