// Reader side of the frame ring: attach/validate/reattach, interruptible waits and tear-free
// copies. While attached it sleeps on the publish futex; while no writer exists it sleeps on
// inotify for the name to appear. The only timed wake-ups are the liveness checks of the writer
// (a crashed writer cannot wake anybody), kHeartbeatPeriodMs apart.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "ring_attach.h"
#include "shm_internal.h"
#include "shm_object.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm {

using namespace detail;

namespace {
// How often to look again at an object that was invalid or whose writer looked dead, in case it
// changes without a rename (a stopped writer resuming, a foreign program rewriting it in place).
constexpr int kRecheckMs = 1000;
}  // namespace

struct FrameReader::Impl {
  std::string name, pname, error;
  ErrorKind error_kind = ErrorKind::kNone;
  // Guards map/h: wait() and read_latest() run on one thread (they alone attach and detach),
  // while interrupt() and the accessors may come from any other.
  mutable std::mutex mutex;
  Mapping map;
  Header* h = nullptr;
  int reader_index = -1;
  uint64_t session = 0;
  uint64_t last_frame = 0;
  // A `latest` word that names a frame its slot does not hold (someone wrote over the header or
  // the slot): not news until the writer publishes again, or wait() would spin on it.
  uint64_t suspect_latest = 0;
  ino_t invalid_inode = 0;       // object already reported as invalid
  std::atomic<bool> interrupted{false};
  int event_fd = -1;
  int inotify_fd = -1;
  bool inotify_watching = false;

  enum class Attach { kOk, kMissing, kInvalid, kStale };
  Attach try_attach();
  void detach_locked();
  bool writer_alive_locked() const { return detail::writer_alive(h); }
  Status wait_detached(int timeout_ms, bool first_invalid);
  void fail(ErrorKind kind, std::string text) {
    error_kind = kind;
    error = std::move(text);
  }
  // The layout as validated at attach time; the live header fields are never trusted again (a
  // corrupt writer could change them after validation).
  uint64_t slot_size = 0, slots_offset = 0;
  uint32_t slot_count = 0;
  Layout layout{};
  int32_t writer_pid = 0;
  SlotHeader* slot_header(uint32_t idx) const {
    return reinterpret_cast<SlotHeader*>(static_cast<uint8_t*>(map.data()) + slots_offset +
                                         uint64_t(idx) * slot_size);
  }
};

FrameReader::FrameReader(std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->pname = posix_name(impl_->name, &impl_->error);
  if (impl_->pname.empty()) impl_->error_kind = ErrorKind::kBadName;
  impl_->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // Made here, watched from the first wait for a writer: a reader's descriptors are all there from
  // its start, so a process's descriptor count does not grow later on its own (a server measured
  // just after start, before its reader first waited, looked like it leaked one).
  impl_->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

FrameReader::~FrameReader() {
  detach();
  if (impl_->event_fd >= 0) close(impl_->event_fd);
  if (impl_->inotify_fd >= 0) close(impl_->inotify_fd);
}

FrameReader::Impl::Attach FrameReader::Impl::try_attach() {
  if (pname.empty()) return Attach::kInvalid;  // error already says why the name is bad
  Ring ring;
  OpenFailure why;
  switch (open_ring(name, pname, &ring, &why)) {
    case OpenResult::kOk:
      break;
    case OpenResult::kMissing:
      fail(why.kind, why.error);
      return Attach::kMissing;
    case OpenResult::kStale:
      fail(why.kind, why.error);
      return Attach::kStale;
    case OpenResult::kInvalid: {
      fail(why.kind, why.error);
      // Report each invalid object once; the same one again is waited out like a stale one.
      const bool first = why.inode == 0 || why.inode != invalid_inode;
      invalid_inode = why.inode;
      return first ? Attach::kInvalid : Attach::kStale;
    }
  }

  std::lock_guard lock(mutex);
  map = std::move(ring.map);
  h = ring.h;
  slot_size = ring.slot_size;
  slots_offset = ring.slots_offset;
  slot_count = ring.slot_count;
  layout = ring.layout;
  writer_pid = ring.writer_pid;
  suspect_latest = 0;
  invalid_inode = 0;
  fail(ErrorKind::kNone, {});
  if (session != ring.session) last_frame = 0;  // a new writer: its latest frame is news
  session = ring.session;
  int32_t me = getpid();
  for (uint32_t i = 0; i < kMaxReaders && reader_index < 0; ++i) {
    int32_t pid = h->readers[i].pid.load();
    if ((pid == 0 || !pid_alive(pid)) && h->readers[i].pid.compare_exchange_strong(pid, me))
      reader_index = int(i);
  }
  if (reader_index >= 0) h->readers[reader_index].heartbeat_ns.store(monotonic_ns());
  // A renderer that skipped readbacks while nobody watched sleeps on the input futex: tell it a
  // viewer is here so it publishes a fresh frame now rather than on its next timeout.
  h->input_futex.fetch_add(1, std::memory_order_release);
  futex_wake_all(&h->input_futex);
  return Attach::kOk;
}

void FrameReader::Impl::detach_locked() {
  if (h && reader_index >= 0) {
    int32_t me = getpid();
    h->readers[reader_index].pid.compare_exchange_strong(me, 0);
  }
  reader_index = -1;
  h = nullptr;
  map.reset();
}

FrameReader::Status FrameReader::Impl::wait_detached(int timeout_ms, bool first_invalid) {
  if (first_invalid) return Status::kInvalid;
  if (inotify_fd >= 0 && !inotify_watching)
    inotify_watching = inotify_add_watch(inotify_fd, kShmDir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB) >= 0;
  pollfd fds[2] = {{event_fd, POLLIN, 0}, {inotify_fd, POLLIN, 0}};
  int n = inotify_fd >= 0 ? 2 : 1;
  int t = timeout_ms < 0 ? kRecheckMs : std::min(timeout_ms, kRecheckMs);
  if (interrupted.load()) return Status::kInterrupted;
  int rc = poll(fds, n, t);
  if (rc > 0 && n == 2 && (fds[1].revents & POLLIN)) {
    alignas(inotify_event) char buf[4096];
    while (read(inotify_fd, buf, sizeof buf) > 0) {
    }  // any change in the directory is reason enough to look again
  }
  if (interrupted.load()) return Status::kInterrupted;
  return rc == 0 && timeout_ms >= 0 && timeout_ms <= kRecheckMs ? Status::kNoWriter
                                                                 : Status::kTimeout;
}

FrameReader::Status FrameReader::wait(int timeout_ms) {
  Impl& d = *impl_;
  const uint64_t start = monotonic_ns();
  auto remaining_ms = [&]() -> int {
    if (timeout_ms < 0) return -1;
    uint64_t spent = (monotonic_ns() - start) / 1'000'000;
    return spent >= uint64_t(timeout_ms) ? 0 : int(uint64_t(timeout_ms) - spent);
  };
  for (;;) {
    if (d.interrupted.load()) return Status::kInterrupted;
    if (!d.h) {
      auto r = d.try_attach();
      if (r == Impl::Attach::kOk) continue;
      int left = remaining_ms();
      if (r == Impl::Attach::kInvalid) return Status::kInvalid;
      if (left == 0) return Status::kNoWriter;
      Status s = d.wait_detached(left, false);
      if (s == Status::kInterrupted) return s;
      continue;
    }
    // Before anything else is read from the object: a truncated or overwritten ring is left at
    // once (its offsets would point past its end, its words mean nothing).
    std::string damage = ring_damage(d.name, d.map, d.layout, d.writer_pid);
    if (!damage.empty()) {
      const ino_t inode = d.map.inode();
      {
        std::lock_guard lock(d.mutex);
        d.detach_locked();
      }
      d.invalid_inode = inode;  // reported now; the same object again is waited out quietly
      d.fail(ErrorKind::kDamaged, std::move(damage));
      return Status::kInvalid;
    }
    const WriterState ws = writer_state(d.h);
    if (ws != WriterState::kAlive) {
      const bool replaced = ws == WriterState::kClosed;
      const uint64_t old_session = d.session;
      {
        std::lock_guard lock(d.mutex);
        d.detach_locked();
      }
      // A writer that grew its ring renamed a new object over the name with the same session:
      // follow it without reporting a restart.
      if (replaced && d.try_attach() == Impl::Attach::kOk && d.session == old_session) continue;
      if (d.h) return Status::kNoWriter;
      if (ws == WriterState::kUnresponsive)
        d.fail(ErrorKind::kWriterUnresponsive,
               "the renderer that published '" + d.name + "' stopped responding (its process "
               "exists but its heartbeat stopped " + std::to_string(kHeartbeatTimeoutNs / 1'000'000'000) +
               " s ago or more)");
      else
        d.fail(ErrorKind::kWriterGone,
               "the renderer that published '" + d.name + "' has exited or was replaced");
      return Status::kNoWriter;  // gone, or replaced by a new writer: the caller sees the change
    }
    if (d.reader_index >= 0)
      d.h->readers[d.reader_index].heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
    uint32_t v = d.h->publish_futex.load(std::memory_order_acquire);
    const uint64_t latest = d.h->latest.load(std::memory_order_acquire);
    if (latest != d.suspect_latest && (latest >> 8) > d.last_frame) return Status::kFrame;
    if (d.interrupted.load()) return Status::kInterrupted;
    int left = remaining_ms();
    if (left == 0) return Status::kTimeout;
    futex_wait(&d.h->publish_futex, v, left < 0 ? kHeartbeatPeriodMs : std::min(left, kHeartbeatPeriodMs));
  }
}

bool FrameReader::read_latest(FrameInfo* info, uint8_t* dst, size_t dst_size,
                              uint32_t dst_stride) {
  Impl& d = *impl_;
  if (!d.h) {
    d.fail(ErrorKind::kNotAttached, "not attached to a renderer");
    return false;
  }
  Header* h = d.h;
  for (int attempt = 0; attempt < 16; ++attempt) {
    h->acquiring.fetch_add(1, std::memory_order_seq_cst);
    uint64_t latest = h->latest.load(std::memory_order_seq_cst);
    uint32_t idx = uint32_t(latest & 0xff);
    uint64_t number = latest >> 8;
    if (latest == 0 || idx >= d.slot_count) {
      h->acquiring.fetch_sub(1, std::memory_order_relaxed);
      if (latest == 0)
        d.fail(ErrorKind::kNoFrame, "the renderer has not published a frame yet");
      else
        d.fail(ErrorKind::kInvalidFrame, "renderer published an invalid frame: slot index " +
                                             std::to_string(idx) + " out of range");
      if (latest != 0) d.last_frame = number;  // consumed, as an invalid frame
      return false;
    }
    SlotHeader* s = d.slot_header(idx);
    s->readers.fetch_add(1, std::memory_order_seq_cst);
    h->acquiring.fetch_sub(1, std::memory_order_relaxed);
    uint32_t s1 = s->seq.load(std::memory_order_seq_cst);
    SlotMeta meta;
    std::memcpy(static_cast<void*>(&meta), s, sizeof meta);
    bool ok = !(s1 & 1) && meta.frame_number == number;
    std::string why = ok ? validate_frame(meta.width, meta.height, meta.stride, meta.format, d.slot_size) : std::string();
    if (ok && why.empty() && dst) {
      uint32_t bpp = bytes_per_pixel(PixelFormat(meta.format));
      uint64_t row = uint64_t(meta.width) * bpp;
      if (dst_stride < row || dst_size < uint64_t(dst_stride) * meta.height) {
        s->readers.fetch_sub(1, std::memory_order_relaxed);
        d.fail(ErrorKind::kBufferTooSmall, "destination buffer too small for " +
                                               std::to_string(meta.width) + "x" +
                                               std::to_string(meta.height));
        return false;
      }
      const uint8_t* src = reinterpret_cast<const uint8_t*>(s) + sizeof(SlotHeader);
      bool flip = meta.flags & kSlotBottomUp;
      if (!flip && dst_stride == meta.stride) {
        std::memcpy(dst, src, size_t(meta.stride) * meta.height);
      } else {
        for (uint32_t y = 0; y < meta.height; ++y) {
          uint32_t sy = flip ? meta.height - 1 - y : y;
          std::memcpy(dst + size_t(y) * dst_stride, src + size_t(sy) * meta.stride, row);
        }
      }
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    uint32_t s2 = s->seq.load(std::memory_order_relaxed);
    s->readers.fetch_sub(1, std::memory_order_relaxed);
    if (d.map.damaged()) {
      d.fail(ErrorKind::kDamaged, "shared memory '" + d.name + "' was truncated during a copy");
      return false;
    }
    if (!ok || s1 != s2) {
      // The writer never writes the slot `latest` names, so a retry is only due when `latest`
      // moved on meanwhile (the writer got there first: take the newer frame). Unchanged, the
      // slot is broken (overwritten by someone else): skip it until the next publish.
      if (h->latest.load(std::memory_order_seq_cst) != latest) continue;
      d.suspect_latest = latest;
      d.fail(ErrorKind::kInvalidFrame, "shared memory '" + d.name + "': frame " +
                                           std::to_string(number) + " is not in the slot (" +
                                           std::to_string(idx) + ") its header names; the ring "
                                           "was overwritten? waiting for the next frame");
      return false;
    }
    if (!why.empty()) {
      d.fail(ErrorKind::kInvalidFrame, "renderer wrote an invalid frame: " + why);
      d.last_frame = number;  // consumed: wait() must not report this frame again
      return false;
    }
    info->width = meta.width;
    info->height = meta.height;
    info->stride = dst ? dst_stride : meta.stride;
    info->format = PixelFormat(meta.format);
    info->timestamp_ns = meta.timestamp_ns;
    info->frame_number = meta.frame_number;
    info->input_seq = meta.input_seq;
    info->session_id = d.session;
    info->still = (meta.flags & kSlotStill) != 0;
    if (dst) d.last_frame = number;
    return true;
  }
  d.fail(ErrorKind::kBusy, "the renderer overwrote the frame during every copy attempt");
  return false;
}

void FrameReader::interrupt() {
  Impl& d = *impl_;
  d.interrupted.store(true);
  uint64_t one = 1;
  if (d.event_fd >= 0) (void)!write(d.event_fd, &one, sizeof one);
  std::lock_guard lock(d.mutex);
  if (d.h) {
    // Bumping the word makes a futex_wait that is about to start return at once.
    d.h->publish_futex.fetch_add(1, std::memory_order_release);
    futex_wake_all(&d.h->publish_futex);
  }
}

void FrameReader::clear_interrupt() {
  Impl& d = *impl_;
  uint64_t v;
  if (d.event_fd >= 0) (void)!read(d.event_fd, &v, sizeof v);
  d.interrupted.store(false);
}

bool FrameReader::attached() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->h != nullptr;
}
bool FrameReader::writer_alive() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->writer_alive_locked();
}
uint64_t FrameReader::session_id() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->h ? impl_->session : 0;
}
const std::string& FrameReader::error() const { return impl_->error; }
ErrorKind FrameReader::error_kind() const { return impl_->error_kind; }

void FrameReader::detach() {
  std::lock_guard lock(impl_->mutex);
  impl_->detach_locked();
}

}  // namespace vtkstream::shm
