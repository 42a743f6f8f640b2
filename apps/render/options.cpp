#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "vtkstream/shm.h"

namespace vtkstream::render {

const char kUsage[] =
    "Usage: vtkstream-render [OPTION...] [--demo | FILE...]\n"
    "\n"
    "Render a VTK scene headless and publish every frame into a vtkstream shared-memory ring,\n"
    "where vtksrc (and so vtkstream-serve) picks it up; viewers' input comes back the same way.\n"
    "\n"
    "Options:\n"
    "  --shm NAME          shared-memory ring name (default: vtkstream, vtksrc's default)\n"
    "  --size WxH          render size in pixels (default: 1280x720); viewers may resize\n"
    "  --demo              show the demo scene (the default when no FILE is given)\n"
    "  --backend KIND      auto, egl or x11 (default: auto = headless EGL, else X11 via $DISPLAY)\n"
    "  --fps N             frame rate while someone interacts, and for 0.5 s after (default: 30);\n"
    "                      when the scene is still, nothing is rendered or sent\n"
    "  --interactive-scale auto|F\n"
    "                      while someone drags, render at F (0.25..1) of each side; auto (the\n"
    "                      default) picks the largest size whose render and encode fit one frame\n"
    "                      period, from measured render times; 1 = full size unless the server\n"
    "                      caps it (the rung of the viewer in control). The full-size picture\n"
    "                      follows when the interaction ends\n"
    "  --encode-cost NS    the encoder's cost per pixel that auto assumes (default: 10 ns)\n"
    "  -h, --help          show this help\n"
    "  --version           print the version and exit\n"
    "\n"
    "Diagnostics go to stderr, or to the journal with priorities when systemd runs the program;\n"
    "G_MESSAGES_DEBUG=vtkstream-render adds info and debug lines.\n"
    "\n"
    "FILE: .vtp .vtu .vti .vtr .vts .vtk (legacy) .stl .ply .obj. Image data (.vti, legacy\n"
    "structured points) is volume rendered; everything else is drawn as a surface coloured by its\n"
    "first point (else cell) array, with a scalar bar.\n"
    "\n"
    "Exit status: 0 after SIGINT/SIGTERM, 1 when a file cannot be read or rendering cannot start,\n"
    "2 on a bad command line.\n"
    "\n"
    "Example:\n"
    "  vtkstream-render --shm demo --size 1280x720 DATA/Human.vtp\n"
    "  gst-launch-1.0 vtksrc shm-name=demo ! videoconvert ! autovideosink\n";

namespace {

bool parse_size(const std::string& text, int* w, int* h) {
  const char* s = text.c_str();
  char* end = nullptr;
  errno = 0;
  const long a = std::strtol(s, &end, 10);
  if (end == s || (*end != 'x' && *end != 'X')) return false;
  const char* s2 = end + 1;
  const long b = std::strtol(s2, &end, 10);
  if (end == s2 || *end || errno) return false;
  const long max = static_cast<long>(shm::kMaxDimension);
  if (a < 16 || b < 16 || a > max || b > max) return false;
  *w = static_cast<int>(a);
  *h = static_cast<int>(b);
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, Options* out, std::string* err) {
  bool files_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (files_only || arg.empty() || arg[0] != '-' || arg == "-") {
      out->files.push_back(arg);
      continue;
    }
    if (arg == "--") {
      files_only = true;
      continue;
    }
    std::string value;
    bool has_inline = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_inline = true;
    }
    auto take_value = [&](std::string* v) {
      if (has_inline) {
        *v = value;
        return true;
      }
      if (i + 1 >= argc) {
        *err = arg + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      out->help = true;
    } else if (arg == "--version") {
      out->version = true;
    } else if (arg == "--demo") {
      out->demo = true;
    } else if (arg == "--shm") {
      if (!take_value(&out->shm_name)) return false;
      std::string why;
      if (shm::posix_name(out->shm_name, &why).empty()) {  // before any slow start-up work
        *err = "--shm: " + why;
        return false;
      }
    } else if (arg == "--size") {
      std::string v;
      if (!take_value(&v)) return false;
      if (!parse_size(v, &out->width, &out->height)) {
        *err = "--size expects WxH with both between 16 and " +
               std::to_string(shm::kMaxDimension) + ", got '" + v + "'";
        return false;
      }
    } else if (arg == "--backend") {
      std::string v;
      if (!take_value(&v)) return false;
      if (!parse_backend(v, &out->backend)) {
        *err = "--backend expects auto, egl or x11, got '" + v + "'";
        return false;
      }
    } else if (arg == "--fps") {
      std::string v;
      if (!take_value(&v)) return false;
      char* end = nullptr;
      const double fps = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !std::isfinite(fps) || fps < 1 || fps > 240) {
        *err = "--fps expects a number between 1 and 240, got '" + v + "'";
        return false;
      }
      out->fps = fps;
    } else if (arg == "--interactive-scale") {
      std::string v;
      if (!take_value(&v)) return false;
      char* end = nullptr;
      const double f = v == "auto" ? 0 : std::strtod(v.c_str(), &end);
      if (v != "auto" && (end == v.c_str() || *end || !std::isfinite(f) || f < 0.25 || f > 1)) {
        *err = "--interactive-scale expects auto or a number between 0.25 and 1, got '" + v + "'";
        return false;
      }
      out->interactive_scale = f;
    } else if (arg == "--encode-cost") {
      std::string v;
      if (!take_value(&v)) return false;
      char* end = nullptr;
      const double ns = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !std::isfinite(ns) || ns < 0 || ns > 1000) {
        *err = "--encode-cost expects nanoseconds per pixel between 0 and 1000, got '" + v + "'";
        return false;
      }
      out->encode_ns_per_pixel = ns;
    } else {
      *err = "unknown option " + arg;
      return false;
    }
  }
  if (out->demo && !out->files.empty()) {
    *err = "--demo and FILE arguments are exclusive";
    return false;
  }
  if (out->files.empty()) out->demo = true;
  return true;
}

}  // namespace vtkstream::render
