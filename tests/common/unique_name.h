// Names no other test, parallel run or crashed earlier run uses: for shared-memory objects
// ("vtktest-TAG-PID-N") and private temporary directories (removed with their content).
#pragma once

#include <string>

namespace vtkstream::test {

// The first call also arranges for every object under such a name (this process's pid in it) to
// be removed when the process exits normally, whatever the tests did.
std::string unique_name(const char* tag);

// A fresh directory under $TMPDIR, removed with everything in it when the object goes.
class TempDir {
 public:
  explicit TempDir(const char* tag = "vtktest");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace vtkstream::test
