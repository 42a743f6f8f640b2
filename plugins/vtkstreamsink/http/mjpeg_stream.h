// The MJPEG fallback's HTTP side: each viewer is one endless multipart/x-mixed-replace response
// (chunked, body accumulation off, unpaused for every part, as libsoup 3 wants it). A viewer
// whose connection has not taken the previous picture yet skips pictures rather than buffering
// them: on a slow link the newest picture is the only one worth sending.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <list>

namespace vtkstream::sink {

class MjpegStreams {
 public:
  // first/last: the first viewer arrived / the last one left (the server adds or removes the
  // pipeline's MJPEG branch).
  MjpegStreams(std::function<void()> first, std::function<void()> last)
      : first_(std::move(first)), last_(std::move(last)) {}
  ~MjpegStreams();

  // Turns `msg` (a GET the router accepted) into a stream for peer `peer`.
  void add(SoupServerMessage* msg, uint32_t peer);
  // Sends one JPEG picture to every viewer that is ready for it.
  void broadcast(GBytes* jpeg);
  // Ends the streams of `peer` (its WebSocket closed).
  void end_peer(uint32_t peer);
  // Ends every stream (the encoder could not be built: nothing will come).
  void end_all();
  size_t count() const { return viewers_.size(); }

  static constexpr const char* kBoundary = "vtkstreamframe";

 private:
  struct Viewer {
    SoupServerMessage* msg;  // our reference
    uint32_t peer;
    int in_flight = 0;  // parts appended but not yet written
    gulong wrote_id = 0, finished_id = 0;
    MjpegStreams* owner;
  };
  void remove(Viewer* v);

  std::function<void()> first_, last_;
  std::list<Viewer> viewers_;
};

}  // namespace vtkstream::sink
