// Tells the service manager how the server is doing (sd_notify(3)), for the unit's Type=notify
// and WatchdogSec= (launch/systemd): READY=1 once the sink listens and the pipeline plays,
// STATUS= lines an operator reads in `systemctl status` (the renderer's state, how many
// viewers), WATCHDOG=1 from the main loop while WATCHDOG_USEC is set (at half that interval, and
// only while the web side answered a /healthz probe within the interval, at least 1 s; so a main
// loop or a web thread that stops turning gets the service killed and restarted), STOPPING=1 on
// the way out.
// Without systemd (no NOTIFY_SOCKET) every call does nothing. Sends never block (see send()).
#pragma once

#include <glib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <string>

#include "web_probe.h"

namespace vtkstream::serve {

class ServiceNotifier {
 public:
  ServiceNotifier();
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // READY=1 with a first STATUS=; starts the watchdog pings on the default main context.
  void ready(const std::string& url);
  // Where the renderer stands ("running", "restarting: ...") and how many viewers are connected.
  void renderer(const std::string& state);
  void viewers(unsigned peers);
  void stopping();
  // The watchdog interval in microseconds (0: no watchdog requested).
  guint64 watchdog_usec() const { return watchdog_usec_; }

 private:
  void send(const std::string& message);
  void send_status();
  void watchdog_tick();

  int fd_ = -1;
  sockaddr_un addr_{};
  socklen_t addr_len_ = 0;
  bool dropping_ = false;
  std::unique_ptr<WebProbe> probe_;
  bool web_silent_ = false;
  guint64 watchdog_usec_ = 0;
  guint watchdog_timer_ = 0;
  std::string url_, renderer_ = "starting";
  unsigned peers_ = 0;
};

}  // namespace vtkstream::serve
