// The renderer notices: one `vtksrc-renderer` element message, and the same notice as an
// out-of-band downstream event, per transition (waiting, attached, lost). Names and fields are
// in <vtkstream/vtksrc-contract.h>.
#include "src_private.h"

#define GST_CAT_DEFAULT gst_vtk_src_debug

namespace vtkstream::vtksrc {

using contract::RendererState;

namespace {

void post_renderer_state(GstVtkSrc* self, RendererState state, uint64_t session,
                         const char* reason = nullptr) {
  Private& p = *self->priv;
  p.state = state;
  contract::RendererNotice n;
  n.state = state;
  n.session_id = session;
  if (reason) n.reason = reason;
  n.shm_name = shm_name(p);
  GST_INFO_OBJECT(self, "renderer %s (session %" G_GUINT64_FORMAT ")",
                  contract::renderer_state_name(state), static_cast<guint64>(session));
  gst_element_post_message(GST_ELEMENT(self),
                           gst_message_new_element(GST_OBJECT(self), contract::renderer_notice_structure(n)));
  // The same notice downstream, for elements that cannot watch the bus (a sink bin sees only its
  // own children's messages). Out of band: it needs no caps or segment before it (the first
  // "waiting" goes out before any), and it must not wait behind buffers queued downstream.
  // Not linked yet or refused: nobody downstream wants it, which is no error.
  gst_pad_push_event(GST_BASE_SRC_PAD(self), contract::renderer_notice_event(n));
}

// Why the reader left its renderer, for the `lost` notice: a supervisor kills an unresponsive
// renderer (its heartbeat stopped), but leaves one whose ring was damaged to republish.
const char* lost_reason(const shm::FrameReader& r) {
  switch (r.error_kind()) {
    case shm::ErrorKind::kWriterUnresponsive:
      return contract::kLostUnresponsive;
    case shm::ErrorKind::kDamaged:
      return contract::kLostDamaged;
    default:
      return contract::kLostExited;
  }
}

}  // namespace

// Posts one message per transition, judged from the reader after each wait().
void update_renderer_state(GstVtkSrc* self, const shm::FrameReader& r) {
  Private& p = *self->priv;
  if (r.attached()) {
    uint64_t sid = r.session_id();
    if (p.state == RendererState::kAttached && sid == p.session) return;
    // A writer replaced without us seeing a gap still means the old session is gone.
    if (p.state == RendererState::kAttached) post_renderer_state(self, RendererState::kLost, p.session);
    p.session = sid;
    p.discont = true;
    p.last_invalid.clear();  // a later invalid object is news again
    post_renderer_state(self, RendererState::kAttached, sid);
    resend_interactive_cap(self);  // a new renderer knows nothing of the cap downstream set
  } else if (p.state == RendererState::kAttached) {
    post_renderer_state(self, RendererState::kLost, p.session, lost_reason(r));
  } else if (!p.state) {
    post_renderer_state(self, RendererState::kWaiting, 0);
  }
}

}  // namespace vtkstream::vtksrc
