// libFuzzer target: a shared-memory object written by anybody. The input is the object's bytes.
// Exercises header validation, and for inputs that pass it, what a reader and the writer then do
// with the rest of the object: attaching, copying the "latest" frame, pushing input, and the
// writer draining an input ring that a hostile producer filled.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "shm_internal.h"
#include "vtkstream/shm.h"

namespace shm = vtkstream::shm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // mmap'd objects are page aligned; give validation the same alignment guarantees.
  std::vector<uint8_t> copy(data, data + size);
  if (!shm::validate_header(copy.data(), copy.size()).empty()) return 0;

  auto* h = reinterpret_cast<shm::Header*>(copy.data());
  // Make the fuzzed writer look alive so the reader goes past liveness into the slots.
  h->writer_pid.store(getpid());
  h->writer_heartbeat_ns.store(shm::monotonic_ns());
  h->closed.store(0);

  // Writer side: drain whatever the input ring and overflow record claim to hold.
  std::vector<shm::InputEvent> events;
  uint32_t seen = 0;
  shm::detail::input_drain(h, &seen, &events);

  // Reader side, through a real object.
  std::string name = "vtkfuzz-" + std::to_string(getpid());
  int fd = shm_open(("/" + name).c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  if (write(fd, copy.data(), copy.size()) == ssize_t(copy.size())) {
    shm::FrameReader r(name);
    if (r.wait(0) == shm::FrameReader::Status::kFrame) {
      shm::FrameInfo info;
      std::vector<uint8_t> buf(64 * 64 * 4);
      if (r.read_latest(&info, nullptr, 0, 0) && info.width <= 64 && info.height <= 64)
        r.read_latest(&info, buf.data(), buf.size(), 64 * 4);
    }
    shm::InputEvent ev;
    ev.kind = uint16_t(shm::InputKind::kKeyDown);
    shm::InputWriter in(name);
    in.push(ev);
  }
  close(fd);
  shm_unlink(("/" + name).c_str());
  return 0;
}
