#include "paced_body.h"

#include <algorithm>

#include "sink_context.h"

namespace vtkstream::sink {

PacedBody::PacedBody(SoupServerMessage* msg, GBytes* bytes, int64_t bps)
    : msg_(SOUP_SERVER_MESSAGE(g_object_ref(msg))), bytes_(g_bytes_ref(bytes)),
      slice_(static_cast<size_t>(std::max(bps, kMinBps) / 8 * kPeriodMs / 1000)) {}

PacedBody::~PacedBody() {
  cancel_source(timer_);
  g_signal_handler_disconnect(msg_, finished_id_);
  g_object_unref(msg_);
  g_bytes_unref(bytes_);
}

void PacedBody::start(SoupServerMessage* msg, GBytes* bytes, int64_t bps) {
  auto* self = new PacedBody(msg, bytes, bps);
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  // "finished": the body was written, or the client went away; either way nothing more to do.
  self->finished_id_ = g_signal_connect(msg, "finished", G_CALLBACK(+[](SoupServerMessage*, gpointer d) {
                                          auto* s = static_cast<PacedBody*>(d);
                                          post_to(current_context(), [s] { delete s; });
                                          cancel_source(s->timer_);
                                        }),
                                        self);
  if (self->tick()) self->timer_ = add_timeout(kPeriodMs, [self] { return self->tick(); });
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
  soup_server_message_unpause(msg_);
  return more;
}

}  // namespace vtkstream::sink
