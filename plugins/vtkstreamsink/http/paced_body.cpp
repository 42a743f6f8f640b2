#include "paced_body.h"

#include <gst/gst.h>

#include <algorithm>

#include "sink_context.h"

GST_DEBUG_CATEGORY_STATIC(sink_paced_body_debug);
#define GST_CAT_DEFAULT sink_paced_body_debug

namespace vtkstream::sink {

PacedBody::PacedBody(SoupServerMessage* msg, GBytes* bytes, int64_t bps)
    : msg_(msg), bytes_(g_bytes_ref(bytes)),
      slice_(static_cast<size_t>(std::max(bps, kMinBps) / 8 * kPeriodMs / 1000)) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_paced_body_debug, "vtkstreamsink-paced-body", 0, "vtkstreamsink paced responses");
    g_once_init_leave(&once, 1);
  }
  g_object_weak_ref(G_OBJECT(msg_), on_gone, this);
}

PacedBody::~PacedBody() {
  GST_INFO("paced body freed: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes appended", offset_,
           g_bytes_get_size(bytes_));
  cancel_source(timer_);
  g_bytes_unref(bytes_);
}

void PacedBody::start(SoupServerMessage* msg, GBytes* bytes, int64_t bps) {
  auto* self = new PacedBody(msg, bytes, bps);
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  // "finished": the body was written, or the client went away; either way nothing more to do.
  self->finished_id_ = g_signal_connect_swapped(msg, "finished", G_CALLBACK(+[](PacedBody* s) { s->on_finished(); }),
                                                self);
  if (self->tick()) self->timer_ = add_timeout(kPeriodMs, [self] { return self->tick(); });
}

void PacedBody::on_finished() {
  g_signal_handler_disconnect(msg_, finished_id_);
  g_object_weak_unref(G_OBJECT(msg_), on_gone, this);
  msg_ = nullptr;
  stop();
}

void PacedBody::on_gone(gpointer self, GObject*) {
  auto* s = static_cast<PacedBody*>(self);
  s->msg_ = nullptr;  // its signal handlers are already gone with it
  s->stop();
}

void PacedBody::stop() {
  cancel_source(timer_);
  stopped_ = true;
  if (!ticking_) delete this;
}

bool PacedBody::tick() {
  SoupMessageBody* body = soup_server_message_get_response_body(msg_);
  const size_t size = g_bytes_get_size(bytes_);
  const size_t n = std::min(slice_, size - offset_);
  if (n > 0) {
    GBytes* part = g_bytes_new_from_bytes(bytes_, offset_, n);
    soup_message_body_append_bytes(body, part);
    g_bytes_unref(part);
    offset_ += n;
  }
  const bool more = offset_ < size;
  if (!more) soup_message_body_complete(body);
  ticking_ = true;  // libsoup may finish the message from in here
  soup_server_message_unpause(msg_);
  ticking_ = false;
  if (stopped_) {
    delete this;
    return false;
  }
  return more;
}

}  // namespace vtkstream::sink
