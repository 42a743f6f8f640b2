#include "mjpeg_stream.h"

#include <gst/gst.h>

#include <string>

GST_DEBUG_CATEGORY_STATIC(sink_mjpeg_debug);
#define GST_CAT_DEFAULT sink_mjpeg_debug

namespace vtkstream::sink {

namespace {
// At most this many pictures queued per viewer; beyond, pictures are skipped for it.
constexpr int kMaxInFlight = 2;
}  // namespace

MjpegStreams::~MjpegStreams() {
  while (!viewers_.empty()) remove(&viewers_.front());
}

void MjpegStreams::add(SoupServerMessage* msg, uint32_t peer) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_mjpeg_debug, "vtkstreamsink-mjpeg", 0, "vtkstreamsink MJPEG viewers");
    g_once_init_leave(&once, 1);
  }
  GST_INFO("peer %u: MJPEG viewer added (%zu viewers)", peer, viewers_.size() + 1);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type(
      h, (std::string("multipart/x-mixed-replace; boundary=") + kBoundary).c_str(), nullptr);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  // Without this libsoup would keep every picture ever sent in memory.
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);

  // The boundary goes out ahead of the first part and right after every part (not before the
  // next one): a browser shows a part only once it sees the boundary that ends it, so this way
  // each picture appears when it arrives instead of one picture late (Firefox waits for it).
  const std::string first = std::string("--") + kBoundary + "\r\n";
  soup_message_body_append(soup_server_message_get_response_body(msg), SOUP_MEMORY_COPY, first.data(),
                           first.size());
  viewers_.push_back(Viewer{SOUP_SERVER_MESSAGE(g_object_ref(msg)), peer, 0, 0, 0, this});
  Viewer* v = &viewers_.back();
  v->wrote_id = g_signal_connect(msg, "wrote-chunk", G_CALLBACK(+[](SoupServerMessage*, gpointer d) {
                                   auto* v = static_cast<Viewer*>(d);
                                   if (v->in_flight > 0) --v->in_flight;
                                 }),
                                 v);
  // "finished": the client went away (or we ended the response).
  v->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(+[](SoupServerMessage*, gpointer d) {
                                      auto* v = static_cast<Viewer*>(d);
                                      v->owner->remove(v);
                                    }),
                                    v);
  // No part yet: wait for the first picture without ending the response.
  soup_server_message_pause(msg);
  if (viewers_.size() == 1 && first_) first_();
}

void MjpegStreams::broadcast(GBytes* jpeg) {
  const std::string head = "Content-Type: image/jpeg\r\nContent-Length: " +
                           std::to_string(g_bytes_get_size(jpeg)) + "\r\n\r\n";
  const std::string tail = std::string("\r\n--") + kBoundary + "\r\n";
  for (Viewer& v : viewers_) {
    if (v.in_flight >= kMaxInFlight) {
      GST_LOG("peer %u: picture skipped, %d still in flight", v.peer, v.in_flight);
      continue;
    }
    SoupMessageBody* body = soup_server_message_get_response_body(v.msg);
    // One chunk per part: a picture is written whole or not at all.
    GBytes* part;
    {
      gsize n = 0;
      const guint8* p = static_cast<const guint8*>(g_bytes_get_data(jpeg, &n));
      GByteArray* a = g_byte_array_sized_new(static_cast<guint>(head.size() + n + tail.size()));
      g_byte_array_append(a, reinterpret_cast<const guint8*>(head.data()), static_cast<guint>(head.size()));
      g_byte_array_append(a, p, static_cast<guint>(n));
      g_byte_array_append(a, reinterpret_cast<const guint8*>(tail.data()), static_cast<guint>(tail.size()));
      part = g_byte_array_free_to_bytes(a);
    }
    soup_message_body_append_bytes(body, part);
    g_bytes_unref(part);
    ++v.in_flight;
    soup_server_message_unpause(v.msg);
  }
}

void MjpegStreams::end_peer(uint32_t peer) {
  for (auto it = viewers_.begin(); it != viewers_.end();) {
    Viewer* v = &*it++;
    if (v->peer != peer) continue;
    // Completing the chunked body ends the response; "finished" then removes the viewer.
    soup_message_body_complete(soup_server_message_get_response_body(v->msg));
    soup_server_message_unpause(v->msg);
  }
}

void MjpegStreams::end_all() {
  for (Viewer& v : viewers_) {
    soup_message_body_complete(soup_server_message_get_response_body(v.msg));
    soup_server_message_unpause(v.msg);
  }
}

void MjpegStreams::remove(Viewer* v) {
  GST_INFO("peer %u: MJPEG viewer gone", v->peer);
  g_signal_handler_disconnect(v->msg, v->wrote_id);
  g_signal_handler_disconnect(v->msg, v->finished_id);
  g_object_unref(v->msg);
  viewers_.remove_if([v](const Viewer& x) { return &x == v; });
  if (viewers_.empty() && last_) last_();
}

}  // namespace vtkstream::sink
