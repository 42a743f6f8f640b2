// vtkstream shared-memory frame ring and input ring: the GStreamer-free, VTK-free core shared by
// the renderer (FrameWriter) and vtksrc (FrameReader for frames, InputWriter for input). The
// layout and its contract are described at the top of shm_layout.h. libvtkstream exports
// everything declared here, so a program can also read frames without GStreamer (see
// examples/ring-reader.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vtkstream/export.h"
#include "vtkstream/shm_layout.h"

namespace vtkstream::shm {

// CLOCK_MONOTONIC in nanoseconds: the clock of every timestamp in the object.
VTKSTREAM_API uint64_t monotonic_ns();

// Checks a header that may come from anywhere (another program, a crashed writer, a fuzzer).
// `object_size` is the size of the mapping. Returns an empty string when valid, otherwise a
// sentence saying what is wrong.
VTKSTREAM_API std::string validate_header(const void* data, size_t object_size);

// Checks a frame description (as found in a slot header) against the slot's capacity.
VTKSTREAM_API std::string validate_frame(uint32_t width, uint32_t height, uint32_t stride,
                                         uint32_t format, uint64_t slot_size);

// Removes the object `name` when it is a vtkstream ring of this user whose writer process no
// longer exists (what a killed renderer leaves behind); `writer_pid` gets that writer's pid.
// False when there is nothing of that kind to remove: no object, another user's, not a ring, or
// a writer that still exists (even a stopped one).
VTKSTREAM_API bool remove_if_stale(const std::string& name, int32_t* writer_pid = nullptr);
// The same for every object whose name starts with `prefix` (vtkstream-serve's private names);
// returns the names removed.
VTKSTREAM_API std::vector<std::string> sweep_stale(const std::string& prefix);

// Object names are what users type (`demo`); this gives the POSIX name ("/demo") and rejects
// names that could escape /dev/shm. Returns an empty string and sets `err` when invalid.
VTKSTREAM_API std::string posix_name(const std::string& name, std::string* err);

// What went wrong, for callers that must react differently to different failures (vtksrc warns
// about an unusable frame but waits quietly for a missing renderer). The text of error() says
// the same for people.
enum class ErrorKind {
  kNone,
  kBadName,         // the name cannot be a shared-memory object name (see posix_name)
  kNoObject,        // no object of that name exists (yet)
  kOtherUser,       // the object belongs to another user, or we may not open it
  kOpenFailed,      // it exists but could not be opened, examined or mapped
  kInvalidHeader,   // foreign, short or corrupt object: its header failed validation
  kWriterGone,      // the object's writer closed it or died; waiting for a new one
  kWriterUnresponsive,  // the writer's process exists but its heartbeat stopped (stopped, hung)
  kDamaged,         // the attached object was truncated or overwritten; waiting for a new one
  kNotAttached,     // read_latest() without an attached writer
  kNoFrame,         // attached, but the writer has not published a frame yet
  kInvalidFrame,    // the writer published a frame that fails validation (it is skipped)
  kBufferTooSmall,  // the caller's destination cannot hold the frame
  kBusy,            // the writer overwrote the frame during every copy attempt
};

// Metadata of a frame copied out of the ring.
struct FrameInfo {
  uint32_t width = 0, height = 0, stride = 0;
  PixelFormat format = PixelFormat::kRGBA;
  uint64_t timestamp_ns = 0;
  uint64_t frame_number = 0;
  uint64_t input_seq = 0;
  uint64_t session_id = 0;
  bool still = false;  // the writer marked it kSlotStill (shm_layout.h)
};

// --------------------------------------------------------------------------------------------
// Writer side (one per object).
class VTKSTREAM_API FrameWriter {
 public:
  struct Options {
    uint32_t slots = kDefaultSlots;
    uint64_t max_frame_bytes = 0;  // slot payload capacity; 0 = from the first frame size
    bool heartbeat_thread = true;  // keep writer_heartbeat_ns fresh from a small thread
  };

  // Creates the object under `name`, replacing (and marking closed) any previous one.
  static std::unique_ptr<FrameWriter> create(const std::string& name, uint32_t width,
                                             uint32_t height, const Options& opts,
                                             std::string* err);
  static std::unique_ptr<FrameWriter> create(const std::string& name, uint32_t width,
                                             uint32_t height, std::string* err) {
    return create(name, width, height, Options{}, err);
  }
  ~FrameWriter();  // marks the object closed, wakes readers, unlinks the name if still ours

  // Two-step publish so the readback lands directly in shared memory (the copy budget is one):
  //   auto* p = w->begin_frame(w, h, stride, fmt, flags);  // never waits
  //   glReadPixels(..., p);
  //   w->publish(timestamp_ns, input_seq);
  // begin_frame returns nullptr (and sets err) when the size cannot fit; call grow() first.
  uint8_t* begin_frame(uint32_t width, uint32_t height, uint32_t stride, PixelFormat format,
                       uint32_t flags, std::string* err = nullptr);
  void publish(uint64_t timestamp_ns, uint64_t input_seq);
  void abort_frame();  // discard a frame started with begin_frame

  // Payload bytes per slot. A larger frame needs grow(), which re-creates the object under the
  // same name with the same session id and frame numbering (readers follow by themselves).
  uint64_t capacity() const;
  bool grow(uint64_t min_frame_bytes, std::string* err);

  // Input coming back from readers, oldest first. Moves that overflowed are coalesced into the
  // latest one; nothing else is ever dropped.
  size_t drain_input(std::vector<InputEvent>* out);
  // Blocks until input arrives or the timeout passes (futex, no polling). timeout_ms < 0: forever.
  // Returns true when input may be available (also after a signal interrupted the wait).
  // wake_input() unblocks it from another thread.
  bool wait_input(int timeout_ms);
  void wake_input();

  bool has_readers() const;  // any live reader attached
  void heartbeat();          // refresh writer_heartbeat_ns (done by the thread when enabled)

  const std::string& name() const;
  uint64_t session_id() const;
  uint64_t frames_published() const;
  // How often the object was found truncated or overwritten by someone else (checked at every
  // begin_frame() and, while idle, once a second in wait_input()) and replaced by a fresh one
  // under the same name with a new session; last_damage() says what happened. Pictures already
  // published are lost with the old object: publish again after a replacement.
  uint64_t objects_replaced() const;
  const std::string& last_damage() const;

  struct VTKSTREAM_LOCAL Impl;

 private:
  VTKSTREAM_LOCAL explicit FrameWriter(std::unique_ptr<Impl> impl);  // create() only
  std::unique_ptr<Impl> impl_;
};

// --------------------------------------------------------------------------------------------
// Reader side. Handles attaching, validating, noticing the writer's death or replacement and
// reattaching; every wait is interruptible from another thread.
class VTKSTREAM_API FrameReader {
 public:
  explicit FrameReader(std::string name);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  enum class Status {
    kFrame,        // a frame newer than the last one read is available
    kTimeout,      // nothing new within the timeout (the writer is alive but idle)
    kInterrupted,  // interrupt() was called
    kNoWriter,     // no object of that name, or its writer died / closed it
    kInvalid,      // the object exists but is not a valid vtkstream ring (see error())
  };

  // Waits for a frame newer than the last one copied. Attaches (and reattaches after a writer
  // restart) by itself; a writer that grew its ring (same session) is followed silently. Wakes
  // within a futex wake-up of a publish; while no writer exists it sleeps on inotify for the
  // name to appear. kNoWriter is returned when an attached writer goes away, and at the end of
  // a finite timeout while none exists: timeout_ms < 0 keeps waiting for one (call wait(0)
  // first to learn whether a writer is there).
  //
  // Threads: wait(), read_latest(), error() and error_kind() belong to one thread; interrupt(),
  // clear_interrupt() and the other accessors are safe from any thread.
  Status wait(int timeout_ms);

  // Copies the newest frame into `dst` (rows top-down, `dst_stride` bytes apart, flipping a
  // bottom-up slot on the way). Retries internally if the writer overwrote the slot mid-copy, so
  // the result is never torn. Returns false when nothing valid is there (see error()).
  // With dst == nullptr only `info` is filled (to learn the size before allocating).
  bool read_latest(FrameInfo* info, uint8_t* dst, size_t dst_size, uint32_t dst_stride);

  // Breaks a wait() in progress (or the next one) with kInterrupted; sticky until clear_interrupt().
  void interrupt();
  void clear_interrupt();

  bool attached() const;
  bool writer_alive() const;
  uint64_t session_id() const;  // 0 when not attached
  const std::string& error() const;  // last error, "" if none
  ErrorKind error_kind() const;      // what kind of error error() describes; kNone if none
  void detach();

  struct VTKSTREAM_LOCAL Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// --------------------------------------------------------------------------------------------
// Input producer. Sends input records to the writer (the renderer) through the object's input
// ring without being a reader of frames: it takes no reader entry, so the writer's has_readers()
// (which decides whether anybody watches and a readback is worth it) ignores it. Input alone
// wakes the renderer through the input futex; a frame reader is what makes it publish.
//
// It attaches on the first push and, on every push, notices a writer that died, restarted or
// grew its ring (a new object under the same name) and follows it, with the same validation as
// FrameReader: a foreign, short or corrupt object is an error (error_kind()), never a crash.
//
// Every member is safe to call from any thread; pushes are serialised internally.
class VTKSTREAM_API InputWriter {
 public:
  explicit InputWriter(std::string name);
  ~InputWriter();
  InputWriter(const InputWriter&) = delete;
  InputWriter& operator=(const InputWriter&) = delete;

  // Queues `ev` for the writer. Pointer moves are coalesced when the ring is busy; other events
  // that find it full are kept in a bounded local backlog, in order, and retried on the next
  // push() or flush(). Returns false only when no live writer is attached (the event is then
  // dropped: nobody could apply it; error_kind() says why).
  bool push(const InputEvent& ev);
  // Retries the backlog now (for instance when a new frame shows the writer drained its ring).
  // Returns the number of events still waiting.
  size_t flush();
  size_t backlog() const;

  bool attached() const;
  uint64_t session_id() const;  // 0 when not attached
  std::string error() const;    // why the last push found no writer, "" if it found one
  ErrorKind error_kind() const;
  void detach();

  struct VTKSTREAM_LOCAL Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vtkstream::shm
