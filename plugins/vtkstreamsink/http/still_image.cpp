#include "still_image.h"

#include <gst/video/video.h>

#include <cstring>

#include "paced_body.h"
#include "request_policy.h"
#include "still_encode.h"

GST_DEBUG_CATEGORY_STATIC(sink_still_image_debug);
#define GST_CAT_DEFAULT sink_still_image_debug

namespace vtkstream::sink {

// One encode, in its GTask's task data: freed once whatever happens to the server.
struct StillImages::Job {
  std::weak_ptr<StillImages*> owner;
  uint64_t generation = 0;
  GstSample* sample = nullptr;
  uint64_t id = 0;
  GBytes* image = nullptr;  // written by the worker
  std::string error;
  double encode_ms = 0;
  StillFormat format;
  ~Job() {
    gst_sample_unref(sample);
    if (image) g_bytes_unref(image);
  }
};

StillImages::StillImages(OnReady on_ready, StillFormat format) : on_ready_(std::move(on_ready)), format_(format) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_still_image_debug, "vtkstreamsink-still-image", 0, "vtkstreamsink /still.webp");
    g_once_init_leave(&once, 1);
  }
  char e[9];
  g_snprintf(e, sizeof e, "%08x", g_random_int());
  epoch_ = e;
}

StillImages::~StillImages() {
  clear();
  *self_ = nullptr;
}

void StillImages::clear() {
  if (image_) g_bytes_unref(image_);
  image_ = nullptr;
  if (waiting_) gst_sample_unref(waiting_);
  waiting_ = nullptr;
  ++generation_;
  busy_ = false;  // a late result of the old generation is dropped, whenever it comes
}

void StillImages::offer(GstSample* sample, uint64_t id) {
  if (!busy_) {
    start(sample, id);
    return;
  }
  if (waiting_) gst_sample_unref(waiting_);  // never encoded: a newer still replaces it
  waiting_ = sample;
  waiting_id_ = id;
}

void StillImages::start(GstSample* sample, uint64_t id) {
  busy_ = true;
  auto* job = new Job;
  job->owner = self_;
  job->generation = generation_;
  job->sample = sample;
  job->id = id;
  job->format = format_;
  // The completion runs on this thread's context (the sink's).
  GTask* task = g_task_new(nullptr, nullptr, [](GObject*, GAsyncResult* res, gpointer) {
    auto* j = static_cast<Job*>(g_task_get_task_data(G_TASK(res)));
    if (auto owner = j->owner.lock(); owner && *owner) (*owner)->finished(j);
  }, nullptr);
  g_task_set_task_data(task, job, [](gpointer j) { delete static_cast<Job*>(j); });
  g_task_run_in_thread(task, [](GTask* t, gpointer, gpointer data, GCancellable*) {
    auto* j = static_cast<Job*>(data);
    const gint64 t0 = g_get_monotonic_time();
    j->image = encode_still(j->sample, j->format, &j->error);
    j->encode_ms = double(g_get_monotonic_time() - t0) / 1000.0;
    g_task_return_boolean(t, TRUE);
  });
  g_object_unref(task);
}

void StillImages::finished(Job* job) {
  if (job->generation != generation_) return;  // cleared meanwhile
  busy_ = false;
  if (job->image) {
    GstVideoInfo vi;
    gst_video_info_from_caps(&vi, gst_sample_get_caps(job->sample));
    if (image_) g_bytes_unref(image_);
    image_ = g_bytes_ref(job->image);
    id_ = job->id;
    width_ = GST_VIDEO_INFO_WIDTH(&vi);
    height_ = GST_VIDEO_INFO_HEIGHT(&vi);
    encode_ms_ = job->encode_ms;
    GST_INFO("still %" G_GUINT64_FORMAT ": %dx%d, %" G_GSIZE_FORMAT " bytes of %s WebP in %.1f ms",
             static_cast<guint64>(id_), width_, height_, g_bytes_get_size(image_),
             format_.lossless ? "lossless" : "lossy", encode_ms_);
  } else {
    GST_WARNING("still %" G_GUINT64_FORMAT " not encoded: %s", static_cast<guint64>(job->id), job->error.c_str());
  }
  if (waiting_) {  // a newer still came while this one was encoded: it is the one to show
    GstSample* next = waiting_;
    waiting_ = nullptr;
    start(next, waiting_id_);
    return;  // viewers hear of the newer one only
  }
  if (job->image && on_ready_) on_ready_(Ready{id_, width_, height_, g_bytes_get_size(image_)});
}

void StillImages::serve(SoupServerMessage* msg, GHashTable* query, int64_t pace_bps) {
  const char* id_text = query ? static_cast<const char*>(g_hash_table_lookup(query, "id")) : nullptr;
  guint64 want = 0;
  if (id_text && !g_ascii_string_to_unsigned(id_text, 10, 1, G_MAXUINT64, &want, nullptr)) {
    plain_error(msg, SOUP_STATUS_BAD_REQUEST, "usage: /still.webp?id=N (N: the id of a `still` message, 1 or more)");
    return;
  }
  if (!image_) {
    plain_error(msg, SOUP_STATUS_NOT_FOUND,
          "no still image yet: one is made when an interaction ends while a viewer shows stills");
    return;
  }
  if (id_text && want != id_) {
    plain_error(msg, SOUP_STATUS_NOT_FOUND,
          std::string(want < id_ ? "still " + std::to_string(want) + " was replaced" : "no still " + std::to_string(want) + " yet") +
              "; the newest is " + std::to_string(id_) + " (/still.webp?id=" + std::to_string(id_) + ")");
    return;
  }
  const std::string etag = "\"" + epoch_ + "-" + std::to_string(id_) + "\"";
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  // Revalidated on every use (a new server may reuse ids; the epoch tells them apart), which
  // costs a 304 without a body.
  soup_message_headers_replace(h, "Cache-Control", "private, no-cache");
  soup_message_headers_replace(h, "ETag", etag.c_str());
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(h, "X-Still-Id", std::to_string(id_).c_str());
  // libsoup would cut a 206 for a Range; the image is small, answer it whole (as /snapshot.png).
  soup_message_headers_remove(soup_server_message_get_request_headers(msg), "Range");
  const char* inm = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "If-None-Match");
  if (inm && (std::strstr(inm, etag.c_str()) || std::strcmp(inm, "*") == 0)) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, nullptr);
    return;
  }
  gchar* timing = g_strdup_printf("encode;dur=%.1f", encode_ms_);
  soup_message_headers_replace(h, "Server-Timing", timing);
  g_free(timing);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  if (std::strcmp(soup_server_message_get_method(msg), SOUP_METHOD_HEAD) == 0) {
    soup_message_headers_set_content_type(h, kStillMime, nullptr);
    soup_message_headers_set_content_length(h, g_bytes_get_size(image_));
    return;
  }
  if (pace_bps > 0) {
    soup_message_headers_set_content_type(h, kStillMime, nullptr);
    soup_message_headers_replace(h, "X-Still-Pace-Kbps", std::to_string(pace_bps / 1000).c_str());  // for benchmarks
    PacedBody::start(msg, image_, pace_bps);
    return;
  }
  soup_server_message_set_response(msg, kStillMime, SOUP_MEMORY_COPY,
                                   static_cast<const char*>(g_bytes_get_data(image_, nullptr)),
                                   g_bytes_get_size(image_));
}

}  // namespace vtkstream::sink
