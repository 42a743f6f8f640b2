// Removing objects left behind by writers that are gone (a renderer killed with its server, a
// crash before its destructor ran). Only what is provably stale goes: a valid vtkstream ring,
// owned by this user (open_existing refuses others'), whose writer process no longer exists. A
// stopped or hung writer still exists and keeps its object; its supervisor deals with it.
#include <dirent.h>
#include <sys/mman.h>

#include <cstring>

#include "shm_internal.h"
#include "shm_object.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm {

using namespace detail;

bool remove_if_stale(const std::string& name, int32_t* writer_pid) {
  std::string err;
  const std::string pname = posix_name(name, &err);
  if (pname.empty()) return false;
  ErrorKind kind;
  ino_t inode = 0;
  int32_t pid = 0;
  {
    Mapping m = open_existing(pname, &err, &kind, &inode);
    if (!m || !validate_header(m.data(), m.size()).empty()) return false;
    pid = static_cast<const Header*>(m.data())->writer_pid.load();
  }
  if (pid_alive(pid)) return false;
  // By inode: a writer that renamed a fresh object over the name meanwhile keeps it.
  if (inode_of_name(pname) != inode || shm_unlink(pname.c_str()) != 0) return false;
  if (writer_pid) *writer_pid = pid;
  return true;
}

std::vector<std::string> sweep_stale(const std::string& prefix) {
  std::vector<std::string> removed;
  DIR* d = opendir(kShmDir);
  if (!d) return removed;
  std::vector<std::string> names;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.' && std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0)
      names.emplace_back(e->d_name);
  closedir(d);
  for (const auto& n : names)
    if (remove_if_stale(n, nullptr)) removed.push_back(n);
  return removed;
}

}  // namespace vtkstream::shm
