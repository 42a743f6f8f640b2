// A mapped POSIX shared-memory object: RAII for fd + mapping, and the creation protocol
// (build under a temporary name, rename into place) used by the writer.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "vtkstream/shm.h"

namespace vtkstream::shm::detail {

// glibc keeps POSIX shared memory in this tmpfs; rename(2) and inotify need the path.
inline constexpr const char* kShmDir = "/dev/shm";

class Mapping {
 public:
  Mapping() = default;
  // Registers the mapping with the SIGBUS guard (bus_guard.h): the object may be truncated by
  // anyone who can open it.
  Mapping(int fd, void* data, size_t size, ino_t inode);
  ~Mapping() { reset(); }
  Mapping(Mapping&& o) noexcept { *this = std::move(o); }
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  void reset();
  void* data() const { return data_; }
  size_t size() const { return size_; }
  ino_t inode() const { return inode_; }
  explicit operator bool() const { return data_ != nullptr; }
  // A SIGBUS hit the mapping: it holds zero pages now, not the object (see bus_guard.h).
  bool damaged() const;
  // The object's size now (fstat), or -1 when it cannot be examined. Smaller than size() means
  // someone truncated it: touching the pages past its end would fault.
  off_t object_size() const;

 private:
  int fd_ = -1;
  void* data_ = nullptr;
  size_t size_ = 0;
  ino_t inode_ = 0;
  int guard_ = -1;  // bus_guard handle
};

// Opens and maps an existing object read-write. Returns an empty mapping and sets `err` and
// `kind` (kNoObject when it simply does not exist, kOtherUser, kInvalidHeader for an empty
// object, kOpenFailed otherwise). `inode`, when given, gets the object's inode whenever it could
// be examined, so a caller can tell the same unusable object from a new one.
Mapping open_existing(const std::string& posix_name, std::string* err, ErrorKind* kind,
                      ino_t* inode = nullptr);

// Creates a zero-filled object of `size` bytes under a unique temporary name; `tmp_name` gets it.
Mapping create_temp(const std::string& posix_name, size_t size, std::string* tmp_name,
                    std::string* err);

// Atomically replaces `posix_name` by the object created as `tmp_name`.
bool publish_name(const std::string& tmp_name, const std::string& posix_name, std::string* err);

// Removes `posix_name` only if it is still the object with `inode` (a newer writer may own it).
void unlink_if_ours(const std::string& posix_name, ino_t inode);

ino_t inode_of_name(const std::string& posix_name);

}  // namespace vtkstream::shm::detail
