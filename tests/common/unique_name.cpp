#include "unique_name.h"

#include <stdlib.h>
#include <unistd.h>

#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <filesystem>

namespace vtkstream::test {

namespace {

pid_t g_owner = 0;

// Every shared-memory object whose name this process handed out ("vtktest-TAG-PID-N", and names
// built on one), removed when the process exits normally: a test that failed half-way (gtest
// goes on with the next test and exits normally) leaves nothing in /dev/shm even when it never
// reached its own cleanup. A forked child that exits does not run it (other pid).
void remove_own_objects() {
  if (getpid() != g_owner) return;
  const std::string mark = "-" + std::to_string(g_owner) + "-";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm", ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("vtktest-", 0) == 0 && n.find(mark) != std::string::npos) shm_unlink(("/" + n).c_str());
  }
}

}  // namespace

std::string unique_name(const char* tag) {
  // The pid separates processes (tests run side by side), the counter uses within one.
  static std::atomic<int> counter{0};
  static std::once_flag once;
  std::call_once(once, [] {
    g_owner = getpid();
    std::atexit(remove_own_objects);
  });
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
