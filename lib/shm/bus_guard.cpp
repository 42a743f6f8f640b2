// See bus_guard.h for why a SIGBUS on a ring replaces its mapping with zero pages.
#include "bus_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>

namespace vtkstream::shm::detail {

namespace {

// The handler reads this table without locks (it may run in any thread, in the middle of
// anything): a slot is published by storing `size` before `start` and retired by clearing
// `start` first, so the handler never sees a start with a stale size.
struct Slot {
  std::atomic<uintptr_t> start{0};
  std::atomic<size_t> size{0};
  std::atomic<bool> damaged{false};
};
Slot g_slots[kBusGuardSlots];
std::mutex g_table_mutex;  // serialises add/remove (never taken in the handler)
struct sigaction g_previous;
std::once_flag g_install_once;

void chain_to_previous(int sig, siginfo_t* info, void* ctx) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    g_previous.sa_sigaction(sig, info, ctx);
    return;
  }
  if (g_previous.sa_handler == SIG_IGN) return;
  if (g_previous.sa_handler != SIG_DFL) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action: restore it and let the signal come again. A fault re-executes the
  // instruction on return and dies of SIGBUS as it would have without us; a SIGBUS sent with
  // kill() is raised again (blocked until we return, then fatal).
  signal(SIGBUS, SIG_DFL);
  if (info->si_code <= 0) raise(SIGBUS);
}

void on_sigbus(int sig, siginfo_t* info, void* ctx) {
  const int saved_errno = errno;
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  // Only real faults (si_code > 0) carry a meaningful address.
  if (info->si_code > 0) {
    for (Slot& s : g_slots) {
      const uintptr_t start = s.start.load(std::memory_order_acquire);
      const size_t size = s.size.load(std::memory_order_relaxed);
      if (start == 0 || addr < start || addr - start >= size) continue;
      // mmap is a plain system call (not on POSIX's async-signal-safe list, but safe on Linux,
      // and libwayland-server relies on it the same way). MAP_FIXED replaces the pages
      // atomically: other threads see either the object or zeros, never a hole.
      void* p = mmap(reinterpret_cast<void*>(start), size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (p == MAP_FAILED) break;  // cannot repair: behave as if we were not there
      s.damaged.store(true, std::memory_order_release);
      errno = saved_errno;
      return;
    }
  }
  errno = saved_errno;
  chain_to_previous(sig, info, ctx);
}

void install() {
  struct sigaction sa = {};
  sa.sa_sigaction = on_sigbus;
  sigemptyset(&sa.sa_mask);
  // SA_ONSTACK: a thread that set up an alternate stack (stack overflow handling) keeps it.
  sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

int bus_guard_add(void* addr, size_t size) {
  std::call_once(g_install_once, install);
  std::lock_guard lock(g_table_mutex);
  for (int i = 0; i < kBusGuardSlots; ++i) {
    Slot& s = g_slots[i];
    if (s.start.load(std::memory_order_relaxed) != 0) continue;
    s.damaged.store(false, std::memory_order_relaxed);
    s.size.store(size, std::memory_order_relaxed);
    s.start.store(reinterpret_cast<uintptr_t>(addr), std::memory_order_release);
    return i;
  }
  return -1;
}

void bus_guard_remove(int handle) {
  if (handle < 0 || handle >= kBusGuardSlots) return;
  std::lock_guard lock(g_table_mutex);
  g_slots[handle].start.store(0, std::memory_order_release);
}

bool bus_guard_damaged(int handle) {
  return handle >= 0 && handle < kBusGuardSlots &&
         g_slots[handle].damaged.load(std::memory_order_acquire);
}

}  // namespace vtkstream::shm::detail
