// Internal helpers of the shm library: OS wrappers and the input-ring algorithms shared by the
// writer (consumer) and reader (producer). Not installed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vtkstream/shm_layout.h"

namespace vtkstream::shm::detail {

// Futex on a 32-bit word in a MAP_SHARED mapping (not FUTEX_PRIVATE: the waker is another
// process). wait returns when *word != expected, on a wake, on timeout or on a signal; true
// only for a signal (EINTR), so a caller can let its program see it (Python's Ctrl-C).
bool futex_wait(std::atomic<uint32_t>* word, uint32_t expected, int timeout_ms);
void futex_wake_all(std::atomic<uint32_t>* word);

// true when `pid` names a live process (kill(pid, 0) succeeds or is only denied).
bool pid_alive(int32_t pid);

// A peer whose heartbeat is older than this is treated as gone even if its pid looks alive
// (pid reuse, another pid namespace, a stopped process).
inline constexpr uint64_t kHeartbeatTimeoutNs = 3'000'000'000ull;
inline constexpr int kHeartbeatPeriodMs = 250;

// A plain copy of a SlotHeader, taken under the seqlock.
struct SlotMeta {
  uint32_t seq, readers, width, height, stride, format, flags, reserved0;
  uint64_t timestamp_ns, frame_number, input_seq, reserved1;
};
static_assert(sizeof(SlotMeta) == sizeof(SlotHeader));

bool peer_alive(int32_t pid, uint64_t heartbeat_ns, uint64_t now_ns);

uint64_t random_u64();

// Input ring, producer side. Returns false when the ring has no room for this event.
// Pointer moves only use the ring while kInputReserve cells stay free; otherwise they go to the
// header's single overflow record (the latest move wins).
enum class PushResult { kQueued, kCoalesced, kFull };
PushResult input_push(Header* h, const InputEvent& ev);

// Input ring, consumer side: appends everything queued, in order, to `out`.
// `overflow_seen` is the consumer's memory of the last overflow record it applied.
size_t input_drain(Header* h, uint32_t* overflow_seen, std::vector<InputEvent>* out);

inline bool is_pointer_move(const InputEvent& ev) {
  return ev.kind == static_cast<uint16_t>(InputKind::kPointerMove) ||
         ev.kind == static_cast<uint16_t>(InputKind::kTouchMove);
}

}  // namespace vtkstream::shm::detail
