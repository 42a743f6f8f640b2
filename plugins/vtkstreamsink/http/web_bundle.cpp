#include "web_bundle.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace vtkstream::sink {

namespace {

bool mtime_of(const std::string& path, struct timespec* t) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *t = st.st_mtim;
  return true;
}

bool newer(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

}  // namespace

bool web_bundle_current(const std::string& bundle_dir, const std::string& source_dir, std::string* why) {
  const std::string bundle = bundle_dir + "/js/main.js";
  struct timespec built {};
  if (!mtime_of(bundle, &built)) {
    *why = bundle + " is missing";
    return false;
  }
  // A few dozen files: walked once, when the sink starts.
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(source_dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct timespec t {};
    if (mtime_of(it->path().string(), &t) && newer(t, built)) {
      *why = it->path().string() + " is newer than " + bundle;
      return false;
    }
  }
  if (ec) {
    *why = source_dir + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace vtkstream::sink
