#include "egl_context.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstring>
#include <vector>

namespace vtkstream::render {

struct EglContext::Handles {
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLConfig config = nullptr;
  EGLContext context = EGL_NO_CONTEXT;
  EGLSurface surface = EGL_NO_SURFACE;
};

namespace {

bool has_extension(const char* list, const char* name) {
  if (!list) return false;
  const size_t n = std::strlen(name);
  for (const char* p = list; (p = std::strstr(p, name)); p += n) {
    const bool starts = p == list || p[-1] == ' ';
    const bool ends = p[n] == '\0' || p[n] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

std::string egl_error(const char* what) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s failed (EGL error 0x%04x)", what, eglGetError());
  return buf;
}

EGLSurface make_pbuffer(EGLDisplay dpy, EGLConfig cfg, int width, int height) {
  const EGLint attrs[] = {EGL_WIDTH, width, EGL_HEIGHT, height, EGL_NONE};
  return eglCreatePbufferSurface(dpy, cfg, attrs);
}

// Initialises `dpy` and builds a pbuffer + OpenGL 3.2 core context on it. On failure the display
// is terminated and `h` left empty.
bool init_on(EGLDisplay dpy, int width, int height, EglContext::Handles* h, std::string* err) {
  if (dpy == EGL_NO_DISPLAY) {
    *err = "no EGL display";
    return false;
  }
  EGLint major = 0, minor = 0;
  if (!eglInitialize(dpy, &major, &minor)) {
    *err = egl_error("eglInitialize");
    return false;
  }
  // Multisampling stays off: VTK would resolve it on every readback (measured: 56 ms render and
  // 7 ms readback at 720p with it, 19 ms and 1.7 ms without; docs/performance.md).
  const EGLint config_attrs[] = {
      EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
      EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8,
      EGL_DEPTH_SIZE, 24, EGL_NONE};
  EGLConfig cfg = nullptr;
  EGLint count = 0;
  if (!eglChooseConfig(dpy, config_attrs, &cfg, 1, &count) || count < 1) {
    *err = "no EGL config with an OpenGL-capable RGBA8 pbuffer";
    eglTerminate(dpy);
    return false;
  }
  if (!eglBindAPI(EGL_OPENGL_API)) {
    *err = egl_error("eglBindAPI(EGL_OPENGL_API)");
    eglTerminate(dpy);
    return false;
  }
  const EGLint ctx_attrs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 2,
                              EGL_CONTEXT_OPENGL_PROFILE_MASK,
                              EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
  EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attrs);
  if (ctx == EGL_NO_CONTEXT) {
    *err = egl_error("eglCreateContext (OpenGL 3.2 core)");
    eglTerminate(dpy);
    return false;
  }
  EGLSurface surf = make_pbuffer(dpy, cfg, width, height);
  if (surf == EGL_NO_SURFACE) {
    *err = egl_error("eglCreatePbufferSurface");
    eglDestroyContext(dpy, ctx);
    eglTerminate(dpy);
    return false;
  }
  if (!eglMakeCurrent(dpy, surf, surf, ctx)) {
    *err = egl_error("eglMakeCurrent");
    eglDestroySurface(dpy, surf);
    eglDestroyContext(dpy, ctx);
    eglTerminate(dpy);
    return false;
  }
  *h = {dpy, cfg, ctx, surf};
  return true;
}

// Hardware EGL devices, skipping Mesa's software device (the surfaceless platform covers it).
std::vector<EGLDeviceEXT> hardware_devices() {
  auto query_devices =
      reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
  auto query_string = reinterpret_cast<PFNEGLQUERYDEVICESTRINGEXTPROC>(
      eglGetProcAddress("eglQueryDeviceStringEXT"));
  if (!query_devices || !query_string) return {};
  EGLDeviceEXT devices[16];
  EGLint n = 0;
  if (!query_devices(16, devices, &n)) return {};
  std::vector<EGLDeviceEXT> out;
  for (EGLint i = 0; i < n; ++i) {
    const char* ext = query_string(devices[i], EGL_EXTENSIONS);
    if (!has_extension(ext, "EGL_MESA_device_software")) out.push_back(devices[i]);
  }
  return out;
}

}  // namespace

std::unique_ptr<EglContext> EglContext::create(int width, int height, std::string* err) {
  const char* client_ext = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      eglGetProcAddress("eglGetPlatformDisplayEXT"));
  std::unique_ptr<EglContext> ctx(new EglContext());
  ctx->h_ = std::make_unique<Handles>();
  std::string why = "no EGL platform available";
  std::string attempt_err;

  if (get_platform_display && has_extension(client_ext, "EGL_EXT_platform_device")) {
    for (EGLDeviceEXT dev : hardware_devices()) {
      EGLDisplay dpy = get_platform_display(EGL_PLATFORM_DEVICE_EXT, dev, nullptr);
      if (init_on(dpy, width, height, ctx->h_.get(), &attempt_err)) {
        ctx->platform_ = "device";
        return ctx;
      }
      why = "device platform: " + attempt_err;
    }
  }
  if (get_platform_display && has_extension(client_ext, "EGL_MESA_platform_surfaceless")) {
    EGLDisplay dpy = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY,
                                          nullptr);
    if (init_on(dpy, width, height, ctx->h_.get(), &attempt_err)) {
      ctx->platform_ = "surfaceless";
      return ctx;
    }
    why = "surfaceless platform: " + attempt_err;
  }
  if (init_on(eglGetDisplay(EGL_DEFAULT_DISPLAY), width, height, ctx->h_.get(), &attempt_err)) {
    ctx->platform_ = "default";
    return ctx;
  }
  *err = why + "; default display: " + attempt_err;
  return nullptr;
}

EglContext::~EglContext() {
  if (!h_ || h_->display == EGL_NO_DISPLAY) return;
  eglMakeCurrent(h_->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (h_->surface != EGL_NO_SURFACE) eglDestroySurface(h_->display, h_->surface);
  if (h_->context != EGL_NO_CONTEXT) eglDestroyContext(h_->display, h_->context);
  eglTerminate(h_->display);
}

}  // namespace vtkstream::render
