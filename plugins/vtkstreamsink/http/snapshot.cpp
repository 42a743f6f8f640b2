#include "snapshot.h"

#include <gst/video/video.h>

#include <cstring>

GST_DEBUG_CATEGORY_STATIC(sink_snapshot_debug);
#define GST_CAT_DEFAULT sink_snapshot_debug

namespace vtkstream::sink {

namespace {

void refuse(SoupServerMessage* msg, guint status, const std::string& why) {
  const std::string body = why + "\n";
  soup_server_message_set_status(msg, status, nullptr);
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE) soup_message_headers_replace(h, "Retry-After", "1");
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, body.data(), body.size());
}

}  // namespace

// One request: lives in its GTask's task data, so whatever happens to the server or the client
// (the task completes on a context that is being torn down, the client hung up) it is freed once.
struct SnapshotServer::Job {
  GstSample* sample = nullptr;
  SoupServerMessage* msg = nullptr;  // our reference
  std::weak_ptr<int> in_flight;
  bool finished = false;  // the client went away (or the server closed the connection)
  gulong finished_id = 0;
  // Results, written by the worker, read on the server's context after it completed.
  GstBuffer* png = nullptr;
  std::string error;
  double encode_ms = 0;

  ~Job() {
    if (auto n = in_flight.lock()) --*n;
    if (finished_id) g_signal_handler_disconnect(msg, finished_id);
    g_object_unref(msg);
    gst_sample_unref(sample);
    if (png) gst_buffer_unref(png);
  }
};

SnapshotServer::SnapshotServer(Source source) : source_(std::move(source)) {
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
  job->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(+[](SoupServerMessage*, gpointer d) {
                                        static_cast<Job*>(d)->finished = true;
                                      }),
                                      job);
  soup_server_message_pause(msg);
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

void SnapshotServer::done(GObject*, GAsyncResult* res, gpointer) {
  auto* job = static_cast<Job*>(g_task_get_task_data(G_TASK(res)));
  const bool server_alive = !job->in_flight.expired();
  if (!server_alive || job->finished) return;  // nobody to answer; the job is freed with the task
  SoupServerMessage* msg = job->msg;
  if (!job->png) {
    GST_WARNING("PNG encoding failed: %s", job->error.c_str());
    refuse(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "the picture could not be encoded as PNG: " + job->error);
  } else {
    GST_INFO("PNG of %" G_GSIZE_FORMAT " bytes encoded in %.1f ms", gst_buffer_get_size(job->png), job->encode_ms);
    GstMapInfo map;
    gst_buffer_map(job->png, &map, GST_MAP_READ);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(h, "Cache-Control", "no-store");
    soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
    soup_message_headers_replace(h, "Content-Disposition", "attachment; filename=\"vtkstream.png\"");
    // The encode time, readable by the page (and by benchmarks) without server logs.
    gchar* timing = g_strdup_printf("encode;dur=%.1f", job->encode_ms);
    soup_message_headers_replace(h, "Server-Timing", timing);
    g_free(timing);
    soup_server_message_set_response(msg, "image/png", SOUP_MEMORY_COPY, reinterpret_cast<const char*>(map.data),
                                     map.size);
    gst_buffer_unmap(job->png, &map);
  }
  soup_server_message_unpause(msg);
}

}  // namespace vtkstream::sink
