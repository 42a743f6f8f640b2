// The renderer vtkstream-serve starts and supervises: which executable, and its arguments from
// --render/--size/--fps/--shm.
#pragma once

#include <string>
#include <vector>

namespace vtkstream::serve {

// Where the renderer executable is: next to us in the build tree (../render/vtkstream-render),
// next to us when installed, or on PATH. "" if nowhere.
std::string find_renderer();

// The private shm names (a pid after it) used when no --shm is given.
inline constexpr const char* kPrivateShmPrefix = "vtkstream-serve-";

struct RendererRequest {
  const char* render = nullptr;    // --render 'ARGS'
  const char* renderer = nullptr;  // --renderer PATH
  const char* shm = nullptr;       // --shm NAME
  const char* size = nullptr;      // --size WxH
  double fps = 0;                  // --fps
  bool no_renderer = false;        // --no-renderer
};

// Decides the shm name (*shm_name) and, when a renderer is to be supervised, its argv (*argv,
// else left empty). False with *err.
bool renderer_command(const RendererRequest& r, std::string* shm_name, std::vector<std::string>* argv,
                      std::string* err);

}  // namespace vtkstream::serve
