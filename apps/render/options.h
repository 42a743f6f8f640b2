// Command line of vtkstream-render.
#pragma once

#include <string>
#include <vector>

#include "backend.h"

namespace vtkstream::render {

struct Options {
  std::string shm_name = "vtkstream";  // vtksrc's default shm-name
  int width = 1280;
  int height = 720;
  bool demo = false;
  std::vector<std::string> files;
  BackendKind backend = BackendKind::kAuto;
  double fps = 30;
  // While someone interacts: 0 = pick the size from measured costs; (0, 1] = this fraction of
  // each side (1 = never smaller).
  double interactive_scale = 0;
  double encode_ns_per_pixel = 10;  // the encoder's cost the size choice assumes (bench-encode)
  bool help = false;
  bool version = false;
};

extern const char kUsage[];

// Returns false with a one-line `err` on a malformed command line.
bool parse_options(int argc, char** argv, Options* out, std::string* err);

}  // namespace vtkstream::render
