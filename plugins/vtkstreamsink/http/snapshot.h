// GET /snapshot.png ("save picture" on the page): the newest raw frame that reached the sink
// (media/last_frame.h), at the renderer's full resolution, encoded as PNG, not a grab of the lossy
// video. Routed by HttpServer after the same token check as every other page request.
//
// gst_video_convert_sample() does the encoding (videoconvert ! pngenc in a small pipeline of its
// own); it takes tens to hundreds of milliseconds for large frames, so it runs on a GTask worker
// thread and the response waits paused, while the sink's web thread goes on serving everyone
// else. The time it took goes back in a Server-Timing header. At most kMaxInFlight encodes run at
// once; more requests, and requests before any raw frame exists (nothing rendered yet, or input
// that arrives already encoded), get 503 with the reason in the body.
//
// The wait is bounded by `timeout` on the server's context: at the deadline the client gets 504,
// and the encode (which cannot be interrupted inside pngenc) keeps its slot until it ends, its
// result dropped. A paused response is held against the connection guard's idle timeout (the
// server is busy, not the client), and a message whose connection went away (client hung up,
// guard closed it) is never touched again. HEAD answers the headers without encoding; Range is
// ignored (200, whole picture): every request encodes a new frame, so a resumed download would
// join two different pictures.
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

namespace vtkstream::sink {

class SnapshotServer {
 public:
  // The newest raw frame (transfer full), or nullptr and *why.
  using Source = std::function<GstSample*(std::string* why)>;
  static constexpr int kMaxInFlight = 2;
  static constexpr GstClockTime kEncodeTimeout = 10 * GST_SECOND;

  explicit SnapshotServer(Source source, GstClockTime timeout = kEncodeTimeout);
  ~SnapshotServer();  // encodes still running finish on their own; their responses are dropped
  SnapshotServer(const SnapshotServer&) = delete;
  SnapshotServer& operator=(const SnapshotServer&) = delete;

  // Answers now (503) or pauses `msg` until the PNG is ready. Call on the server's context.
  void serve(SoupServerMessage* msg);

 private:
  struct Job;
  static void encode(GTask* task, gpointer, gpointer job, GCancellable*);
  static void done(GObject*, GAsyncResult* res, gpointer);
  static bool answer(Job* job, guint status, const std::string& why);

  Source source_;
  GstClockTime timeout_;
  std::shared_ptr<int> in_flight_ = std::make_shared<int>(0);  // expires with us (Job holds a weak_ptr)
};

}  // namespace vtkstream::sink
