// Maps request paths to files under the web directory, refusing anything that could leave it:
// dot segments (plain or percent-encoded), encoded slashes, NUL bytes, backslashes, hidden
// files, and symlinks that resolve outside the directory. Pure functions, tested on their own.
#pragma once

#include <string>

namespace vtkstream::sink {

struct StaticFile {
  int status = 404;   // 200, 403 or 404
  std::string path;   // the resolved file when status is 200
  std::string mime;   // its Content-Type
};

// `web_root` must be a canonical absolute directory path (realpath); `url_path` is the path
// component of the request URI as received (percent-encoded).
StaticFile resolve_static(const std::string& web_root, const std::string& url_path);

// Content-Type by extension; JavaScript modules need a JavaScript type or browsers refuse them.
const char* mime_type_for(const std::string& path);

}  // namespace vtkstream::sink
