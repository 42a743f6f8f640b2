#include "unique_name.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace vtkstream::test {

std::string unique_name(const char* tag) {
  // The pid separates processes (tests run side by side), the counter uses within one.
  static std::atomic<int> counter{0};
  return "vtktest-" + std::string(tag) + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

TempDir::TempDir(const char* tag) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(tag) + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data())) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace vtkstream::test
