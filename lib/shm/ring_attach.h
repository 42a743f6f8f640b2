// Opening a writer's object by name and validating it: the one attach procedure shared by the
// frame reader and the input writer, so both apply the same rules to a foreign, short, corrupt
// or abandoned object. Not installed.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "shm_object.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm::detail {

// The header fields a writer never changes once it has published the object (magic through
// session_id). A copy taken at attach time is compared with the live bytes to notice a header
// that someone overwrote.
struct Layout {
  uint32_t magic, version, header_size, slot_count;
  uint64_t slot_size, slots_offset, total_size;
  uint32_t input_capacity, input_record_size;
  uint64_t session_id;
};
static_assert(sizeof(Layout) == offsetof(Header, session_id) + sizeof(uint64_t));

// A validated object with a live writer. The layout fields are copies taken at validation time:
// the live header is never trusted again (a corrupt writer could change it afterwards).
struct Ring {
  Mapping map;
  Header* h = nullptr;
  uint64_t slot_size = 0, slots_offset = 0;
  uint32_t slot_count = 0;
  uint64_t session = 0;
  Layout layout{};
  int32_t writer_pid = 0;
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

enum class WriterState {
  kAlive,
  kClosed,        // closed the object (exit, or replaced it by a grown one)
  kExited,        // its pid is gone
  kUnresponsive,  // its pid exists but its heartbeat stopped (stopped, hung, or a reused pid)
};
WriterState writer_state(const Header* h);

// Why an attached object can no longer be trusted, as a sentence naming `name`; "" while it is
// intact: a SIGBUS hit the mapping, the object is now shorter than its layout, or the fields
// fixed at publication (layout, session, writer pid) changed. Cheap: one fstat and a 56-byte
// compare, so it runs before every frame copy.
std::string ring_damage(const std::string& name, const Mapping& map, const Layout& layout,
                        int32_t writer_pid);

}  // namespace vtkstream::shm::detail
