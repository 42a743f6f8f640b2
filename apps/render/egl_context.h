// A headless OpenGL context through EGL, for driving a vtkGenericOpenGLRenderWindow on a machine
// with no display server (README "vtkstream-render" and the comments below say how).
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

  // The context is made current once, at creation, and stays current: VTK renders on this one
  // thread. There is no resize: VTK 9.1 renders into framebuffer objects of its own, sized from
  // the window, and the readback comes from those, so the pbuffer keeps its first size.

  // "surfaceless", "device" or "default": which EGL platform gave the context.
  const std::string& platform() const { return platform_; }

  struct Handles;

 private:
  EglContext() = default;
  std::unique_ptr<Handles> h_;
  std::string platform_;
};

}  // namespace vtkstream::render
