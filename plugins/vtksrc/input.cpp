// Upstream events: GstNavigation events and vtkstream-resize requests become input records for
// the renderer (navigation.cpp has the mapping); RECONFIGURE wakes the streaming thread so a
// new size downstream asks for is negotiated at once, not at the renderer's next frame.
#include "navigation.h"
#include "src_private.h"

#define GST_CAT_DEFAULT gst_vtk_src_debug

namespace vgst = vtkstream::gst;

namespace vtkstream::vtksrc {

bool push_input(GstVtkSrc* self, shm::InputEvent ev, uint64_t* seq) {
  Private& p = *self->priv;
  std::lock_guard lock(p.input_lock);
  if (!p.input) return false;
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
    return false;
  }
  GST_LOG_OBJECT(self, "input kind %u seq %" G_GUINT64_FORMAT " x %.3f y %.3f", ev.kind,
                 static_cast<guint64>(ev.seq), ev.x, ev.y);
  if (seq) *seq = ev.seq;
  return true;
}

// The renderer echoes the number of the last record it applied, whoever wrote it, and keeps it for
// its life; another pipeline (or an earlier vtksrc) on the same renderer numbered from 1 too. Our
// numbers continue past every number seen, so a frame that echoes one of ours (or later) was
// drawn after that input was applied, not before it was written (accept_frame relies on this).
void note_echoed_seq(Private& p, uint64_t seq) {
  std::lock_guard lock(p.input_lock);
  p.next_seq = std::max(p.next_seq, seq + 1);
}

// Input that found the ring full waits in the InputWriter's backlog until the next push. Any
// wake-up of the streaming thread (above all a new frame: the renderer drains its input before
// it renders) is a chance to deliver it, so the release at the end of a drag does not wait for
// the next event.
void flush_input(Private& p) {
  std::lock_guard lock(p.input_lock);
  if (p.input) p.input->flush();
}

namespace {

// The cap is a setting, not a viewer's input: no sequence number (the renderer does not echo it,
// so it cannot make a frame look like the answer to input it does not show).
bool push_cap(GstVtkSrc* self) {
  Private& p = *self->priv;
  std::lock_guard lock(p.input_lock);
  if (!p.input || !p.cap || p.view_only) return false;
  shm::InputEvent ev = *p.cap;
  ev.timestamp_ns = shm::monotonic_ns();
  if (!p.input->push(ev)) {
    GST_DEBUG_OBJECT(self, "no renderer attached, interactive cap kept for the next one: %s", p.input->error().c_str());
    return false;
  }
  GST_DEBUG_OBJECT(self, "interactive size cap %ux%u", ev.width, ev.height);
  return true;
}

}  // namespace

void resend_interactive_cap(GstVtkSrc* self) {
  bool have = false;
  {
    std::lock_guard lock(self->priv->input_lock);
    have = self->priv->cap.has_value();
  }
  if (have) push_cap(self);
}

namespace {

// Breaks the streaming thread's wait without flushing; create() renegotiates (see there).
void wake_streaming_thread(Private& p) {
  std::lock_guard lock(p.reader_lock);
  if (!p.reader) return;
  p.wake = true;
  p.reader->interrupt();
}

gboolean event(GstBaseSrc* src, GstEvent* event) {
  GstVtkSrc* self = GST_VTK_SRC(src);
  Private& p = *self->priv;
  const bool navigation = GST_EVENT_TYPE(event) == GST_EVENT_NAVIGATION;
  const bool resize = vgst::is_resize_event(event);
  const bool cap = vgst::is_interactive_cap_event(event);
  if (contract::is_repeat_now_event(event)) {
    // Handled by create(), which the wake-up reaches in its wait (vtksrc-contract.h).
    p.repeat_now = true;
    wake_streaming_thread(p);
    return TRUE;
  }
  if (GST_EVENT_TYPE(event) == GST_EVENT_RECONFIGURE) {
    // GstPad has flagged the src pad already; GstBaseSrc only looks at the flag before create(),
    // and create() may sleep until the renderer's next frame, which may never come unasked.
    wake_streaming_thread(p);
  }
  if (!navigation && !resize && !cap) return parent_class()->event(src, event);

  if (p.view_only) {
    GST_LOG_OBJECT(self, "view-only: %s event not sent to the renderer", GST_EVENT_TYPE_NAME(event));
    return FALSE;
  }
  shm::InputEvent ev;
  std::string why;
  if (cap) {
    if (vgst::interactive_cap_to_input(gst_event_get_structure(event), &ev, &why) != vgst::Translate::kOk) {
      GST_DEBUG_OBJECT(self, "interactive size cap dropped: %s", why.c_str());
      return FALSE;
    }
    {
      std::lock_guard lock(p.input_lock);
      p.cap = ev;
    }
    // Kept either way: a renderer that attaches later gets it (resend_interactive_cap).
    push_cap(self);
    return TRUE;
  }
  const vgst::Translate t = navigation
                                ? vgst::navigation_to_input(event, p.nav_width, p.nav_height, &ev, &why)
                                : vgst::resize_to_input(gst_event_get_structure(event), &ev, &why);
  if (t != vgst::Translate::kOk) {
    GST_DEBUG_OBJECT(self, "input event dropped: %s", why.c_str());
    return FALSE;
  }
  // A size downstream cannot take would only be undone by the next negotiation (and the frames
  // in between dropped): a viewer cannot overrule caps that the pipeline fixed.
  if (resize && !downstream_accepts_size(self, ev.width, ev.height)) {
    GST_DEBUG_OBJECT(self, "resize to %ux%u dropped: downstream does not accept that size", ev.width,
                     ev.height);
    return FALSE;
  }
  // A viewer's window size may be reduced while someone interacts; a size downstream fixed may
  // not (the reduced frames would be dropped): then the request is as exact as vtksrc's own.
  if (resize && downstream_fixes_size(self)) ev.button |= shm::kResizeExact;
  return push_input(self, ev);
}

}  // namespace

void install_input(GstBaseSrcClass* klass) { klass->event = GST_DEBUG_FUNCPTR(event); }

}  // namespace vtkstream::vtksrc
