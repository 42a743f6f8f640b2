// vtksrc: the element's type, its start/stop/unlock and the create() loop. The other concerns
// live beside it (src_private.h lists the files).

/**
 * SECTION:element-vtksrc
 * @title: vtksrc
 *
 * Reads the frames a vtkstream renderer (vtkstream-render, or any program publishing with
 * libvtkstream) writes into a shared-memory ring, and sends upstream GstNavigation events back
 * to it as input.
 *
 * * Caps: video/x-raw in the renderer's format (RGBA, BGRA or RGB), framerate 0/1 (the renderer
 *   draws on demand). Downstream chooses the size: with caps such as width=800,height=600 the
 *   renderer is asked to render at that size (any size from 16x16 to 4096x4096, the resize
 *   limit); frames of another size are dropped until it has resized, and a renderer that applies
 *   the request but keeps its size is a not-negotiated error. Such a pinned size is asked for
 *   with the exact bit, so the renderer keeps it while the user drags instead of rendering
 *   smaller (vtkstream-render's interactive size). When downstream does not care, the
 *   caps are the renderer's own size and follow it when it resizes (for instance on a
 *   vtkstream-resize request). A RECONFIGURE renegotiates at once. The renderer draws one size
 *   for all its readers: one size-choosing reader per renderer. Two pipelines reading it at once
 *   with different fixed sizes fight over it (each drops the other's frames; typically the one
 *   overridden fails with the not-negotiated error, or it keeps waiting); further readers should take any size, be view-only, or
 *   scale. A size asked for stays the renderer's size after the pipeline stops or fails.
 * * Timestamps are the renderer's CLOCK_MONOTONIC finish times mapped to running time; the
 *   source is live and reports a 5 ms minimum latency. GST_BUFFER_OFFSET is the renderer's
 *   frame number. Every buffer carries the frame custom meta (`VtkStreamFrameMeta`) with the
 *   echoed input sequence number, for input-to-photon measurements.
 * * repeat-interval: an idle renderer publishes nothing, which stalls muxers, encoders (no
 *   keyframe for a new WebRTC peer) and players. vtksrc therefore repeats the last picture,
 *   stamped now and marked repeat=TRUE in the meta, once per repeat-interval ms (default 1000;
 *   0 turns it off). One second keeps downstream alive at almost no cost.
 * * The renderer may start after the pipeline, die, or restart: vtksrc keeps waiting (without
 *   polling) and, once per transition, sends a `vtksrc-renderer` notice (state waiting,
 *   attached or lost; session-id; shm-name; a `lost` notice adds reason exited, unresponsive or
 *   damaged) both as an element message and as an out-of-band downstream custom event on its
 *   src pad, so elements downstream (a sink bin cannot see its siblings' bus messages) learn it
 *   too. A shared-memory object that is not a valid vtkstream ring gives one
 *   GST_ELEMENT_WARNING and vtksrc waits for a valid one.
 * * Input: mouse, scroll, key and touch navigation events, plus the custom upstream
 *   `vtkstream-resize` request (fields width and height), become input records for the
 *   renderer; coordinates are normalised, so any display size maps onto any render size. A
 *   resize to a size downstream's caps exclude is dropped. The custom upstream
 *   `vtkstream-interactive-cap` (width and height; 0x0 = none) tells the renderer the largest
 *   size to render at while someone interacts; vtksrc keeps the last one and gives it to every
 *   renderer that attaches later. `view-only=true` sends the renderer nothing at all (and
 *   negotiates only the size it draws).
 * * URI: vtkstream://NAME sets shm-name to NAME, for uridecodebin, playbin and gst-play-1.0.
 * * Every name that crosses the element boundary (meta, notices, upstream fields and events, the
 *   resize limit) is defined once, in the installed header <vtkstream/vtksrc-contract.h>.
 *
 * ## Example launch lines
 * |[
 * vtkstream-render --shm demo --demo &
 * gst-launch-1.0 vtksrc shm-name=demo ! videoconvert ! autovideosink
 * ]| An interactive VTK window: the video sink's mouse and keys steer the scene.
 * |[
 * gst-launch-1.0 vtksrc shm-name=demo ! video/x-raw,width=800,height=600 ! videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=out.webm
 * ]| Records the session at 800x600 (the renderer is asked for that size); the repeats keep the
 * file going while the scene is still.
 * |[
 * gst-play-1.0 vtkstream://demo
 * ]| Plays the stream by URI.
 */
#include "gstvtksrc.h"

#include <algorithm>

#include "frame_meta.h"
#include "src_private.h"

GST_DEBUG_CATEGORY(gst_vtk_src_debug);
#define GST_CAT_DEFAULT gst_vtk_src_debug

using namespace vtkstream::vtksrc;
namespace shm = vtkstream::shm;

#define gst_vtk_src_parent_class vtksrc_parent
G_DEFINE_TYPE_WITH_CODE(GstVtkSrc, gst_vtk_src, GST_TYPE_PUSH_SRC,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE(vtksrc, "vtksrc", GST_RANK_NONE, GST_TYPE_VTK_SRC);

// Any format and size a ring can describe (an embedding program may publish up to the ring's
// kMaxDimension); what can be ASKED for is the narrower resize limit (negotiation.cpp).
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw, format = (string) { RGBA, BGRA, RGB }, "
                    "width = (int) [ 1, 16384 ], height = (int) [ 1, 16384 ], "
                    "framerate = (fraction) 0/1"));
static_assert(vtkstream::shm::kMaxDimension == 16384, "the template's size range is the ring's");

namespace vtkstream::vtksrc {

GstBaseSrcClass* parent_class() { return GST_BASE_SRC_CLASS(vtksrc_parent); }

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

}  // namespace vtkstream::vtksrc

namespace {

// How long to back off when the reader keeps reporting the same invalid object without
// blocking (for instance a permission error on open): a busy loop helps nobody.
constexpr int kInvalidRetryMs = 1000;

// A repeat-now request waits until the last picture is this old: a renderer that is drawing
// (30 frames a second and more) sends a new one sooner, which does instead.
constexpr int kRepeatNowAfterMs = 100;

// Sleeps until unlock() or the timeout; for error states where the reader cannot block for us.
bool sleep_interruptibly(Private& p, int ms) {
  std::unique_lock lock(p.reader_lock);
  return !p.flush_cond.wait_for(lock, std::chrono::milliseconds(ms), [&] { return p.flushing; });
}

// After kInterrupted: true when it was a RECONFIGURE's wake-up (cleared, keep going), false when
// the element is flushing.
bool woken_for_reconfigure(Private& p, shm::FrameReader& r) {
  std::lock_guard lock(p.reader_lock);
  if (p.flushing || !p.wake) return false;
  p.wake = false;
  r.clear_interrupt();
  return true;
}

// Copies the newest frame, retrying when it changed size between looking and copying.
// True when `out`/`ret` are final (a buffer, or an error or flush to return).
bool try_take(GstVtkSrc* self, shm::FrameReader& r, GstBuffer** out, GstFlowReturn* ret) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    const Take t = take_frame(self, r, out, ret);
    if (t == Take::kDone) return true;
    if (t != Take::kRetry) return false;
  }
  return false;
}

void warn_invalid(GstVtkSrc* self, const shm::FrameReader& r) {
  const std::string name = shm_name(*self->priv);
  const std::string& why = self->priv->last_invalid;
  // Named in the message itself: that is the line gst-launch and operators see.
  if (r.error_kind() == shm::ErrorKind::kDamaged)
    GST_ELEMENT_WARNING(self, RESOURCE, READ,
                        ("Shared memory object '%s' was truncated or overwritten while in use; "
                         "waiting for its renderer to publish a new one", name.c_str()),
                        ("%s", why.c_str()));
  else
    GST_ELEMENT_WARNING(self, RESOURCE, READ,
                        ("Shared memory object '%s' is not a usable vtkstream renderer stream", name.c_str()),
                        ("%s", why.c_str()));
}

GstFlowReturn create(GstPushSrc* push, GstBuffer** out) {
  GstVtkSrc* self = GST_VTK_SRC(push);
  Private& p = *self->priv;
  shm::FrameReader* r = p.reader.get();  // set in start(), only this thread resets it (stop())
  if (!r) return GST_FLOW_FLUSHING;
  guint repeat_ms;
  {
    std::lock_guard lock(p.props_lock);
    repeat_ms = p.repeat_interval_ms;
  }

  if (p.listen_reset.exchange(false)) p.listen_since_ns = shm::monotonic_ns();
  bool invalid_again = false;
  GstFlowReturn ret = GST_FLOW_OK;
  for (;;) {
    // New caps (a reconfigure, or the renderer resized) may fit the frame already in the ring:
    // an idle renderer would not send it again.
    if (p.resend) {
      p.resend = false;
      if (r->attached() && try_take(self, *r, out, &ret)) return ret;
    }
    // A repeat asked for now (vtksrc-contract.h kRepeatNowEvent): a new viewer's keyframe or
    // first picture needs a frame, and an idle renderer sends none. A renderer that is drawing
    // sends one within kRepeatNowAfterMs (a new frame clears the request, frames.cpp), so the
    // repeat comes only once the last picture is that old: no duplicate frames while dragging.
    const uint64_t now_ns = shm::monotonic_ns();
    const uint64_t repeat_now_due = p.last_push_ns + uint64_t(kRepeatNowAfterMs) * 1'000'000;
    if (p.repeat_now && p.last && now_ns >= repeat_now_due) {
      p.repeat_now = false;
      return make_repeat(self, out);
    }
    // One wait, until a frame, a state change, or the next keep-alive repeat is due. Without a
    // repeat the reader blocks indefinitely (it checks the writer's liveness itself). The very
    // first wait does not block, so "waiting" is announced at once when nobody is there.
    int timeout = -1;
    if (!p.state) {
      timeout = 0;
    } else if (p.last && (repeat_ms > 0 || p.repeat_now)) {
      uint64_t due = repeat_ms > 0 ? p.last_push_ns + uint64_t(repeat_ms) * 1'000'000 : UINT64_MAX;
      if (p.repeat_now) due = std::min(due, repeat_now_due);
      timeout = due > now_ns ? int((due - now_ns + 999'999) / 1'000'000) : 0;
    }
    const shm::FrameReader::Status st = r->wait(timeout);
    if (st == shm::FrameReader::Status::kInterrupted) {
      if (!woken_for_reconfigure(p, *r)) return GST_FLOW_FLUSHING;
      if (gst_pad_needs_reconfigure(GST_BASE_SRC_PAD(self)) && !reconfigure(self, &ret)) return ret;
      continue;
    }
    update_renderer_state(self, *r);
    flush_input(p);

    switch (st) {
      case shm::FrameReader::Status::kFrame:
        if (try_take(self, *r, out, &ret)) return ret;
        break;
      case shm::FrameReader::Status::kInvalid:
        if (r->error() != p.last_invalid) {
          p.last_invalid = r->error();
          warn_invalid(self, *r);
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

gboolean query(GstBaseSrc* src, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && gst_base_src_is_live(src)) {
    // min: see kSourceLatency (timestamps are the renderer's finish time; we add a wake-up and a
    // copy). max: unbounded. We never queue: the renderer keeps overwriting its slots and we
    // always copy the newest, so downstream holding buffers longer makes nothing drop here.
    gst_query_set_latency(query, TRUE, kSourceLatency, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return parent_class()->query(src, query);
}

gboolean start(GstBaseSrc* src) {
  GstVtkSrc* self = GST_VTK_SRC(src);
  Private& p = *self->priv;
  const std::string name = shm_name(p);
  std::string err;
  if (shm::posix_name(name, &err).empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid shm-name \"%s\"", name.c_str()), ("%s", err.c_str()));
    return FALSE;
  }
  {
    std::lock_guard lock(p.reader_lock);
    p.reader = std::make_unique<shm::FrameReader>(name);
    p.flushing = false;
    p.wake = false;
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
  p.negotiated_for = {};
  p.request.reset();
  p.resend = false;
  {
    std::lock_guard lock(p.caps_lock);
    p.renderer = {};
  }
  GST_DEBUG_OBJECT(self, "reading renderer stream \"%s\"", name.c_str());
  return TRUE;
}

gboolean stop(GstBaseSrc* src) {
  Private& p = *GST_VTK_SRC(src)->priv;
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

gboolean unlock(GstBaseSrc* src) {
  Private& p = *GST_VTK_SRC(src)->priv;
  std::lock_guard lock(p.reader_lock);
  p.flushing = true;
  if (p.reader) p.reader->interrupt();
  p.flush_cond.notify_all();
  return TRUE;
}

gboolean unlock_stop(GstBaseSrc* src) {
  Private& p = *GST_VTK_SRC(src)->priv;
  std::lock_guard lock(p.reader_lock);
  p.flushing = false;
  p.wake = false;
  if (p.reader) p.reader->clear_interrupt();
  p.listen_reset = true;
  return TRUE;
}

}  // namespace

static void gst_vtk_src_finalize(GObject* object) {
  GstVtkSrc* self = GST_VTK_SRC(object);
  gst_buffer_replace(&self->priv->last, nullptr);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(vtksrc_parent)->finalize(object);
}

static void gst_vtk_src_init(GstVtkSrc* self) {
  self->priv = new Private();
  gst_base_src_set_live(GST_BASE_SRC(self), VTKSRC_DEFAULT_IS_LIVE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

static void gst_vtk_src_class_init(GstVtkSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* basesrc_class = GST_BASE_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_vtk_src_debug, "vtksrc", 0, "vtkstream shared-memory source");
  vtkstream::gst::register_frame_meta();

  gobject_class->finalize = gst_vtk_src_finalize;
  install_properties(gobject_class);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  // One sentence, as upstream elements have; the details are in the doc comment above.
  gst_element_class_set_static_metadata(element_class, "VTK shared-memory source", "Source/Video",
                                        "Reads the frames a VTK renderer publishes in shared memory "
                                        "and sends navigation events back to it",
                                        "The vtkstream authors");

  install_negotiation(basesrc_class);
  install_input(basesrc_class);
  basesrc_class->query = GST_DEBUG_FUNCPTR(query);
  basesrc_class->start = GST_DEBUG_FUNCPTR(start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR(stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR(unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR(unlock_stop);
  GST_PUSH_SRC_CLASS(klass)->create = GST_DEBUG_FUNCPTR(create);
}
