// Input ring: a bounded multi-producer single-consumer queue (Vyukov's per-cell turn counters)
// living in the shared object. Producers are readers of frames (vtksrc), the consumer is the
// writer (renderer). A producer that dies between claiming and filling a cell stalls the ring
// until the writer restarts; with one producer per stream in practice we accept that.
#include <cmath>
#include <cstring>

#include "shm_internal.h"

namespace vtkstream::shm::detail {

namespace {

constexpr uint64_t kMask = kInputCapacity - 1;
static_assert((kInputCapacity & kMask) == 0, "capacity must be a power of two");

PushResult coalesce_move(Header* h, const InputEvent& ev) {
  uint32_t s = h->overflow_seq.load(std::memory_order_relaxed);
  // Odd: another producer is writing the record right now; its move is as recent as ours.
  if ((s & 1) || !h->overflow_seq.compare_exchange_strong(s, s + 1, std::memory_order_acquire))
    return PushResult::kCoalesced;
  h->overflow_pos = h->input_head.load(std::memory_order_acquire);
  h->overflow_move = ev;
  h->overflow_seq.store(s + 2, std::memory_order_release);
  h->input_futex.fetch_add(1, std::memory_order_release);
  futex_wake_all(&h->input_futex);
  return PushResult::kCoalesced;
}

bool read_overflow(Header* h, uint32_t* seq, uint64_t* pos, InputEvent* ev) {
  uint32_t s1 = h->overflow_seq.load(std::memory_order_acquire);
  if (s1 & 1) return false;
  *pos = h->overflow_pos;
  std::memcpy(static_cast<void*>(ev), &h->overflow_move, sizeof *ev);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (h->overflow_seq.load(std::memory_order_relaxed) != s1) return false;
  *seq = s1;
  return true;
}

// The consumer trusts nothing a producer wrote.
bool sanitize(InputEvent* ev) {
  if (ev->kind < uint16_t(InputKind::kPointerMove) || ev->kind > uint16_t(InputKind::kInteractiveCap))
    return false;
  auto unit = [](float v) { return std::isfinite(v) ? std::fmin(1.f, std::fmax(0.f, v)) : 0.f; };
  auto finite = [](float v) { return std::isfinite(v) ? std::fmin(1e4f, std::fmax(-1e4f, v)) : 0.f; };
  ev->x = unit(ev->x);
  ev->y = unit(ev->y);
  ev->wheel_dx = finite(ev->wheel_dx);
  ev->wheel_dy = finite(ev->wheel_dy);
  ev->key[sizeof ev->key - 1] = '\0';
  if (ev->kind == uint16_t(InputKind::kResize) &&
      (ev->width == 0 || ev->height == 0 || ev->width > kMaxDimension ||
       ev->height > kMaxDimension))
    return false;
  // A cap is either none (0x0) or a real size.
  if (ev->kind == uint16_t(InputKind::kInteractiveCap) &&
      ((ev->width == 0) != (ev->height == 0) || ev->width > kMaxDimension || ev->height > kMaxDimension))
    return false;
  return true;
}

}  // namespace

PushResult input_push(Header* h, const InputEvent& ev) {
  // Only mouse moves coalesce into the single overflow record; touch moves carry a finger id each
  // (a pinch needs both fingers' latest positions), so they queue like any other record.
  const bool move = ev.kind == uint16_t(InputKind::kPointerMove);
  uint64_t pos = h->input_head.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t tail = h->input_tail.load(std::memory_order_acquire);
    if (move && pos - tail + kInputReserve >= kInputCapacity) return coalesce_move(h, ev);
    InputCell& cell = h->input[pos & kMask];
    uint64_t turn = cell.turn.load(std::memory_order_acquire);
    if (turn == pos) {
      if (h->input_head.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        cell.event = ev;
        cell.turn.store(pos + 1, std::memory_order_release);
        h->input_futex.fetch_add(1, std::memory_order_release);
        futex_wake_all(&h->input_futex);
        return PushResult::kQueued;
      }
      // pos was reloaded by the failed CAS
    } else if (turn < pos) {
      return move ? coalesce_move(h, ev) : PushResult::kFull;
    } else {
      // Another producer got this cell first and head has moved on; if head has not moved, the
      // turn counters are corrupt (found by fuzz-shm-header) and waiting would spin forever.
      uint64_t head = h->input_head.load(std::memory_order_relaxed);
      if (head == pos) return move ? coalesce_move(h, ev) : PushResult::kFull;
      pos = head;
    }
  }
}

size_t input_drain(Header* h, uint32_t* overflow_seen, std::vector<InputEvent>* out) {
  const size_t before = out->size();
  uint64_t tail = h->input_tail.load(std::memory_order_relaxed);
  uint32_t ov_seq = 0;
  uint64_t ov_pos = 0;
  InputEvent ov;
  bool ov_pending = read_overflow(h, &ov_seq, &ov_pos, &ov) && ov_seq != *overflow_seen;

  // The overflowed move logically sits just before ring position ov_pos.
  auto emit_overflow_if_due = [&] {
    if (ov_pending && tail >= ov_pos) {
      if (sanitize(&ov)) out->push_back(ov);
      *overflow_seen = ov_seq;
      ov_pending = false;
    }
  };
  for (;;) {
    emit_overflow_if_due();
    InputCell& cell = h->input[tail & kMask];
    if (cell.turn.load(std::memory_order_acquire) != tail + 1) break;
    InputEvent ev = cell.event;
    cell.turn.store(tail + kInputCapacity, std::memory_order_release);
    ++tail;
    h->input_tail.store(tail, std::memory_order_release);
    if (sanitize(&ev)) out->push_back(ev);
  }
  // A bogus position (a corrupt producer) would keep the move pending forever; drop it instead.
  if (ov_pending && ov_pos > tail + kInputCapacity) *overflow_seen = ov_seq;
  return out->size() - before;
}

}  // namespace vtkstream::shm::detail
