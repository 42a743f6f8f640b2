// Opening a writer's object by name and validating it: the one attach procedure shared by the
// frame reader and the input writer, so both apply the same rules to a foreign, short, corrupt
// or abandoned object. Not installed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "shm_object.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm::detail {

// A validated object with a live writer. The layout fields are copies taken at validation time:
// the live header is never trusted again (a corrupt writer could change it afterwards).
struct Ring {
  Mapping map;
  Header* h = nullptr;
  uint64_t slot_size = 0, slots_offset = 0;
  uint32_t slot_count = 0;
  uint64_t session = 0;
};

enum class OpenResult {
  kOk,
  kMissing,  // no object of that name
  kInvalid,  // not a usable ring (see kind/error); `inode` names the object refused
  kStale,    // a valid ring whose writer closed it or is gone
};

struct OpenFailure {
  ErrorKind kind = ErrorKind::kNone;
  std::string error;
  ino_t inode = 0;  // the invalid object, so a caller can report it once
};

// `name` is the user's name (for messages), `posix_name` its checked POSIX form.
OpenResult open_ring(const std::string& name, const std::string& posix_name, Ring* out,
                     OpenFailure* why);

// The writer of an attached object has neither closed it nor died (pid and heartbeat).
bool writer_alive(const Header* h);

}  // namespace vtkstream::shm::detail
