// vtkstream-serve's command line -> ServeConfig. The option table and the ranges live here; the
// tokens (tokens.h) and the renderer's command (renderer_command.h) are parsed by their owners,
// and everything about the web side is handed to vtkstreamsink as properties, which check it
// again when the sink starts. Errors say what to do instead.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vtkstream::serve {

struct ServeConfig {
  // vtkstreamsink properties as `gst-launch-1.0` would write them (name, value).
  std::vector<std::pair<std::string, std::string>> sink;
  std::vector<std::string> turn;      // turn-servers
  std::string shm_name;               // vtksrc shm-name
  unsigned repeat_ms = 1000;          // vtksrc repeat-interval
  std::vector<std::string> renderer;  // argv of the renderer to supervise; empty = attach only
};

// Returns false with *err set (print it and exit 2). --help, --help-gst and --version print and
// exit inside. Initialises GStreamer (its option group is part of the command line).
bool parse_options(int argc, char** argv, ServeConfig* config, std::string* err);

}  // namespace vtkstream::serve
