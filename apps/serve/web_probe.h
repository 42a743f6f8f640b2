// Whether the web side still answers: an HTTP GET of the server's own /healthz over loopback,
// from the main loop. The sink serves HTTP and WebSockets on a thread and GMainContext of its
// own, so a main loop that turns says nothing about them; the watchdog (service_notify.h) pings
// only while this probe got answers recently. A real request rather than a hook into the sink:
// it covers the whole path a browser takes (the listening socket, libsoup, the sink's thread),
// and the program keeps to the element's public interface.
#pragma once

#include <glib.h>

#include <memory>
#include <string>

namespace vtkstream::serve {

class WebProbe {
 public:
  // `url`: the server's own base URL (http://HOST:PORT/). Counts as answered at construction.
  explicit WebProbe(const std::string& url, guint timeout_s);
  ~WebProbe();
  WebProbe(const WebProbe&) = delete;
  WebProbe& operator=(const WebProbe&) = delete;

  // Sends a request unless one is still on its way (never blocks).
  void start();
  // Microseconds since the last 200 answer.
  gint64 usec_since_answer() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vtkstream::serve
