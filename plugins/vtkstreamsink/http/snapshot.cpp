#include "snapshot.h"

#include <gst/video/video.h>

#include <cstring>

#include "connection_guard.h"
#include "request_policy.h"
#include "sink_context.h"

GST_DEBUG_CATEGORY_STATIC(sink_snapshot_debug);
#define GST_CAT_DEFAULT sink_snapshot_debug

namespace vtkstream::sink {

namespace {

void refuse(SoupServerMessage* msg, guint status, const std::string& why) {
  plain_error(msg, status, why);
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE || status == SOUP_STATUS_GATEWAY_TIMEOUT)
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After", "1");
}

}  // namespace

// One request: lives in its GTask's task data, so whatever happens to the server or the client
// (the task completes on a context that is being torn down, the client hung up) it is freed once.
struct SnapshotServer::Job {
  GstSample* sample = nullptr;
  SoupServerMessage* msg = nullptr;  // our reference
  std::weak_ptr<int> in_flight;
  // "finished" or "disconnected" came (the client hung up, the connection guard closed it):
  // libsoup dropped the message's I/O, and unpausing it would be a critical.
  bool gone = false;
  bool answered = false;  // the deadline answered first; the late result is dropped
  gulong finished_id = 0, disconnected_id = 0;
  GSource* deadline = nullptr;  // on the server's context
  // Results, written by the worker, read on the server's context after it completed.
  GstBuffer* png = nullptr;
  std::string error;
  double encode_ms = 0;

  ~Job() {
    if (auto n = in_flight.lock()) --*n;
    cancel_source(deadline);
    if (finished_id) g_signal_handler_disconnect(msg, finished_id);
    if (disconnected_id) g_signal_handler_disconnect(msg, disconnected_id);
    g_object_unref(msg);
    gst_sample_unref(sample);
    if (png) gst_buffer_unref(png);
  }
};

SnapshotServer::SnapshotServer(Source source, GstClockTime timeout) : source_(std::move(source)), timeout_(timeout) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_snapshot_debug, "vtkstreamsink-snapshot", 0, "vtkstreamsink /snapshot.png");
    g_once_init_leave(&once, 1);
  }
}

SnapshotServer::~SnapshotServer() = default;

void SnapshotServer::serve(SoupServerMessage* msg) {
  std::string why;
  GstSample* sample = source_ ? source_(&why) : nullptr;
  if (!sample) {
    refuse(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "no picture to save: " + why);
    return;
  }
  // libsoup would cut a 206 out of a 200 for a Range; a fresh encode is another picture, so the
  // ranges of two requests never join into one file. Answer the whole picture instead (RFC 9110
  // lets a server ignore Range; 416 would make resuming clients fail where starting over works).
  soup_message_headers_remove(soup_server_message_get_request_headers(msg), "Range");
  if (std::strcmp(soup_server_message_get_method(msg), SOUP_METHOD_HEAD) == 0) {
    // What a GET would say, without the encode: HEAD must not cost what GET costs.
    gst_sample_unref(sample);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(h, "Cache-Control", "no-store");
    soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
    soup_message_headers_replace(h, "Content-Type", "image/png");
    soup_message_headers_set_encoding(h, SOUP_ENCODING_EOF);  // the length is unknown until encoded
    return;
  }
  if (*in_flight_ >= kMaxInFlight) {
    gst_sample_unref(sample);
    refuse(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy: other pictures are being saved; try again");
    return;
  }
  ++*in_flight_;
  auto* job = new Job;
  job->sample = sample;
  job->msg = SOUP_SERVER_MESSAGE(g_object_ref(msg));
  job->in_flight = in_flight_;
  auto gone = +[](SoupServerMessage*, gpointer d) { static_cast<Job*>(d)->gone = true; };
  job->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(gone), job);
  job->disconnected_id = g_signal_connect(msg, "disconnected", G_CALLBACK(gone), job);
  soup_server_message_pause(msg);
  ConnectionGuard::hold(msg, true);
  const guint timeout_ms = static_cast<guint>(GST_TIME_AS_MSECONDS(timeout_));
  job->deadline = add_timeout(timeout_ms, [job, timeout_ms] {
    GST_WARNING("no PNG after %u ms: answering 504; the encode goes on and its result is dropped", timeout_ms);
    answer(job, SOUP_STATUS_GATEWAY_TIMEOUT,
           "the picture took longer than " + std::to_string(timeout_ms / 1000.0).substr(0, 4) + " s to encode; try again");
    return false;
  });
  // The completion runs on this thread's context (the sink's), where libsoup wants the message.
  GTask* task = g_task_new(nullptr, nullptr, done, nullptr);
  g_task_set_task_data(task, job, [](gpointer j) { delete static_cast<Job*>(j); });
  g_task_run_in_thread(task, encode);
  g_object_unref(task);
}

void SnapshotServer::encode(GTask* task, gpointer, gpointer data, GCancellable*) {
  auto* job = static_cast<Job*>(data);
  const gint64 t0 = g_get_monotonic_time();
  GstCaps* png_caps = gst_caps_new_empty_simple("image/png");
  GError* err = nullptr;
  // The client's deadline is the web thread's timer; this bound only ends a conversion that
  // never prerolls (it cannot interrupt an encode under way).
  GstSample* out = gst_video_convert_sample(job->sample, png_caps, kEncodeTimeout, &err);
  gst_caps_unref(png_caps);
  job->encode_ms = double(g_get_monotonic_time() - t0) / 1000.0;
  if (out) {
    job->png = gst_buffer_ref(gst_sample_get_buffer(out));
    gst_sample_unref(out);
  } else {
    job->error = err ? err->message : "unknown error";
    g_clear_error(&err);
  }
  g_task_return_boolean(task, TRUE);
}

// Sets the response and unpauses, unless the message is gone or was answered already; on the
// server's context. False if nothing was sent.
bool SnapshotServer::answer(Job* job, guint status, const std::string& why) {
  if (job->gone || job->answered || job->in_flight.expired()) return false;
  job->answered = true;
  ConnectionGuard::hold(job->msg, false);
  if (status == SOUP_STATUS_OK) {
    GstMapInfo map;
    gst_buffer_map(job->png, &map, GST_MAP_READ);
    soup_server_message_set_status(job->msg, SOUP_STATUS_OK, nullptr);
    SoupMessageHeaders* h = soup_server_message_get_response_headers(job->msg);
    soup_message_headers_replace(h, "Cache-Control", "no-store");
    soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
    soup_message_headers_replace(h, "Content-Disposition", "attachment; filename=\"vtkstream.png\"");
    // The encode time, readable by the page (and by benchmarks) without server logs.
    gchar* timing = g_strdup_printf("encode;dur=%.1f", job->encode_ms);
    soup_message_headers_replace(h, "Server-Timing", timing);
    g_free(timing);
    soup_server_message_set_response(job->msg, "image/png", SOUP_MEMORY_COPY,
                                     reinterpret_cast<const char*>(map.data), map.size);
    gst_buffer_unmap(job->png, &map);
  } else {
    refuse(job->msg, status, why);
  }
  soup_server_message_unpause(job->msg);
  return true;
}

void SnapshotServer::done(GObject*, GAsyncResult* res, gpointer) {
  auto* job = static_cast<Job*>(g_task_get_task_data(G_TASK(res)));
  cancel_source(job->deadline);
  if (!job->png) GST_WARNING("PNG encoding failed after %.1f ms: %s", job->encode_ms, job->error.c_str());
  else GST_INFO("PNG of %" G_GSIZE_FORMAT " bytes encoded in %.1f ms", gst_buffer_get_size(job->png), job->encode_ms);
  const bool sent = job->png ? answer(job, SOUP_STATUS_OK, "")
                             : answer(job, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                      "the picture could not be encoded as PNG: " + job->error);
  // The job (and the message's reference) is freed with the task after this returns.
  if (!sent) GST_INFO("encode result dropped: the request was answered or its connection is gone");
}

}  // namespace vtkstream::sink
