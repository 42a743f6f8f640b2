// vtkstream shared-memory layout, version 1.
//
// Usage contract
// --------------
// One POSIX shared-memory object per stream, named "/<name>" (it lives in /dev/shm on Linux).
// Exactly one process writes frames (the renderer: vtkstream-render or any program linked with
// libvtkstream); any number of processes read them (vtksrc's FrameReader). Input travels the
// other way through an input ring inside the same object: input producers (vtksrc's InputWriter)
// push, the writer consumes. A producer validates and attaches like a reader but takes no reader
// entry, so the writer's count of viewers (has_readers) sees only those who read frames.
//
//   renderer (FrameWriter)                    object "/name"           vtksrc (FrameReader, InputWriter)
//   ----------------------                    --------------           ---------------------------------
//   create "/name.tmp.<pid>", init header
//   rename over "/name" (atomic) ---------->  Header + slots  <------------ open, validate header
//   pick a slot nobody reads, seq odd
//   readback into slot, seq even
//   latest = slot|frame; ++publish_futex;
//   FUTEX_WAKE  ---------------------------------------------------------->  wakes from FUTEX_WAIT
//                                                                           copy slot, recheck seq
//   drain input ring  <------------------------------------------- InputWriter: push InputEvent, wake
//   heartbeat thread: writer_heartbeat_ns                                   reader entry heartbeat
//
// * The object is created complete under a temporary name and renamed into place, so a reader
//   never sees a half-initialised header. A writer that restarts renames a fresh object over the
//   old one and marks the old one `closed`; readers notice and reattach.
// * Every field is validated by readers and input producers before use (see validate_header /
//   validate_frame): a foreign, short or corrupt object is an error with a message and an
//   ErrorKind, never an out-of-bounds access.
// * Slots are seqlocked: the writer never waits for a reader; a reader that raced with the writer
//   sees the sequence change and retries, so it never hands out a torn frame. Readers also set an
//   advisory per-slot reader count so the writer prefers slots nobody is copying.
// * All multi-byte fields are native-endian: both sides run on the same host.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace vtkstream::shm {

inline constexpr uint32_t kMagic = 0x534b5456;  // "VTKS" in a little-endian dump
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kMinSlots = 3;
inline constexpr uint32_t kMaxSlots = 16;
inline constexpr uint32_t kDefaultSlots = 4;
inline constexpr uint32_t kMaxReaders = 8;
inline constexpr uint32_t kInputCapacity = 256;  // power of two
// Pointer moves may use the input ring only while this many records are still free, so presses,
// releases and keys always find room behind a burst of moves.
inline constexpr uint32_t kInputReserve = kInputCapacity / 4;
// Largest frame side the ring format describes (what validation accepts from any writer; a
// program embedding libvtkstream may publish a window this large).
inline constexpr uint32_t kMaxDimension = 16384;
// The resize limit: the render sizes anyone downstream may ASK for, per side (the page's `rs`,
// vtksrc's caps, the vtkstream-resize event, the renderer's own check). This is the one
// definition; docs/protocol.md and README state it. The renderer allocates its frame slots for
// the size it is asked for, so this bounds what a viewer can make it allocate: 4096x4096 RGBA is
// 64 MiB per slot, 4K UHD (3840x2160) fits. The lower bound keeps VTK's viewport sane.
inline constexpr uint32_t kMinRequestedDimension = 16;
inline constexpr uint32_t kMaxRequestedDimension = 4096;
static_assert(kMaxRequestedDimension <= kMaxDimension);

enum class PixelFormat : uint32_t { kRGBA = 1, kBGRA = 2, kRGB = 3 };

inline constexpr uint32_t bytes_per_pixel(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGBA:
    case PixelFormat::kBGRA:
      return 4;
    case PixelFormat::kRGB:
      return 3;
  }
  return 0;
}

enum SlotFlags : uint32_t {
  // Rows are stored bottom row first (OpenGL's order); readers flip while copying.
  kSlotBottomUp = 1u << 0,
  // The picture is the full-size, settled one after an interaction ended (or after a burst of
  // other input): what a viewer keeps looking at. Interactive frames in between may be smaller.
  // Downstream encodes it at a higher quality. Old readers ignore the bit.
  kSlotStill = 1u << 1,
};

// Kinds of input record. Coordinates are normalised to [0,1] with the origin at the top left of
// the picture, so any viewer size maps onto any render size.
enum class InputKind : uint16_t {
  kPointerMove = 1,
  kPointerDown = 2,
  kPointerUp = 3,
  kWheel = 4,
  kKeyDown = 5,
  kKeyUp = 6,
  kTouchDown = 7,   // button = touch id
  kTouchMove = 8,
  kTouchUp = 9,
  kResize = 10,     // width/height = requested render size in pixels; button = ResizeFlags
  kTouchFrame = 11, // end of a group of touch records that belong together
  // width/height = the largest size to render at while someone interacts (the aspect kept), 0x0
  // = no cap. Sent by the server for the rung of the viewer in control: rendering more pixels
  // than that viewer receives only feeds a downscale. A setting, not a viewer's input: it does
  // not move the echoed sequence number. Old renderers drop the unknown kind (docs/shm.md).
  kInteractiveCap = 12,
};

enum InputModifiers : uint32_t {
  kModShift = 1u << 0,
  kModControl = 1u << 1,
  kModAlt = 1u << 2,
  kModMeta = 1u << 3,
};

// Flags of a kResize record, carried in its `button` field (a resize has no button).
enum ResizeFlags : uint16_t {
  // The size is pinned: whoever asked (vtksrc, when downstream caps fix the size) takes frames of
  // exactly this size and no other, so the renderer must not render smaller while someone
  // interacts (vtkstream-render's interactive size). Without the bit the size is a viewer's
  // window size, and the renderer may reduce it during interactions. The last resize record
  // applied decides: a later one without the bit lifts the pin. Old renderers ignore the bit.
  kResizeExact = 1u << 0,
};

// Buttons follow GStreamer navigation numbering: 1 left, 2 middle, 3 right.
struct InputEvent {
  uint16_t kind = 0;      // InputKind
  uint16_t button = 0;    // pointer/touch: button or touch id; kResize: ResizeFlags
  uint32_t modifiers = 0; // InputModifiers
  uint64_t seq = 0;       // producer's sequence number, echoed in SlotHeader::input_seq
  uint64_t timestamp_ns = 0;  // CLOCK_MONOTONIC when the producer saw the event
  float x = 0, y = 0;     // normalised position
  float wheel_dx = 0, wheel_dy = 0;  // wheel: positive dy = scroll down (away from the user)
  uint32_t width = 0, height = 0;    // kResize only
  uint32_t peer_id = 0;   // who sent it (0 = local)
  char key[28] = {};      // key name, X11 keysym style ("r", "Left", "Shift_L"), NUL-terminated
};
static_assert(sizeof(InputEvent) == 80);

struct alignas(64) SlotHeader {
  std::atomic<uint32_t> seq;      // odd while the writer fills the slot
  std::atomic<uint32_t> readers;  // advisory: readers copying right now
  uint32_t width;
  uint32_t height;
  uint32_t stride;                // bytes per row
  uint32_t format;                // PixelFormat
  uint32_t flags;                 // SlotFlags
  uint32_t reserved0;
  uint64_t timestamp_ns;          // writer's CLOCK_MONOTONIC when the frame was finished
  uint64_t frame_number;          // 1, 2, 3, ... per writer session
  uint64_t input_seq;             // seq of the last input event applied before this frame
  uint64_t reserved1;
};
static_assert(sizeof(SlotHeader) == 64);

struct alignas(64) ReaderEntry {
  std::atomic<int32_t> pid;       // 0 = free
  uint32_t reserved;
  std::atomic<uint64_t> heartbeat_ns;
};

struct alignas(64) InputCell {
  std::atomic<uint64_t> turn;  // Vyukov bounded-queue sequence
  uint64_t reserved;
  InputEvent event;
};

struct alignas(64) Header {
  // Immutable after creation; validated by every reader.
  uint32_t magic;
  uint32_t version;
  uint32_t header_size;       // sizeof(Header)
  uint32_t slot_count;
  uint64_t slot_size;         // bytes per slot including its SlotHeader; multiple of 64
  uint64_t slots_offset;      // offset of slot 0 from the start of the object
  uint64_t total_size;        // slots_offset + slot_count * slot_size
  uint32_t input_capacity;    // kInputCapacity
  uint32_t input_record_size; // sizeof(InputCell)
  uint64_t session_id;        // random per writer instance

  // Liveness.
  alignas(64) std::atomic<int32_t> writer_pid;
  std::atomic<uint32_t> closed;  // 1: writer shut down or replaced this object; reattach by name
  std::atomic<uint64_t> writer_heartbeat_ns;
  ReaderEntry readers[kMaxReaders];  // frame readers only; input producers take none

  // Frames.
  alignas(64) std::atomic<uint32_t> publish_futex;  // bumped on publish, close and reader wake-ups
  std::atomic<uint32_t> acquiring;  // readers between loading `latest` and marking that slot
  std::atomic<uint64_t> latest;  // (frame_number << 8) | slot index; 0 = nothing published yet

  // Input ring (multi-producer, single consumer).
  alignas(64) std::atomic<uint64_t> input_head;  // next ticket for producers
  alignas(64) std::atomic<uint64_t> input_tail;  // consumer position
  std::atomic<uint32_t> input_futex;             // bumped on every push
  std::atomic<uint32_t> overflow_seq;            // seqlock over overflow_move
  uint64_t overflow_pos;                         // ring position the overflowed move precedes
  InputEvent overflow_move;                      // latest pointer move that found the ring busy
  InputCell input[kInputCapacity];
};

inline constexpr uint64_t kMaxSlotSize = 1ull << 30;

}  // namespace vtkstream::shm
