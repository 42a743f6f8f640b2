// Writer side of the frame ring. Never waits for a reader: begin_frame picks a slot that is
// neither the latest frame nor (preferably) being copied, and seqlocks it while filling.
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#include "ring_attach.h"
#include "shm_internal.h"
#include "shm_object.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm {

using namespace detail;

namespace {

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Frames up to 1080p RGBA fit without re-creating the object on a resize; the pages of a larger
// slot are only touched when used.
constexpr uint64_t kDefaultMinCapacity = 1920ull * 1080 * 4;

// An idle writer sleeps on the input futex, and a wake-up cannot reach it through an object
// that was truncated under it (the futex word's page is gone). So it sleeps at most this long
// before checking its object (see FrameWriter::Impl::check_object), and replaces a damaged one.
constexpr int kObjectCheckMs = 1000;

void init_header(Header* h, uint32_t slots, uint64_t slot_size, uint64_t total,
                 uint64_t session_id) {
  // Zeroed by fallocate; atomics are constructed in place so their use is well-defined.
  new (h) Header;
  h->magic = 0;  // set last, below
  h->version = kVersion;
  h->header_size = sizeof(Header);
  h->slot_count = slots;
  h->slot_size = slot_size;
  h->slots_offset = round_up(sizeof(Header), 4096);
  h->total_size = total;
  h->input_capacity = kInputCapacity;
  h->input_record_size = sizeof(InputCell);
  h->session_id = session_id;
  h->writer_pid.store(getpid());
  h->closed.store(0);
  h->writer_heartbeat_ns.store(monotonic_ns());
  for (auto& r : h->readers) r.pid.store(0);
  h->publish_futex.store(0);
  h->acquiring.store(0);
  h->latest.store(0);
  h->input_head.store(0);
  h->input_tail.store(0);
  h->input_futex.store(0);
  h->overflow_seq.store(0);
  for (uint32_t i = 0; i < kInputCapacity; ++i) h->input[i].turn.store(i);
  std::atomic_thread_fence(std::memory_order_release);
  h->magic = kMagic;
}

void mark_closed(Header* h) {
  h->closed.store(1, std::memory_order_release);
  h->publish_futex.fetch_add(1, std::memory_order_release);
  futex_wake_all(&h->publish_futex);
}

}  // namespace

struct FrameWriter::Impl {
  std::string name, pname;
  uint32_t slots = kDefaultSlots;
  Mapping map;
  Header* h = nullptr;
  uint64_t frames = 0;
  int writing = -1;   // slot index between begin_frame and publish
  int latest_idx = -1;  // slot of the latest published frame
  int previous = -1;    // slot of the frame published before the latest
  uint32_t overflow_seen = 0;
  std::vector<InputEvent> carried;  // input drained from an object we replaced in grow()
  uint64_t session = 0;
  Layout layout{};  // the published layout, to notice someone overwriting it
  uint64_t republished = 0;
  std::string damage;  // why the object was last replaced

  std::mutex hb_mutex;  // guards `h` against grow() for the heartbeat thread
  std::condition_variable hb_cv;
  bool hb_stop = false;
  std::thread hb_thread;

  // Our own copies of the layout: readers map the object read-write, so the header's fields could
  // be rewritten under us; addresses are only ever computed from these.
  uint64_t slot_size = 0, slots_offset = 0;

  uint8_t* slot(uint32_t i) const {
    return static_cast<uint8_t*>(map.data()) + slots_offset + uint64_t(i) * slot_size;
  }
  SlotHeader* slot_header(uint32_t i) const { return reinterpret_cast<SlotHeader*>(slot(i)); }

  bool map_new(uint64_t capacity, std::string* err);
  std::string check_object() const;
  void repair_if_damaged();
  void heartbeat_loop();
  ~Impl();
};

bool FrameWriter::Impl::map_new(uint64_t capacity, std::string* err) {
  uint64_t slot_size = round_up(sizeof(SlotHeader) + capacity, 4096);
  if (slot_size > kMaxSlotSize) {
    *err = "frame of " + std::to_string(capacity) + " bytes is larger than the 1 GiB slot limit";
    return false;
  }
  uint64_t total = round_up(sizeof(Header), 4096) + uint64_t(slots) * slot_size;

  // Refuse to steal the name from a renderer that is still running.
  ErrorKind open_kind;
  std::string open_err;
  Mapping old = open_existing(pname, &open_err, &open_kind);
  Header* oldh = nullptr;
  if (old && validate_header(old.data(), old.size()).empty()) {
    oldh = static_cast<Header*>(old.data());
    int32_t pid = oldh->writer_pid.load();
    bool ours = map && old.inode() == map.inode();
    if (!ours && !oldh->closed.load() && pid != getpid() &&
        peer_alive(pid, oldh->writer_heartbeat_ns.load(), monotonic_ns())) {
      *err = "another renderer (pid " + std::to_string(pid) + ") is already publishing as '" +
             name + "'; pick another name";
      return false;
    }
  }

  std::string tmp;
  Mapping fresh = create_temp(pname, total, &tmp, err);
  if (!fresh) return false;
  // grow() keeps the session (and frame numbering): readers follow without seeing a restart.
  const bool damaged = map && !check_object().empty();
  if (!map || damaged) session = random_u64();  // a damaged object is replaced as a restart
  init_header(static_cast<Header*>(fresh.data()), slots, slot_size, total, session);
  std::memcpy(&layout, fresh.data(), sizeof layout);
  if (!publish_name(tmp, pname, err)) return false;

  if (damaged) {
    mark_closed(h);  // may land in zero pages (bus_guard.h); readers leave by ring_damage anyway
  } else if (map) {
    // Keep what producers queued in the object we are replacing.
    mark_closed(h);
    input_drain(h, &overflow_seen, &carried);
  }
  if (oldh && !(map && old.inode() == map.inode())) mark_closed(oldh);
  {
    std::lock_guard lock(hb_mutex);
    map = std::move(fresh);
    h = static_cast<Header*>(map.data());
    this->slot_size = slot_size;
    slots_offset = round_up(sizeof(Header), 4096);
  }
  overflow_seen = 0;
  writing = -1;
  latest_idx = -1;
  previous = -1;
  return true;
}

// Same test as a reader's ring_damage, from the writer's side: we know exactly what we wrote.
std::string FrameWriter::Impl::check_object() const {
  const off_t now = map.object_size();
  if (now >= 0 && uint64_t(now) < layout.total_size)
    return "shared memory '" + name + "' was truncated to " + std::to_string(now) + " bytes";
  const bool changed = std::memcmp(&layout, map.data(), sizeof layout) != 0 ||
                       h->writer_pid.load(std::memory_order_relaxed) != getpid() ||
                       h->closed.load(std::memory_order_relaxed) != 0;
  if (map.damaged()) return "shared memory '" + name + "' was truncated (a write past its end was caught)";
  if (changed) return "shared memory '" + name + "' was overwritten (its header changed)";
  return {};
}

// Publishes a fresh object (new session) when someone truncated or overwrote ours: readers left
// the old one and wait for a new one under the name.
void FrameWriter::Impl::repair_if_damaged() {
  std::string why = check_object();
  if (why.empty()) return;
  std::string err;
  if (!map_new(slot_size - sizeof(SlotHeader), &err)) {
    damage = why + "; cannot publish a new one: " + err;
    return;  // tried again at the next check
  }
  damage = why + "; published a fresh one";
  ++republished;
}

void FrameWriter::Impl::heartbeat_loop() {
  std::unique_lock lock(hb_mutex);
  while (!hb_stop) {
    if (h) h->writer_heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
    hb_cv.wait_for(lock, std::chrono::milliseconds(kHeartbeatPeriodMs));
  }
}

FrameWriter::Impl::~Impl() {
  if (hb_thread.joinable()) {
    {
      std::lock_guard lock(hb_mutex);
      hb_stop = true;
    }
    hb_cv.notify_all();
    hb_thread.join();
  }
  if (h) {
    mark_closed(h);
    unlink_if_ours(pname, map.inode());
  }
}

FrameWriter::FrameWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameWriter::~FrameWriter() = default;

std::unique_ptr<FrameWriter> FrameWriter::create(const std::string& name, uint32_t width,
                                                 uint32_t height, const Options& opts,
                                                 std::string* err) {
  std::string dummy;
  if (!err) err = &dummy;
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->pname = posix_name(name, err);
  if (impl->pname.empty()) return nullptr;
  if (opts.slots < kMinSlots || opts.slots > kMaxSlots) {
    *err = "slot count must be between " + std::to_string(kMinSlots) + " and " +
           std::to_string(kMaxSlots);
    return nullptr;
  }
  if (width == 0 || height == 0 || width > kMaxDimension || height > kMaxDimension) {
    *err = "frame size " + std::to_string(width) + "x" + std::to_string(height) +
           " is out of range";
    return nullptr;
  }
  impl->slots = opts.slots;
  uint64_t capacity = opts.max_frame_bytes
                          ? opts.max_frame_bytes
                          : std::max<uint64_t>(uint64_t(width) * height * 4, kDefaultMinCapacity);
  if (!impl->map_new(capacity, err)) return nullptr;
  if (opts.heartbeat_thread) impl->hb_thread = std::thread([p = impl.get()] { p->heartbeat_loop(); });
  return std::unique_ptr<FrameWriter>(new FrameWriter(std::move(impl)));
}

uint64_t FrameWriter::capacity() const { return impl_->slot_size - sizeof(SlotHeader); }

bool FrameWriter::grow(uint64_t min_frame_bytes, std::string* err) {
  std::string dummy;
  if (min_frame_bytes <= capacity()) return true;
  return impl_->map_new(min_frame_bytes, err ? err : &dummy);
}

uint8_t* FrameWriter::begin_frame(uint32_t width, uint32_t height, uint32_t stride,
                                  PixelFormat format, uint32_t flags, std::string* err) {
  Impl& d = *impl_;
  std::string why = validate_frame(width, height, stride, uint32_t(format), d.slot_size);
  if (!why.empty()) {
    if (err) *err = why + (uint64_t(stride) * height > capacity() ? "; call grow() first" : "");
    return nullptr;
  }
  if (d.writing >= 0) abort_frame();
  d.repair_if_damaged();  // one fstat and a 56-byte compare: nothing next to a readback

  // Our own record of the latest slot, not the shared one: readers cannot steer our writes.
  int latest_idx = d.latest_idx;
  // Candidates: every slot but the latest, and but the previous frame's while a reader is between
  // loading `latest` and marking its slot (it may be about to copy that one); most recently used
  // first, so when readers keep up the writer alternates between two slots whose pages are still
  // in cache. docs/performance.md has the numbers.
  const bool acquiring = d.h->acquiring.load(std::memory_order_seq_cst) != 0;
  uint32_t order[kMaxSlots];
  uint64_t age[kMaxSlots];  // copied once: a reader could change the shared values mid-sort
  uint32_t n = 0;
  for (uint32_t i = 0; i < d.slots; ++i) {
    age[i] = d.slot_header(i)->frame_number;
    if (int(i) != latest_idx && !(acquiring && int(i) == d.previous)) order[n++] = i;
  }
  std::sort(order, order + n, [&](uint32_t a, uint32_t b) { return age[a] > age[b]; });
  int chosen = -1;
  for (uint32_t k = 0; k < n && chosen < 0; ++k) {
    SlotHeader* s = d.slot_header(order[k]);
    // Only we write sequences, and no slot is being written now: an odd one was overwritten by
    // someone else, and left odd it would make every reader's copy of this slot look torn.
    if (s->seq.load(std::memory_order_relaxed) & 1) s->seq.fetch_add(1, std::memory_order_release);
    // Dekker-style with the reader (readers++ then load seq): either we see its count or it
    // sees our odd sequence and retries.
    s->seq.fetch_add(1, std::memory_order_seq_cst);
    if (s->readers.load(std::memory_order_seq_cst) == 0) {
      chosen = int(order[k]);
    } else {
      s->seq.fetch_add(1, std::memory_order_release);  // untouched: back to even
    }
  }
  if (chosen < 0) {
    // Every candidate is being copied (or a reader died mid-copy and left its count behind):
    // take the oldest anyway. The seqlock makes the slow reader retry; we never wait.
    chosen = int(order[n - 1]);
    d.slot_header(chosen)->seq.fetch_add(1, std::memory_order_seq_cst);
  }
  // Like Linux's write_seqcount_begin: the odd sequence must be visible before any frame byte.
  std::atomic_thread_fence(std::memory_order_release);
  SlotHeader* s = d.slot_header(chosen);
  s->width = width;
  s->height = height;
  s->stride = stride;
  s->format = uint32_t(format);
  s->flags = flags;
  d.writing = chosen;
  return d.slot(chosen) + sizeof(SlotHeader);
}

void FrameWriter::publish(uint64_t timestamp_ns, uint64_t input_seq) {
  Impl& d = *impl_;
  if (d.writing < 0) return;
  SlotHeader* s = d.slot_header(d.writing);
  s->timestamp_ns = timestamp_ns;
  s->frame_number = ++d.frames;
  s->input_seq = input_seq;
  s->seq.fetch_add(1, std::memory_order_release);
  d.previous = d.latest_idx;
  d.latest_idx = d.writing;
  d.h->latest.store((d.frames << 8) | uint64_t(d.writing), std::memory_order_release);
  d.h->publish_futex.fetch_add(1, std::memory_order_release);
  futex_wake_all(&d.h->publish_futex);
  d.writing = -1;
}

void FrameWriter::abort_frame() {
  Impl& d = *impl_;
  if (d.writing < 0) return;
  SlotHeader* s = d.slot_header(d.writing);
  s->frame_number = 0;  // content is garbage now; never pick it as "newest"
  s->seq.fetch_add(1, std::memory_order_release);
  d.writing = -1;
}

size_t FrameWriter::drain_input(std::vector<InputEvent>* out) {
  Impl& d = *impl_;
  size_t n = d.carried.size();
  out->insert(out->end(), d.carried.begin(), d.carried.end());
  d.carried.clear();
  return n + input_drain(d.h, &d.overflow_seen, out);
}

bool FrameWriter::wait_input(int timeout_ms) {
  Impl& d = *impl_;
  uint32_t v = d.h->input_futex.load(std::memory_order_acquire);
  uint64_t tail = d.h->input_tail.load(std::memory_order_relaxed);
  // An overflow record only counts when draining would apply it: an odd sequence (a producer died
  // mid-write) or a position the ring has not reached would otherwise wake us forever.
  const uint32_t ov = d.h->overflow_seq.load(std::memory_order_acquire);
  const bool overflow_due = !(ov & 1) && ov != d.overflow_seen && d.h->overflow_pos <= tail;
  if (!d.carried.empty() ||
      d.h->input[tail & (kInputCapacity - 1)].turn.load(std::memory_order_acquire) == tail + 1 ||
      overflow_due)
    return true;
  const uint64_t end = timeout_ms < 0 ? UINT64_MAX : monotonic_ns() + uint64_t(timeout_ms) * 1'000'000;
  for (;;) {
    const uint64_t now = monotonic_ns();
    if (now >= end) return false;
    const uint64_t left_ms = (end - now + 999'999) / 1'000'000;
    // A signal ends the wait ("input may be available" is allowed to be wrong): the host's
    // handler may have asked it to stop (Python raises KeyboardInterrupt only once we return).
    if (futex_wait(&d.h->input_futex, v, int(std::min<uint64_t>(left_ms, kObjectCheckMs))))
      return true;
    if (d.h->input_futex.load(std::memory_order_acquire) != v) return true;
    const uint64_t before = d.republished;
    d.repair_if_damaged();
    if (d.republished != before) return true;  // a fresh object: the caller should publish into it
  }
}

void FrameWriter::wake_input() {
  // Any thread may call this while grow() swaps the mapping on the owner's thread.
  std::lock_guard lock(impl_->hb_mutex);
  impl_->h->input_futex.fetch_add(1, std::memory_order_release);
  futex_wake_all(&impl_->h->input_futex);
}

bool FrameWriter::has_readers() const {
  const uint64_t now = monotonic_ns();
  for (auto& r : impl_->h->readers)
    if (peer_alive(r.pid.load(std::memory_order_relaxed),
                   r.heartbeat_ns.load(std::memory_order_relaxed), now))
      return true;
  return false;
}

void FrameWriter::heartbeat() {
  impl_->h->writer_heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
}

const std::string& FrameWriter::name() const { return impl_->name; }
uint64_t FrameWriter::session_id() const { return impl_->session; }
uint64_t FrameWriter::frames_published() const { return impl_->frames; }
uint64_t FrameWriter::objects_replaced() const { return impl_->republished; }
const std::string& FrameWriter::last_damage() const { return impl_->damage; }

}  // namespace vtkstream::shm
