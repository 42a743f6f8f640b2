// Input producer: pushes records into the writer's input ring without registering as a frame
// reader. It attaches lazily on a push and checks the writer's liveness on every push, so a
// renderer that restarts, grows its ring or dies is followed without any thread of its own.
//
// Why no reader entry: FrameWriter::has_readers() means "somebody watches the frames", and the
// renderer skips its readback while it is false (Publisher::Publish). A producer of input watches
// nothing; counting it would make an idle renderer read back frames nobody copies. The renderer
// still wakes for the input itself (every push bumps the input futex), and whoever shows the
// result (vtksrc's FrameReader) holds its own entry.
#include <atomic>
#include <deque>
#include <mutex>

#include "ring_attach.h"
#include "shm_internal.h"
#include "vtkstream/shm.h"

namespace vtkstream::shm {

using namespace detail;

namespace {
// Input kept locally while the ring is full: minutes of typing. A renderer that has not drained
// its ring for this long is stuck or hostile; keeping more would only grow our memory.
constexpr size_t kMaxBacklog = 4096;
}  // namespace

struct InputWriter::Impl {
  std::string name, pname;
  mutable std::mutex mutex;  // guards everything below
  Ring ring;                 // ring.h == nullptr while detached
  std::deque<InputEvent> backlog;
  std::atomic<size_t> pending{0};  // backlog.size(), readable without the lock (flush fast path)
  uint64_t backlog_session = 0;    // the writer session the backlog was queued for
  ErrorKind kind = ErrorKind::kNone;
  std::string error;

  bool attach_locked();
  void flush_locked();
  void set_backlog_size() { pending.store(backlog.size(), std::memory_order_relaxed); }
};

InputWriter::InputWriter(std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->pname = posix_name(impl_->name, &impl_->error);
  if (impl_->pname.empty()) impl_->kind = ErrorKind::kBadName;
}

InputWriter::~InputWriter() = default;

// True when attached to a live writer afterwards. Called before every push, so a dead, replaced
// or grown object is left at the first event that would otherwise go nowhere.
bool InputWriter::Impl::attach_locked() {
  // A truncated or overwritten object is left like a dead writer's (ring_damage: one fstat, far
  // cheaper than the futex wake every push makes anyway).
  if (ring.h && ring_damage(name, ring.map, ring.layout, ring.writer_pid).empty() &&
      writer_alive(ring.h))
    return true;
  ring = Ring{};
  if (pname.empty()) return false;  // error says why the name is unusable
  OpenFailure why;
  if (open_ring(name, pname, &ring, &why) != OpenResult::kOk) {
    kind = why.kind;
    error = why.error;
    // Input for a renderer that is gone means nothing to the next one.
    backlog.clear();
    set_backlog_size();
    return false;
  }
  // A ring grown by the same writer keeps its session: its backlog is still due. A new session
  // is another renderer that never saw the events before it.
  if (ring.session != backlog_session) {
    backlog.clear();
    set_backlog_size();
  }
  backlog_session = ring.session;
  kind = ErrorKind::kNone;
  error.clear();
  return true;
}

void InputWriter::Impl::flush_locked() {
  while (!backlog.empty() && input_push(ring.h, backlog.front()) != PushResult::kFull)
    backlog.pop_front();
  set_backlog_size();
}

bool InputWriter::push(const InputEvent& ev) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  if (!d.attach_locked()) return false;
  d.flush_locked();
  if (!d.backlog.empty()) {
    // Keep order behind the backlog; consecutive moves there collapse into the newest.
    const InputEvent& last = d.backlog.back();
    if (is_pointer_move(ev) && ev.kind == last.kind && ev.button == last.button)
      d.backlog.back() = ev;
    else
      d.backlog.push_back(ev);
  } else if (input_push(d.ring.h, ev) == PushResult::kFull) {
    d.backlog.push_back(ev);
  }
  while (d.backlog.size() > kMaxBacklog) d.backlog.pop_front();  // the oldest records go first
  d.set_backlog_size();
  return true;
}

size_t InputWriter::flush() {
  Impl& d = *impl_;
  if (d.pending.load(std::memory_order_relaxed) == 0) return 0;  // the usual case: no lock
  std::lock_guard lock(d.mutex);
  if (d.attach_locked()) d.flush_locked();
  return d.backlog.size();
}

size_t InputWriter::backlog() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->backlog.size();
}

bool InputWriter::attached() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ring.h != nullptr;
}

uint64_t InputWriter::session_id() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ring.h ? impl_->ring.session : 0;
}

std::string InputWriter::error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

ErrorKind InputWriter::error_kind() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->kind;
}

void InputWriter::detach() {
  std::lock_guard lock(impl_->mutex);
  impl_->ring = Ring{};
  impl_->backlog.clear();
  impl_->set_backlog_size();
}

}  // namespace vtkstream::shm
