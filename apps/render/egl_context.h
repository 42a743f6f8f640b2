// A headless OpenGL context through EGL, for driving a vtkGenericOpenGLRenderWindow on a machine
// with no display server (see DESIGN.md, "Headless rendering").
#pragma once

#include <memory>
#include <string>

namespace vtkstream::render {

class EglContext {
 public:
  // Tries the EGL device platform on a hardware device first (NVIDIA's driver has no surfaceless
  // platform), then Mesa's surfaceless platform (llvmpipe or a Mesa GPU driver), then the default
  // display. Returns nullptr and sets `err` when none yields an OpenGL 3.2 core context.
  static std::unique_ptr<EglContext> create(int width, int height, std::string* err);
  ~EglContext();
  EglContext(const EglContext&) = delete;
  EglContext& operator=(const EglContext&) = delete;

  bool make_current();
  // Replaces the pbuffer with one of the new size. VTK renders into its own framebuffer objects
  // sized from the window, so this only keeps the default framebuffer in step with them.
  bool resize(int width, int height, std::string* err);
  // "surfaceless", "device" or "default": which EGL platform gave the context.
  const std::string& platform() const { return platform_; }

  struct Handles;

 private:
  EglContext() = default;
  std::unique_ptr<Handles> h_;
  std::string platform_;
};

}  // namespace vtkstream::render
