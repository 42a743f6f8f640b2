#include "ring_attach.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "shm_internal.h"

namespace vtkstream::shm::detail {

bool writer_alive(const Header* h) { return h && writer_state(h) == WriterState::kAlive; }

WriterState writer_state(const Header* h) {
  if (h->closed.load(std::memory_order_acquire)) return WriterState::kClosed;
  const int32_t pid = h->writer_pid.load();
  if (!pid_alive(pid)) return WriterState::kExited;
  return peer_alive(pid, h->writer_heartbeat_ns.load(), monotonic_ns()) ? WriterState::kAlive
                                                                        : WriterState::kUnresponsive;
}

std::string ring_damage(const std::string& name, const Mapping& map, const Layout& layout,
                        int32_t writer_pid) {
  const std::string what = "shared memory '" + name + "' ";
  const off_t now = map.object_size();
  if (now >= 0 && uint64_t(now) < layout.total_size)
    return what + "was truncated to " + std::to_string(now) + " bytes while in use (its layout needs " +
           std::to_string(layout.total_size) + "); treating its renderer as gone";
  // Both reads below may fault if the object shrinks right now: the guard then gives us zeros,
  // which differ from the copy, and damaged() says why.
  const bool changed =
      std::memcmp(&layout, map.data(), sizeof layout) != 0 ||
      static_cast<const Header*>(map.data())->writer_pid.load(std::memory_order_relaxed) != writer_pid;
  if (map.damaged())
    return what + "was truncated while in use (a read past its new end was caught); treating "
                  "its renderer as gone";
  if (changed)
    return what + "was overwritten while in use (its header no longer matches what its renderer "
                  "published); treating its renderer as gone";
  return {};
}

OpenResult open_ring(const std::string& name, const std::string& posix_name, Ring* out,
                     OpenFailure* why) {
  *why = OpenFailure{};
  Mapping m = open_existing(posix_name, &why->error, &why->kind, &why->inode);
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
  std::memcpy(&out->layout, &layout, sizeof out->layout);
  out->writer_pid = layout.writer_pid.load(std::memory_order_relaxed);
  return OpenResult::kOk;
}

}  // namespace vtkstream::shm::detail
