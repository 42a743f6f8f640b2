#include "static_files.h"

#include <glib.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace vtkstream::sink {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

const char* mime_type_for(const std::string& path) {
  struct Entry {
    const char* ext;
    const char* mime;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".map", "application/json"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".jpg", "image/jpeg"},                  {".ico", "image/x-icon"},
      {".wasm", "application/wasm"},           {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const Entry& e : kTypes)
    if (ends_with(path, e.ext)) return e.mime;
  return "application/octet-stream";
}

StaticFile resolve_static(const std::string& web_root, const std::string& url_path) {
  StaticFile out;
  if (url_path.empty() || url_path[0] != '/') return out;
  // Decoding fails on an encoded '/' (it would hide a segment boundary from the checks below).
  gchar* decoded = g_uri_unescape_string(url_path.c_str(), "/");
  if (!decoded) {
    out.status = 403;
    return out;
  }
  std::string rel(decoded);
  g_free(decoded);
  if (rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos) {
    out.status = 403;
    return out;
  }
  if (rel == "/") rel = "/index.html";
  // Segment checks: "..", "." and hidden files are refused outright.
  size_t start = 1;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    const std::string seg = rel.substr(start, end - start);
    if (!seg.empty() && seg[0] == '.') {
      out.status = 403;
      return out;
    }
    start = end + 1;
  }
  const std::string full = web_root + rel;
  char real[PATH_MAX];
  if (!realpath(full.c_str(), real)) return out;  // 404
  const std::string resolved(real);
  // A symlink inside the web directory must not lead out of it.
  if (resolved.compare(0, web_root.size() + 1, web_root + "/") != 0) {
    out.status = 403;
    return out;
  }
  struct stat st {};
  if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) return out;  // directories: 404
  out.status = 200;
  out.path = resolved;
  out.mime = mime_type_for(resolved);
  return out;
}

}  // namespace vtkstream::sink
