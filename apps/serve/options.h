// Command line of vtkstream-serve -> ServerConfig. Errors say what to do instead.
#pragma once

#include <string>

#include "server.h"

namespace vtkstream::serve {

// Returns false with *err set (print it and exit 2). --help prints and exits inside.
bool parse_options(int argc, char** argv, ServerConfig* config, std::string* err);

// Where the renderer executable is: next to us in the build tree (../render/vtkstream-render),
// next to us when installed, or on PATH. "" if nowhere.
std::string find_renderer();

// stun:host:port / stun://host:port -> webrtcbin's stun://host:port and the page's stun:host:port.
bool parse_stun(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err);
// turn(s)://user:pass@host:port (or turn:user:pass@host:port) -> both forms.
bool parse_turn(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err);

}  // namespace vtkstream::serve
