// vtksrc's instance state and the functions its files share. The element is split by concern:
//   gstvtksrc.cpp        type, element doc comment, start/stop/unlock and the create() loop
//   frames.cpp           copying a frame into a buffer, keep-alive repeats, timestamps
//   negotiation.cpp      caps: downstream chooses the render size, renegotiation, allocation
//   input.cpp            upstream events (navigation, vtkstream-resize, reconfigure) -> input ring
//   renderer_notice.cpp  the waiting/attached/lost notices
//   properties.cpp       GObject properties
//   uri_handler.cpp      vtkstream://NAME
// Nothing here is installed; the names that cross the element boundary are in
// <vtkstream/vtksrc-contract.h>.
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gstvtksrc.h"
#include "vtkstream/shm.h"
#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_EXTERN(gst_vtk_src_debug);

#define VTKSRC_DEFAULT_SHM_NAME "vtkstream"
#define VTKSRC_DEFAULT_IS_LIVE TRUE
#define VTKSRC_DEFAULT_REPEAT_INTERVAL 1000
#define VTKSRC_DEFAULT_VIEW_ONLY FALSE

namespace vtkstream::vtksrc {

struct CapsDeleter {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};
using CapsPtr = std::unique_ptr<GstCaps, CapsDeleter>;

// A picture size and format: what the renderer draws, or what was negotiated.
struct Picture {
  uint32_t width = 0, height = 0;
  GstVideoFormat format = GST_VIDEO_FORMAT_UNKNOWN;
  bool operator==(const Picture&) const = default;
  bool known() const { return format != GST_VIDEO_FORMAT_UNKNOWN; }
};

struct Private {
  // Properties.
  std::mutex props_lock;
  std::string shm_name = VTKSRC_DEFAULT_SHM_NAME;
  guint repeat_interval_ms = VTKSRC_DEFAULT_REPEAT_INTERVAL;
  std::atomic<bool> view_only{VTKSRC_DEFAULT_VIEW_ONLY};

  // The frame reader exists between start() and stop() and is used by the streaming thread only;
  // other threads may only interrupt it, under reader_lock.
  std::mutex reader_lock;
  std::unique_ptr<shm::FrameReader> reader;
  bool flushing = false;  // set by unlock(), cleared by unlock_stop(); guarded by reader_lock
  bool wake = false;      // a RECONFIGURE interrupted the wait (not a flush); guarded by reader_lock
  std::atomic<bool> repeat_now{false};  // a repeat-now event asked for the keep-alive repeat at once
  std::condition_variable flush_cond;

  // Navigation events arrive on any thread while create() sleeps in the reader's wait(); they go
  // through an InputWriter, which attaches by itself and takes no reader entry. input_lock
  // makes numbering and pushing one step, so sequence numbers reach the ring in order.
  std::mutex input_lock;
  std::unique_ptr<shm::InputWriter> input;
  uint64_t next_seq = 1;
  // The last interactive size cap downstream sent (contract::kInteractiveCapEvent), given again
  // to every renderer that attaches later: a restarted renderer knows nothing of it.
  std::optional<shm::InputEvent> cap;

  // What the renderer draws now (the newest frame seen, pushed or not); read by get_caps on any
  // thread, so under caps_lock.
  std::mutex caps_lock;
  Picture renderer;
  // Negotiated size, for normalising navigation coordinates on any thread.
  std::atomic<uint32_t> nav_width{0}, nav_height{0};

  // Streaming-thread state.
  GstVideoInfo out_info{};
  bool have_out_info = false;
  Picture negotiated_for;  // the renderer picture the last negotiation started from
  bool resend = false;     // caps changed: the newest frame may fit them now (see create())
  // The size downstream fixed while the renderer draws another: asked for once per renderer
  // session, with the input sequence number of the request (frames echo what they applied).
  struct Request {
    uint32_t width = 0, height = 0;
    uint64_t session = 0, seq = 0;
  };
  std::optional<Request> request;
  // Downstream's caps pin the negotiated size (a fixed width and height, or caps that rejected
  // the renderer's own size): the renderer is asked for it with shm::kResizeExact, so it keeps
  // that size while someone interacts instead of rendering smaller (negotiation.cpp).
  bool pinned = false;
  std::optional<contract::RendererState> state;  // none until the first wait() told us anything
  uint64_t session = 0;
  bool discont = false;
  std::string last_invalid;
  // Last pushed picture, for keep-alive repeats. Holding this ref makes the buffer read-only
  // downstream (an in-place writer such as timeoverlay copies it); the usual consumers
  // (videoconvert, encoders) only read, and the alternative, re-reading the ring, has nothing
  // to read exactly when repeats matter most: while the renderer is gone.
  GstBuffer* last = nullptr;
  shm::FrameInfo last_info;
  uint64_t last_push_ns = 0;  // monotonic
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  // Start of the current listening period (after start() or a flush); see kSourceLatency.
  std::atomic<bool> listen_reset{true};
  uint64_t listen_since_ns = 0;
  uint64_t first_frame_ns = 0;  // non-live: PTS counts from the first frame
};

// Latency we report (see the LATENCY query). The timestamp is when the renderer finished the
// frame; what separates it from our push is one futex wake-up (well under 1 ms, see bench/wake)
// and one copy (about 0.3 ms for 720p RGBA here). 5 ms covers both on a loaded 2-core machine
// without delaying syncing sinks more than necessary. Frames that were already waiting in the
// ring when we started listening (an idle renderer found at start-up or after a pause) are
// stamped as if this old: their real age means nothing to the pipeline, and a syncing sink would
// drop them as late although they may be the only picture for a long time.
inline constexpr GstClockTime kSourceLatency = 5 * GST_MSECOND;

GstVideoFormat to_video_format(shm::PixelFormat f);
GstBaseSrcClass* parent_class();

// negotiation.cpp
void install_negotiation(GstBaseSrcClass* klass);
// Called for every frame read from the ring. Renegotiates when the renderer's picture changed.
// kPush: the frame matches the caps; kDrop: downstream fixed another size and the renderer has
// not caught up yet (it has been asked); kFail: *ret says why (the error is posted).
enum class Accept { kPush, kDrop, kFail };
Accept accept_frame(GstVtkSrc* self, const shm::FrameInfo& info, GstFlowReturn* ret);
// After a RECONFIGURE woke the streaming thread: renegotiate from the renderer's current picture.
// True when the negotiated size is what the renderer draws now (its newest frame can be re-sent).
bool reconfigure(GstVtkSrc* self, GstFlowReturn* ret);
// True when downstream accepts `width` x `height` in the renderer's format (any thread).
bool downstream_accepts_size(GstVtkSrc* self, uint32_t width, uint32_t height);
// True when downstream takes fixed sizes only (no range or list of widths and heights): a frame
// of any other size than the negotiated one would be dropped (any thread).
bool downstream_fixes_size(GstVtkSrc* self);

// frames.cpp
enum class Take { kDone, kRetry, kGone, kDropped };
Take take_frame(GstVtkSrc* self, shm::FrameReader& r, GstBuffer** out, GstFlowReturn* ret);
GstFlowReturn make_repeat(GstVtkSrc* self, GstBuffer** out);
GstClockTime running_time_for(GstVtkSrc* self, uint64_t frame_ns);

// input.cpp
void install_input(GstBaseSrcClass* klass);
// Numbers `ev` (unless it carries a number) and queues it for the renderer. The number used is
// stored in *seq when given. False when no renderer is attached.
bool push_input(GstVtkSrc* self, shm::InputEvent ev, uint64_t* seq = nullptr);
void flush_input(Private& p);
// Gives the last interactive size cap (if any) to the renderer again (a new renderer attached).
void resend_interactive_cap(GstVtkSrc* self);
// Numbers from now on continue past `seq`, an input number a frame echoed (see input.cpp).
void note_echoed_seq(Private& p, uint64_t seq);

// renderer_notice.cpp
void update_renderer_state(GstVtkSrc* self, const shm::FrameReader& r);

// properties.cpp
void install_properties(GObjectClass* klass);
std::string shm_name(Private& p);
// Sets shm-name; false (with *err) only outside NULL and READY. The name itself is checked by
// start(), which posts an element error for an invalid one.
bool set_shm_name(GstVtkSrc* self, const char* name, GError** err);

// uri_handler.cpp
void uri_handler_init(gpointer g_iface, gpointer iface_data);

}  // namespace vtkstream::vtksrc

struct _GstVtkSrc {
  GstPushSrc parent;
  vtkstream::vtksrc::Private* priv;
};
