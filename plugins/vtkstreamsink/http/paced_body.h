// A response body sent no faster than a given rate: a slice every kPeriodMs from a timer on the
// server's context, chunked. For the crisp still to a viewer behind a weak link
// (still_image.h): sent as fast as TCP likes, slow start's bursts overflowed the link's queue
// together with the viewer's video, and its bandwidth estimate fell for good.
//
// Why by hand: the kernel paces a socket itself (SO_MAX_PACING_RATE), but the server hands
// libsoup streams, not sockets (listener.h), so a message has no socket to set it on.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>

namespace vtkstream::sink {

class PacedBody {
 public:
  static constexpr unsigned kPeriodMs = 20;
  static constexpr int64_t kMinBps = 64000;  // never slower than this

  // Sends `bytes` as msg's body (status and headers set by the caller) at `bps` bit/s. Owns
  // itself: freed when the response finished or the message went. The message goes without
  // "finished" when its connection is taken from libsoup (the HTTP idle timeout does that to a
  // reader that stopped reading, http/connection_guard.h) or the server is torn down mid-body;
  // hence a weak reference, not a strong one, which would keep the message, the image and the
  // timer alive for the life of the process.
  static void start(SoupServerMessage* msg, GBytes* bytes, int64_t bps);

 private:
  PacedBody(SoupServerMessage* msg, GBytes* bytes, int64_t bps);
  ~PacedBody();
  bool tick();  // appends the next slice; false once all is appended (or this is freed)
  void on_finished();
  static void on_gone(gpointer self, GObject* msg);  // msg is being finalized
  void stop();  // no more slices; frees this, or has tick() do it on its way out

  SoupServerMessage* msg_;  // libsoup's (weak reference); nullptr once finished or gone
  GBytes* bytes_;           // our reference
  size_t offset_ = 0;
  size_t slice_;
  GSource* timer_ = nullptr;
  gulong finished_id_ = 0;
  bool ticking_ = false;    // inside tick(): a stop() there leaves the freeing to it
  bool stopped_ = false;
};

}  // namespace vtkstream::sink
