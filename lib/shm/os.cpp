#include <linux/futex.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>

#include "shm_internal.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm {

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

std::string posix_name(const std::string& name, std::string* err) {
  // /dev/shm is flat: a slash or a dot-name would escape it or hide the object.
  if (name.empty() || name.size() > 200) {
    *err = "shared-memory name must be 1 to 200 characters";
    return {};
  }
  if (name[0] == '.') {
    *err = "shared-memory name '" + name + "' must not start with a dot";
    return {};
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      *err = "shared-memory name '" + name + "' may only contain letters, digits, '-', '_' and '.'";
      return {};
    }
  }
  return "/" + name;
}

namespace detail {

bool futex_wait(std::atomic<uint32_t>* word, uint32_t expected, int timeout_ms) {
  timespec ts{}, *tsp = nullptr;
  if (timeout_ms >= 0) {
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = long(timeout_ms % 1000) * 1'000'000;
    tsp = &ts;
  }
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, tsp, nullptr,
                 0) != 0 && errno == EINTR;
}

void futex_wake_all(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT32_MAX, nullptr, nullptr,
          0);
}

bool pid_alive(int32_t pid) {
  if (pid <= 0) return false;
  return kill(pid, 0) == 0 || errno == EPERM;
}

bool peer_alive(int32_t pid, uint64_t heartbeat_ns, uint64_t now_ns) {
  if (!pid_alive(pid)) return false;
  return now_ns < heartbeat_ns || now_ns - heartbeat_ns < kHeartbeatTimeoutNs;
}

uint64_t random_u64() {
  uint64_t v = 0;
  if (getrandom(&v, sizeof v, 0) != sizeof v) {
    std::random_device rd;
    v = (uint64_t(rd()) << 32) ^ rd();
  }
  return v ? v : 1;
}

}  // namespace detail
}  // namespace vtkstream::shm
