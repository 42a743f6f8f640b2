#include "ring_attach.h"

#include <algorithm>
#include <cstring>

#include "shm_internal.h"

namespace vtkstream::shm::detail {

bool writer_alive(const Header* h) {
  return h && !h->closed.load(std::memory_order_acquire) &&
         peer_alive(h->writer_pid.load(), h->writer_heartbeat_ns.load(), monotonic_ns());
}

OpenResult open_ring(const std::string& name, const std::string& posix_name, Ring* out,
                     OpenFailure* why) {
  *why = OpenFailure{};
  Mapping m = open_existing(posix_name, &why->error, &why->kind);
  if (!m) {
    if (why->kind == ErrorKind::kNoObject) {
      why->error = "no renderer is publishing as '" + name + "' (no shared-memory object)";
      return OpenResult::kMissing;
    }
    return OpenResult::kInvalid;
  }
  // Validate a private copy, and keep using that copy: the other side may rewrite the live
  // header at any time, and a check of the live bytes would prove nothing a moment later.
  Header layout;
  const size_t n = std::min(m.size(), sizeof layout);
  std::memset(static_cast<void*>(&layout), 0, sizeof layout);
  std::memcpy(static_cast<void*>(&layout), m.data(), n);
  std::string bad = validate_header(&layout, m.size());
  if (!bad.empty()) {
    why->kind = ErrorKind::kInvalidHeader;
    why->error = "shared memory '" + name + "': " + bad;
    why->inode = m.inode();
    return OpenResult::kInvalid;
  }
  auto* h = static_cast<Header*>(m.data());
  if (!writer_alive(h)) {
    why->kind = ErrorKind::kWriterGone;
    why->error = "the renderer that published '" + name + "' has exited or stopped responding";
    return OpenResult::kStale;  // left behind by a writer that is gone; wait for a new one
  }
  out->map = std::move(m);
  out->h = h;
  out->slot_size = layout.slot_size;
  out->slots_offset = layout.slots_offset;
  out->slot_count = layout.slot_count;
  out->session = layout.session_id;
  return OpenResult::kOk;
}

}  // namespace vtkstream::shm::detail
