// SIGBUS protection for mappings of objects another process may shrink. Not installed.
//
// Accessing a page of a MAP_SHARED mapping that lies beyond the end of its file raises SIGBUS,
// and any process of the same user may ftruncate a ring under us at any moment: a check of the
// size (fstat) before each access always leaves a window. So every mapping of a ring is
// registered here, and a process-wide SIGBUS handler that finds the faulting address inside a
// registered mapping replaces that whole mapping with anonymous zero pages (mmap MAP_FIXED) and
// marks it damaged; the faulting instruction then runs again and reads zeros. The owner of the
// mapping checks damaged() after its accesses and treats the object as gone.
//
// Why this, and not the alternatives (measured with bench/transport, see docs/shm.md):
//  * sigsetjmp/siglongjmp around each copy would skip C++ destructors (undefined behaviour in
//    the code between) and must cover every header access too (atomics in wait loops, futexes,
//    the input ring), not just the frame copy;
//  * pread/process_vm_readv return errors instead of faulting, but add a syscall and a kernel
//    copy to every frame and cannot serve atomics or futexes.
// The zero-page remap costs nothing on the frame path (no extra instruction per byte, one
// relaxed load per frame) and is what Wayland compositors do for clients' wl_shm pools
// (libwayland-server's wl_shm_buffer_begin_access and its SIGBUS handler).
//
// A SIGBUS outside every registered mapping goes to the handler that was installed before ours
// (or gets the default action: the process dies as it would have without us).
#pragma once

#include <cstddef>

namespace vtkstream::shm::detail {

// Registers [addr, addr + size). Returns a handle for the calls below, or -1 when the table is
// full (the mapping is then unprotected; kBusGuardSlots mappings is far more than a process of
// ours holds: one ring per reader, input writer and writer).
int bus_guard_add(void* addr, size_t size);
// Forgets a mapping; call before munmap.
void bus_guard_remove(int handle);
// True once a SIGBUS hit the mapping (it now holds anonymous zero pages, not the object).
bool bus_guard_damaged(int handle);

inline constexpr int kBusGuardSlots = 64;

}  // namespace vtkstream::shm::detail
