// vtksrc element. The shared-memory protocol lives in lib/shm (GStreamer-free); this file only
// adapts it to GstBaseSrc: one interruptible wait in create(), caps from the frame, timestamps
// from the renderer's clock, navigation events back as input records.

/**
 * SECTION:element-vtksrc
 * @title: vtksrc
 *
 * Reads the frames a vtkstream renderer (vtkstream-render, or any program publishing with
 * vtkstream::shm::FrameWriter) writes into a shared-memory ring, and sends upstream
 * GstNavigation events back to it as input.
 *
 * * Caps come from the frame: video/x-raw RGBA, BGRA or RGB at the renderer's size, framerate
 *   0/1 (the renderer draws on demand). A resize renegotiates.
 * * Timestamps are the renderer's CLOCK_MONOTONIC finish times mapped to running time; the
 *   source is live and reports a 5 ms minimum latency. GST_BUFFER_OFFSET is the renderer's
 *   frame number. Every buffer carries the frame custom meta (contract::kFrameMetaName) with
 *   the echoed input sequence number, for input-to-photon measurements.
 * * Every name that crosses the element boundary (meta, notices, upstream fields and events) is
 *   defined once, in the installed header <vtkstream/vtksrc-contract.h>.
 * * repeat-interval: an idle renderer publishes nothing, which stalls muxers, encoders (no
 *   keyframe for a new WebRTC peer) and players. vtksrc therefore repeats the last picture,
 *   stamped now and marked repeat=TRUE in the meta, once per repeat-interval ms (default 1000;
 *   0 turns it off). One second keeps downstream alive at almost no cost.
 * * The renderer may start after the pipeline, die, or restart: vtksrc keeps waiting (without
 *   polling) and, once per transition, sends a renderer notice (contract::RendererNotice: state
 *   waiting, attached or lost, session id, shm name) both as an element message and as an
 *   out-of-band downstream custom event on its src pad, so elements downstream (a sink bin
 *   cannot see its siblings' bus messages) learn it too. A shared-memory object that is not a
 *   valid vtkstream ring gives one GST_ELEMENT_WARNING and vtksrc waits for a valid one.
 * * Input: mouse, scroll, key and touch navigation events, plus the custom upstream resize
 *   request (contract::resize_event); see navigation.h for conventions and the optional
 *   sequence/peer fields a server can add.
 *
 * ## Example launch lines
 * |[
 * vtkstream-render --shm demo --demo &
 * gst-launch-1.0 vtksrc shm-name=demo ! videoconvert ! autovideosink
 * ]| An interactive VTK window: the video sink's mouse and keys steer the scene.
 * |[
 * gst-launch-1.0 vtksrc shm-name=demo ! videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=out.webm
 * ]| Records the session; the repeats keep the file going while the scene is still.
 */
#include "gstvtksrc.h"

#include <gst/video/navigation.h>
#include <gst/video/video.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "frame_meta.h"
#include "navigation.h"
#include "vtkstream/shm.h"
#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_STATIC(gst_vtk_src_debug);
#define GST_CAT_DEFAULT gst_vtk_src_debug

namespace shm = vtkstream::shm;
namespace vgst = vtkstream::gst;
namespace contract = vtkstream::contract;
using contract::RendererState;

enum {
  PROP_0,
  PROP_SHM_NAME,
  PROP_IS_LIVE,
  PROP_REPEAT_INTERVAL,
};

#define DEFAULT_SHM_NAME "vtkstream"
#define DEFAULT_IS_LIVE TRUE
#define DEFAULT_REPEAT_INTERVAL 1000

namespace {

// Latency we report (see query()). The timestamp is when the renderer finished the frame; what
// separates it from our push is one futex wake-up (well under 1 ms, see bench/wake) and one copy
// (about 0.3 ms for 720p RGBA here). 5 ms covers both on a loaded 2-core machine without
// delaying syncing sinks more than necessary. Frames that were already waiting in the ring when
// we started listening (an idle renderer found at start-up or after a pause) are stamped as if
// this old: their real age means nothing to the pipeline, and a syncing sink would drop them as
// late although they may be the only picture for a long time.
constexpr GstClockTime kSourceLatency = 5 * GST_MSECOND;

// How long to back off when the reader keeps reporting the same invalid object without
// blocking (for instance a permission error on open): a busy loop helps nobody.
constexpr int kInvalidRetryMs = 1000;

GstVideoFormat to_video_format(shm::PixelFormat f) {
  switch (f) {
    case shm::PixelFormat::kRGBA:
      return GST_VIDEO_FORMAT_RGBA;
    case shm::PixelFormat::kBGRA:
      return GST_VIDEO_FORMAT_BGRA;
    case shm::PixelFormat::kRGB:
      return GST_VIDEO_FORMAT_RGB;
  }
  return GST_VIDEO_FORMAT_UNKNOWN;
}

struct CapsDeleter {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};
using CapsPtr = std::unique_ptr<GstCaps, CapsDeleter>;

}  // namespace

struct VtkSrcPrivate {
  // Properties.
  std::mutex props_lock;
  std::string shm_name = DEFAULT_SHM_NAME;
  guint repeat_interval_ms = DEFAULT_REPEAT_INTERVAL;

  // The frame reader exists between start() and stop() and is used by the streaming thread only;
  // other threads may only interrupt it, under reader_lock.
  std::mutex reader_lock;
  std::unique_ptr<shm::FrameReader> reader;
  bool flushing = false;  // set by unlock(), cleared by unlock_stop(); guarded by reader_lock
  std::condition_variable flush_cond;

  // Navigation events arrive on any thread while create() sleeps in the reader's wait(); they go
  // through an InputWriter, which attaches by itself and takes no reader entry. input_lock
  // makes numbering and pushing one step, so sequence numbers reach the ring in order.
  std::mutex input_lock;
  std::unique_ptr<shm::InputWriter> input;
  uint64_t next_seq = 1;

  // Caps of the frames we output; read by get_caps/negotiate on any thread.
  std::mutex caps_lock;
  CapsPtr frame_caps;
  // Negotiated size, for normalising navigation coordinates on any thread.
  std::atomic<uint32_t> nav_width{0}, nav_height{0};

  // Streaming-thread state.
  GstVideoInfo out_info{};
  bool have_out_info = false;
  std::optional<RendererState> state;  // none until the first wait() told us anything
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

struct _GstVtkSrc {
  GstPushSrc parent;
  VtkSrcPrivate* priv;
};

#define gst_vtk_src_parent_class parent_class
G_DEFINE_TYPE(GstVtkSrc, gst_vtk_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE(vtksrc, "vtksrc", GST_RANK_NONE, GST_TYPE_VTK_SRC);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw, format = (string) { RGBA, BGRA, RGB }, "
                    "width = (int) [ 1, 16384 ], height = (int) [ 1, 16384 ], "
                    "framerate = (fraction) 0/1"));

// ------------------------------------------------------------------------------------------
// Renderer state messages

static void post_renderer_state(GstVtkSrc* self, RendererState state, uint64_t session,
                                const char* reason = nullptr) {
  VtkSrcPrivate& p = *self->priv;
  p.state = state;
  contract::RendererNotice n;
  n.state = state;
  n.session_id = session;
  if (reason) n.reason = reason;
  {
    std::lock_guard lock(p.props_lock);
    n.shm_name = p.shm_name;
  }
  GST_INFO_OBJECT(self, "renderer %s (session %" G_GUINT64_FORMAT ")",
                  contract::renderer_state_name(state), static_cast<guint64>(session));
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(
                                                  GST_OBJECT(self), contract::renderer_notice_structure(n)));
  // The same notice downstream, for elements that cannot watch the bus (a sink bin sees only its
  // own children's messages). Out of band: it needs no caps or segment before it (the first
  // "waiting" goes out before any), and it must not wait behind buffers queued downstream.
  // Not linked yet or refused: nobody downstream wants it, which is no error.
  gst_pad_push_event(GST_BASE_SRC_PAD(self), contract::renderer_notice_event(n));
}

// Why the reader left its renderer, for the `lost` notice: a supervisor kills an unresponsive
// renderer (its heartbeat stopped), but leaves one whose ring was damaged to republish.
static const char* lost_reason(const shm::FrameReader& r) {
  switch (r.error_kind()) {
    case shm::ErrorKind::kWriterUnresponsive:
      return contract::kLostUnresponsive;
    case shm::ErrorKind::kDamaged:
      return contract::kLostDamaged;
    default:
      return contract::kLostExited;
  }
}

// Posts one message per transition, judged from the reader after each wait().
static void update_renderer_state(GstVtkSrc* self, const shm::FrameReader& r) {
  VtkSrcPrivate& p = *self->priv;
  if (r.attached()) {
    uint64_t sid = r.session_id();
    if (p.state == RendererState::kAttached && sid == p.session) return;
    // A writer replaced without us seeing a gap still means the old session is gone.
    if (p.state == RendererState::kAttached) post_renderer_state(self, RendererState::kLost, p.session);
    p.session = sid;
    p.discont = true;
    p.last_invalid.clear();  // a later invalid object is news again
    post_renderer_state(self, RendererState::kAttached, sid);
  } else if (p.state == RendererState::kAttached) {
    post_renderer_state(self, RendererState::kLost, p.session, lost_reason(r));
  } else if (!p.state) {
    post_renderer_state(self, RendererState::kWaiting, 0);
  }
}

// ------------------------------------------------------------------------------------------
// Caps and allocation

static bool frame_caps_match(const VtkSrcPrivate& p, const shm::FrameInfo& info) {
  return p.have_out_info && GST_VIDEO_INFO_WIDTH(&p.out_info) == static_cast<gint>(info.width) &&
         GST_VIDEO_INFO_HEIGHT(&p.out_info) == static_cast<gint>(info.height) &&
         GST_VIDEO_INFO_FORMAT(&p.out_info) == to_video_format(info.format);
}

static GstCaps* gst_vtk_src_get_caps(GstBaseSrc* src, GstCaps* filter) {
  VtkSrcPrivate& p = *GST_VTK_SRC(src)->priv;
  GstCaps* caps = nullptr;
  {
    std::lock_guard lock(p.caps_lock);
    if (p.frame_caps) caps = gst_caps_ref(p.frame_caps.get());
  }
  if (!caps) caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(src));
  if (filter) {
    GstCaps* tmp = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = tmp;
  }
  return caps;
}

// Until the first frame arrives there is nothing to negotiate: GstBaseSrc asks before the first
// create(), and fixating the template would announce a made-up size. create() negotiates as soon
// as it knows the frame.
static gboolean gst_vtk_src_negotiate(GstBaseSrc* src) {
  VtkSrcPrivate& p = *GST_VTK_SRC(src)->priv;
  CapsPtr caps;
  {
    std::lock_guard lock(p.caps_lock);
    if (!p.frame_caps) return TRUE;
    caps.reset(gst_caps_ref(p.frame_caps.get()));
  }
  GST_DEBUG_OBJECT(src, "negotiating %" GST_PTR_FORMAT, caps.get());
  return gst_base_src_set_caps(src, caps.get());
}

static gboolean gst_vtk_src_set_caps(GstBaseSrc* src, GstCaps* caps) {
  VtkSrcPrivate& p = *GST_VTK_SRC(src)->priv;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) return FALSE;
  p.out_info = info;
  p.have_out_info = true;
  p.nav_width = static_cast<uint32_t>(GST_VIDEO_INFO_WIDTH(&info));
  p.nav_height = static_cast<uint32_t>(GST_VIDEO_INFO_HEIGHT(&info));
  return TRUE;
}

static gboolean gst_vtk_src_decide_allocation(GstBaseSrc* src, GstQuery* query) {
  GstCaps* caps = nullptr;
  gst_query_parse_allocation(query, &caps, nullptr);
  GstVideoInfo info;
  if (!caps || !gst_video_info_from_caps(&info, caps)) return TRUE;  // nothing negotiated yet

  GstBufferPool* pool = nullptr;
  guint size = 0, min = 0, max = 0;
  const bool have_pool = gst_query_get_n_allocation_pools(query) > 0;
  if (have_pool) gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
  size = std::max<guint>(size, static_cast<guint>(GST_VIDEO_INFO_SIZE(&info)));
  // We keep the last pushed buffer for keep-alive repeats, so it is never back in the pool: one
  // more than downstream asked for, or a bounded pool could block create() until a flush.
  if (max != 0) ++max;
  if (!pool) pool = gst_video_buffer_pool_new();

  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, size, min, max);
  if (gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr))
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config(pool, config)) {
    // Downstream's pool may refuse our parameters; take its adjusted ones if they still fit.
    config = gst_buffer_pool_get_config(pool);
    if (!gst_buffer_pool_config_validate_params(config, caps, size, min, max) ||
        !gst_buffer_pool_set_config(pool, config)) {
      gst_object_unref(pool);
      GST_ELEMENT_ERROR(src, RESOURCE, SETTINGS, ("Could not configure a buffer pool"),
                        ("pool refused size %u for %" GST_PTR_FORMAT, size, caps));
      return FALSE;
    }
  }
  if (have_pool)
    gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool(query, pool, size, min, max);
  gst_object_unref(pool);
  return GST_BASE_SRC_CLASS(parent_class)->decide_allocation(src, query);
}

// Announces the format of `info` downstream. False when downstream refused it.
static bool renegotiate(GstVtkSrc* self, const shm::FrameInfo& info) {
  VtkSrcPrivate& p = *self->priv;
  GstVideoInfo vi;
  gst_video_info_init(&vi);
  if (!gst_video_info_set_format(&vi, to_video_format(info.format), info.width, info.height))
    return false;
  GST_VIDEO_INFO_FPS_N(&vi) = 0;  // variable rate: the renderer draws on demand
  GST_VIDEO_INFO_FPS_D(&vi) = 1;
  {
    std::lock_guard lock(p.caps_lock);
    p.frame_caps.reset(gst_video_info_to_caps(&vi));
  }
  gst_buffer_replace(&p.last, nullptr);  // a picture of the old size cannot be repeated
  GST_DEBUG_OBJECT(self, "renderer frame is %ux%u, renegotiating", info.width, info.height);
  return gst_base_src_negotiate(GST_BASE_SRC(self));
}

// ------------------------------------------------------------------------------------------
// Timestamps

// Maps the renderer's CLOCK_MONOTONIC time to running time, the way gstunixfdsrc does: take the
// frame's age on the monotonic clock and subtract it from the pipeline clock's now. That stays
// right whichever clock the pipeline uses. Strictly increasing, so muxers never see a duplicate.
static GstClockTime running_time_for(GstVtkSrc* self, uint64_t frame_ns) {
  VtkSrcPrivate& p = *self->priv;
  GstClockTime pts;
  if (!gst_base_src_is_live(GST_BASE_SRC(self))) {
    // Not live: no clock runs while prerolling; count from the first frame instead.
    if (p.first_frame_ns == 0) p.first_frame_ns = frame_ns;
    pts = frame_ns > p.first_frame_ns ? frame_ns - p.first_frame_ns : 0;
  } else {
    GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
    if (!clock) return GST_CLOCK_TIME_NONE;
    const GstClockTime clock_now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    const uint64_t mono_now = shm::monotonic_ns();
    const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    const GstClockTime running_now = clock_now > base ? clock_now - base : 0;
    // A frame "from the future" (impossible on one host, but a bad writer can write anything)
    // counts as new; one from before we listened as kSourceLatency old (see kSourceLatency).
    uint64_t age = mono_now > frame_ns ? mono_now - frame_ns : 0;
    if (frame_ns < p.listen_since_ns) age = std::min<uint64_t>(age, kSourceLatency);
    pts = running_now > age ? running_now - age : 0;
  }
  if (GST_CLOCK_TIME_IS_VALID(p.last_pts) && pts <= p.last_pts) pts = p.last_pts + 1;
  p.last_pts = pts;
  return pts;
}

// ------------------------------------------------------------------------------------------
// Streaming

enum class Take { kDone, kRetry, kGone };

// Copies the newest frame into a pooled buffer (the only copy; bottom-up slots are flipped on the
// way). kRetry: the frame changed size between looking and copying; kGone: nothing to copy.
static Take take_frame(GstVtkSrc* self, shm::FrameReader& r, GstBuffer** out, GstFlowReturn* ret) {
  VtkSrcPrivate& p = *self->priv;
  GstBaseSrc* src = GST_BASE_SRC(self);
  shm::FrameInfo info;
  if (!r.read_latest(&info, nullptr, 0, 0)) {
    GST_DEBUG_OBJECT(self, "no frame to read: %s", r.error().c_str());
    // A frame the renderer described wrongly is consumed by the reader (no retry loop); say so
    // once per distinct reason.
    if (r.error_kind() == shm::ErrorKind::kInvalidFrame && r.error() != p.last_invalid) {
      p.last_invalid = r.error();
      GST_ELEMENT_WARNING(self, STREAM, DECODE, ("The renderer published an unusable frame"),
                          ("%s", p.last_invalid.c_str()));
    }
    return Take::kGone;
  }
  if (!frame_caps_match(p, info) && !renegotiate(self, info)) {
    std::lock_guard lock(p.reader_lock);
    if (p.flushing) {
      *ret = GST_FLOW_FLUSHING;  // downstream is shutting down, not refusing
    } else {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream refused the renderer's picture format"),
                        ("%ux%u format %u not accepted", info.width, info.height,
                         static_cast<unsigned>(info.format)));
      *ret = GST_FLOW_NOT_NEGOTIATED;
    }
    return Take::kDone;
  }

  GstBufferPool* pool = gst_base_src_get_buffer_pool(src);
  if (!pool) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("No buffer pool"), ("allocation was not decided"));
    *ret = GST_FLOW_ERROR;
    return Take::kDone;
  }
  GstBuffer* buf = nullptr;
  *ret = gst_buffer_pool_acquire_buffer(pool, &buf, nullptr);
  gst_object_unref(pool);
  if (*ret != GST_FLOW_OK) return Take::kDone;

  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &p.out_info, buf, GST_MAP_WRITE)) {
    gst_buffer_unref(buf);
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not map an output buffer"), (nullptr));
    *ret = GST_FLOW_ERROR;
    return Take::kDone;
  }
  const uint32_t stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  shm::FrameInfo got;
  const bool ok = r.read_latest(&got, static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                                size_t(stride) * info.height, stride);
  gst_video_frame_unmap(&frame);
  if (!ok || got.width != info.width || got.height != info.height || got.format != info.format) {
    gst_buffer_unref(buf);
    if (!ok) GST_DEBUG_OBJECT(self, "copy failed: %s", r.error().c_str());
    return ok ? Take::kRetry : Take::kGone;
  }

  GST_BUFFER_PTS(buf) = running_time_for(self, got.timestamp_ns);
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET(buf) = got.frame_number;
  GST_BUFFER_OFFSET_END(buf) = GST_BUFFER_OFFSET_NONE;
  if (p.discont) {
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);  // a new renderer session starts here
    p.discont = false;
  }
  vgst::add_frame_meta(buf, got, false);
  GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " input-seq %" G_GUINT64_FORMAT " pts %" GST_TIME_FORMAT,
                 static_cast<guint64>(got.frame_number), static_cast<guint64>(got.input_seq),
                 GST_TIME_ARGS(GST_BUFFER_PTS(buf)));

  gst_buffer_replace(&p.last, buf);
  p.last_info = got;
  p.last_push_ns = shm::monotonic_ns();
  *out = buf;
  *ret = GST_FLOW_OK;
  return Take::kDone;
}

// Keep-alive: the previous picture again, stamped now. One copy per interval; the pool buffer
// we hold as `last` stays untouched because downstream may still read it.
static GstFlowReturn make_repeat(GstVtkSrc* self, GstBuffer** out) {
  VtkSrcPrivate& p = *self->priv;
  GstBufferPool* pool = gst_base_src_get_buffer_pool(GST_BASE_SRC(self));
  if (!pool) return GST_FLOW_FLUSHING;
  GstBuffer* buf = nullptr;
  GstFlowReturn ret = gst_buffer_pool_acquire_buffer(pool, &buf, nullptr);
  gst_object_unref(pool);
  if (ret != GST_FLOW_OK) return ret;
  GstMapInfo from, to;
  if (gst_buffer_map(p.last, &from, GST_MAP_READ)) {
    if (gst_buffer_map(buf, &to, GST_MAP_WRITE)) {
      std::memcpy(to.data, from.data, std::min(from.size, to.size));
      gst_buffer_unmap(buf, &to);
    }
    gst_buffer_unmap(p.last, &from);
  }
  // Same pool, same configuration: both buffers have the same layout (and video meta, if any).
  GST_BUFFER_PTS(buf) = running_time_for(self, shm::monotonic_ns());
  GST_BUFFER_OFFSET(buf) = p.last_info.frame_number;
  vgst::add_frame_meta(buf, p.last_info, true);
  p.last_push_ns = shm::monotonic_ns();
  GST_LOG_OBJECT(self, "repeat frame %" G_GUINT64_FORMAT, static_cast<guint64>(p.last_info.frame_number));
  *out = buf;
  return GST_FLOW_OK;
}

// Sleeps until unlock() or the timeout; for error states where the reader cannot block for us.
static bool sleep_interruptibly(VtkSrcPrivate& p, int ms) {
  std::unique_lock lock(p.reader_lock);
  return !p.flush_cond.wait_for(lock, std::chrono::milliseconds(ms), [&] { return p.flushing; });
}

// Input that found the ring full waits in the InputWriter's backlog until the next push. Any
// wake-up here (above all a new frame: the renderer drains its input before it renders) is a
// chance to deliver it, so the release at the end of a drag does not wait for the next event.
static void flush_input(VtkSrcPrivate& p) {
  std::lock_guard lock(p.input_lock);
  if (p.input) p.input->flush();
}

static GstFlowReturn gst_vtk_src_create(GstPushSrc* push, GstBuffer** out) {
  GstVtkSrc* self = GST_VTK_SRC(push);
  VtkSrcPrivate& p = *self->priv;
  shm::FrameReader* r = p.reader.get();  // set in start(), only this thread resets it (stop())
  if (!r) return GST_FLOW_FLUSHING;
  guint repeat_ms;
  {
    std::lock_guard lock(p.props_lock);
    repeat_ms = p.repeat_interval_ms;
  }

  if (p.listen_reset.exchange(false)) p.listen_since_ns = shm::monotonic_ns();
  bool invalid_again = false;
  for (;;) {
    // One wait, until a frame, a state change, or the next keep-alive repeat is due. Without a
    // repeat the reader blocks indefinitely (it checks the writer's liveness itself). The very
    // first wait does not block, so "waiting" is announced at once when nobody is there.
    int timeout = -1;
    if (!p.state) {
      timeout = 0;
    } else if (repeat_ms > 0 && p.last) {
      const uint64_t due = p.last_push_ns + uint64_t(repeat_ms) * 1'000'000;
      const uint64_t now = shm::monotonic_ns();
      timeout = due > now ? int((due - now + 999'999) / 1'000'000) : 0;
    }
    const shm::FrameReader::Status st = r->wait(timeout);
    if (st == shm::FrameReader::Status::kInterrupted) return GST_FLOW_FLUSHING;
    update_renderer_state(self, *r);
    flush_input(p);

    switch (st) {
      case shm::FrameReader::Status::kFrame:
        for (int attempt = 0; attempt < 4; ++attempt) {
          GstFlowReturn ret = GST_FLOW_OK;
          const Take t = take_frame(self, *r, out, &ret);
          if (t == Take::kDone) return ret;
          if (t == Take::kGone) break;
        }
        break;
      case shm::FrameReader::Status::kInvalid:
        if (r->error() != p.last_invalid) {
          p.last_invalid = r->error();
          std::string name;
          {
            std::lock_guard lock(p.props_lock);
            name = p.shm_name;
          }
          // Named in the message itself: that is the line gst-launch and operators see.
          if (r->error_kind() == shm::ErrorKind::kDamaged)
            GST_ELEMENT_WARNING(self, RESOURCE, READ,
                                ("Shared memory object '%s' was truncated or overwritten while in use; "
                                 "waiting for its renderer to publish a new one", name.c_str()),
                                ("%s", p.last_invalid.c_str()));
          else
            GST_ELEMENT_WARNING(self, RESOURCE, READ,
                                ("Shared memory object '%s' is not a usable vtkstream renderer stream",
                                 name.c_str()),
                                ("%s", p.last_invalid.c_str()));
          invalid_again = false;
        } else if (invalid_again && !sleep_interruptibly(p, kInvalidRetryMs)) {
          return GST_FLOW_FLUSHING;
        }
        invalid_again = true;
        break;
      case shm::FrameReader::Status::kTimeout:
      case shm::FrameReader::Status::kNoWriter:
      case shm::FrameReader::Status::kInterrupted:
        break;
    }

    if (repeat_ms > 0 && p.last &&
        shm::monotonic_ns() >= p.last_push_ns + uint64_t(repeat_ms) * 1'000'000)
      return make_repeat(self, out);
  }
}

// ------------------------------------------------------------------------------------------
// Input (any thread)

static gboolean push_input(GstVtkSrc* self, shm::InputEvent ev) {
  VtkSrcPrivate& p = *self->priv;
  std::lock_guard lock(p.input_lock);
  if (!p.input) return FALSE;
  // A server may number events itself; local numbers continue after its numbers so the echoed
  // sequence stays increasing either way.
  if (ev.seq == 0)
    ev.seq = p.next_seq++;
  else
    p.next_seq = std::max(p.next_seq, ev.seq + 1);
  ev.timestamp_ns = shm::monotonic_ns();
  // push() attaches, and follows a dead, restarted or grown writer, by itself.
  if (!p.input->push(ev)) {
    GST_DEBUG_OBJECT(self, "no renderer attached, input %" G_GUINT64_FORMAT " dropped: %s",
                     static_cast<guint64>(ev.seq), p.input->error().c_str());
    return FALSE;
  }
  GST_LOG_OBJECT(self, "input kind %u seq %" G_GUINT64_FORMAT " x %.3f y %.3f", ev.kind,
                 static_cast<guint64>(ev.seq), ev.x, ev.y);
  return TRUE;
}

static gboolean gst_vtk_src_event(GstBaseSrc* src, GstEvent* event) {
  GstVtkSrc* self = GST_VTK_SRC(src);
  VtkSrcPrivate& p = *self->priv;
  shm::InputEvent ev;
  std::string why;
  vgst::Translate t;
  if (GST_EVENT_TYPE(event) == GST_EVENT_NAVIGATION)
    t = vgst::navigation_to_input(event, p.nav_width, p.nav_height, &ev, &why);
  else if (vgst::is_resize_event(event))
    t = vgst::resize_to_input(gst_event_get_structure(event), &ev, &why);
  else
    return GST_BASE_SRC_CLASS(parent_class)->event(src, event);

  if (t != vgst::Translate::kOk) {
    GST_DEBUG_OBJECT(self, "input event dropped: %s", why.c_str());
    return FALSE;
  }
  return push_input(self, ev);
}

// ------------------------------------------------------------------------------------------
// Queries, start/stop, unlock

static gboolean gst_vtk_src_query(GstBaseSrc* src, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && gst_base_src_is_live(src)) {
    // min: see kSourceLatency (timestamps are the renderer's finish time; we add a wake-up and a
    // copy). max: unbounded. We never queue: the renderer keeps overwriting its slots and we
    // always copy the newest, so downstream holding buffers longer makes nothing drop here.
    gst_query_set_latency(query, TRUE, kSourceLatency, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(parent_class)->query(src, query);
}

static gboolean gst_vtk_src_start(GstBaseSrc* src) {
  GstVtkSrc* self = GST_VTK_SRC(src);
  VtkSrcPrivate& p = *self->priv;
  std::string name;
  {
    std::lock_guard lock(p.props_lock);
    name = p.shm_name;
  }
  std::string err;
  if (shm::posix_name(name, &err).empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid shm-name \"%s\"", name.c_str()),
                      ("%s", err.c_str()));
    return FALSE;
  }
  {
    std::lock_guard lock(p.reader_lock);
    p.reader = std::make_unique<shm::FrameReader>(name);
    p.flushing = false;
  }
  {
    std::lock_guard lock(p.input_lock);
    p.input = std::make_unique<shm::InputWriter>(name);
  }
  p.state.reset();
  p.session = 0;
  p.discont = true;
  p.last_invalid.clear();
  p.last_pts = GST_CLOCK_TIME_NONE;
  p.listen_reset = true;
  p.first_frame_ns = 0;
  p.have_out_info = false;
  {
    std::lock_guard lock(p.caps_lock);
    p.frame_caps.reset();
  }
  GST_DEBUG_OBJECT(self, "reading renderer stream \"%s\"", name.c_str());
  return TRUE;
}

static gboolean gst_vtk_src_stop(GstBaseSrc* src) {
  VtkSrcPrivate& p = *GST_VTK_SRC(src)->priv;
  {
    std::lock_guard lock(p.input_lock);
    p.input.reset();
  }
  {
    std::lock_guard lock(p.reader_lock);
    p.reader.reset();  // the streaming task is stopped before stop() is called
  }
  gst_buffer_replace(&p.last, nullptr);
  p.nav_width = 0;
  p.nav_height = 0;
  return TRUE;
}

static gboolean gst_vtk_src_unlock(GstBaseSrc* src) {
  VtkSrcPrivate& p = *GST_VTK_SRC(src)->priv;
  std::lock_guard lock(p.reader_lock);
  p.flushing = true;
  if (p.reader) p.reader->interrupt();
  p.flush_cond.notify_all();
  return TRUE;
}

static gboolean gst_vtk_src_unlock_stop(GstBaseSrc* src) {
  VtkSrcPrivate& p = *GST_VTK_SRC(src)->priv;
  std::lock_guard lock(p.reader_lock);
  p.flushing = false;
  if (p.reader) p.reader->clear_interrupt();
  p.listen_reset = true;
  return TRUE;
}

// ------------------------------------------------------------------------------------------
// GObject

static void gst_vtk_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                     GParamSpec* pspec) {
  GstVtkSrc* self = GST_VTK_SRC(object);
  VtkSrcPrivate& p = *self->priv;
  switch (prop_id) {
    case PROP_SHM_NAME: {
      const gchar* s = g_value_get_string(value);
      std::lock_guard lock(p.props_lock);
      p.shm_name = s ? s : DEFAULT_SHM_NAME;
      break;
    }
    case PROP_IS_LIVE:
      gst_base_src_set_live(GST_BASE_SRC(self), g_value_get_boolean(value));
      break;
    case PROP_REPEAT_INTERVAL: {
      std::lock_guard lock(p.props_lock);
      p.repeat_interval_ms = g_value_get_uint(value);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_vtk_src_get_property(GObject* object, guint prop_id, GValue* value,
                                     GParamSpec* pspec) {
  GstVtkSrc* self = GST_VTK_SRC(object);
  VtkSrcPrivate& p = *self->priv;
  switch (prop_id) {
    case PROP_SHM_NAME: {
      std::lock_guard lock(p.props_lock);
      g_value_set_string(value, p.shm_name.c_str());
      break;
    }
    case PROP_IS_LIVE:
      g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(self)));
      break;
    case PROP_REPEAT_INTERVAL: {
      std::lock_guard lock(p.props_lock);
      g_value_set_uint(value, p.repeat_interval_ms);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_vtk_src_finalize(GObject* object) {
  GstVtkSrc* self = GST_VTK_SRC(object);
  gst_buffer_replace(&self->priv->last, nullptr);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_vtk_src_init(GstVtkSrc* self) {
  self->priv = new VtkSrcPrivate();
  gst_base_src_set_live(GST_BASE_SRC(self), DEFAULT_IS_LIVE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

static void gst_vtk_src_class_init(GstVtkSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* basesrc_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass* pushsrc_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_vtk_src_debug, "vtksrc", 0, "vtkstream shared-memory source");
  vgst::register_frame_meta();

  gobject_class->set_property = gst_vtk_src_set_property;
  gobject_class->get_property = gst_vtk_src_get_property;
  gobject_class->finalize = gst_vtk_src_finalize;

  g_object_class_install_property(
      gobject_class, PROP_SHM_NAME,
      g_param_spec_string("shm-name", "Shared memory name",
                          "Name of the renderer's shared-memory stream (vtkstream-render --shm)",
                          DEFAULT_SHM_NAME,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean("is-live", "Is live", "Act as a live source (timestamps in running time)",
                           DEFAULT_IS_LIVE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                    GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_REPEAT_INTERVAL,
      g_param_spec_uint("repeat-interval", "Repeat interval",
                        "While the renderer sends nothing new, repeat the last picture every this "
                        "many milliseconds (0 = never)",
                        0, G_MAXINT, DEFAULT_REPEAT_INTERVAL,
                        static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 GST_PARAM_MUTABLE_PLAYING)));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  // Built from the contract's names (set_metadata copies the string), so the description
  // gst-inspect shows cannot drift from what the element sends.
  gchar* description = g_strdup_printf(
      "Reads the frames a vtkstream renderer publishes in shared memory and sends navigation "
      "events back to it as input. Caps follow the renderer (framerate 0/1: it draws on demand) "
      "and are renegotiated when it resizes; timestamps are the renderer's finish times in "
      "running time. The renderer may start later, die or restart: the element keeps waiting "
      "and sends '%s' notices (state=%s/%s/%s, session-id) as element messages and as out-of-band "
      "downstream events. Because an idle renderer sends nothing, the last picture is repeated "
      "every repeat-interval ms (default 1000, 0 = never) so that muxers, encoders and WebRTC "
      "peers downstream never stall; repeats carry %s=TRUE in the %s custom meta, which also "
      "holds the echoed %s of every frame.",
      contract::kRendererNotice, contract::renderer_state_name(RendererState::kWaiting),
      contract::renderer_state_name(RendererState::kAttached),
      contract::renderer_state_name(RendererState::kLost), contract::kMetaRepeat,
      contract::kFrameMetaName, contract::kMetaInputSeq);
  gst_element_class_set_metadata(element_class, "VTK shared-memory source", "Source/Video",
                                 description, "vtkstream");
  g_free(description);

  basesrc_class->get_caps = GST_DEBUG_FUNCPTR(gst_vtk_src_get_caps);
  basesrc_class->negotiate = GST_DEBUG_FUNCPTR(gst_vtk_src_negotiate);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR(gst_vtk_src_set_caps);
  basesrc_class->decide_allocation = GST_DEBUG_FUNCPTR(gst_vtk_src_decide_allocation);
  basesrc_class->query = GST_DEBUG_FUNCPTR(gst_vtk_src_query);
  basesrc_class->event = GST_DEBUG_FUNCPTR(gst_vtk_src_event);
  basesrc_class->start = GST_DEBUG_FUNCPTR(gst_vtk_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR(gst_vtk_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR(gst_vtk_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR(gst_vtk_src_unlock_stop);
  pushsrc_class->create = GST_DEBUG_FUNCPTR(gst_vtk_src_create);
}
