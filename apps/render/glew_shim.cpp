// Our own glewInit, exported from the executable (export_dynamic) so that it wins symbol lookup
// over libGLEW's when VTK calls it.
//
// Why: Debian's GLEW is the GLX build. Under an EGL context glewInit() loads every GL entry point
// (through libglvnd's dispatch, which serves EGL contexts as well) and then fails to find a GLX
// display, returning GLEW_ERROR_NO_GLX_DISPLAY, which VTK treats as fatal. The GL part is fine,
// so that one error is mapped to GLEW_OK. Any other error is passed through unchanged, and with a
// GLX context (the x11 backend) the real result is returned as is.
#include <dlfcn.h>

namespace {
constexpr unsigned int kGlewOk = 0;
constexpr unsigned int kGlewErrorNoGlxDisplay = 4;
using GlewInitFn = unsigned int (*)();
}  // namespace

extern "C" __attribute__((visibility("default"))) unsigned int glewInit() {
  static const auto real = reinterpret_cast<GlewInitFn>(dlsym(RTLD_NEXT, "glewInit"));
  if (!real) return kGlewErrorNoGlxDisplay;  // no GLEW below us: VTK reports the failure
  const unsigned int rc = real();
  return rc == kGlewErrorNoGlxDisplay ? kGlewOk : rc;
}
