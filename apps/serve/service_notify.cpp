#include "service_notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>

namespace vtkstream::serve {

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket && *socket;
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is us (not the renderer).
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = usec;
}

ServiceNotifier::~ServiceNotifier() {
  if (watchdog_timer_) g_source_remove(watchdog_timer_);
}

void ServiceNotifier::ready(const std::string& url) {
  if (!enabled_) return;
  url_ = url;
  send_status();
  sd_notify(0, "READY=1");
  g_info("told the service manager READY=1%s", watchdog_usec_ ? ", watchdog on" : "");
  if (!watchdog_usec_ || watchdog_timer_) return;
  // The ping comes from the main loop itself: a stuck loop (the bus, the supervisor and the
  // signal handlers all run there) stops the pings, and systemd restarts the service.
  const guint interval_ms = static_cast<guint>(std::max<guint64>(watchdog_usec_ / 2000, 1));
  watchdog_timer_ = g_timeout_add(interval_ms, [](gpointer) -> gboolean {
    sd_notify(0, "WATCHDOG=1");
    return G_SOURCE_CONTINUE;
  }, nullptr);
  sd_notify(0, "WATCHDOG=1");
}

void ServiceNotifier::renderer(const std::string& state) {
  renderer_ = state;
  send_status();
}

void ServiceNotifier::viewers(unsigned peers) {
  peers_ = peers;
  send_status();
}

void ServiceNotifier::stopping() {
  if (!enabled_) return;
  if (watchdog_timer_) {
    g_source_remove(watchdog_timer_);
    watchdog_timer_ = 0;
  }
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: saying bye to viewers, stopping the renderer");
}

void ServiceNotifier::send_status() {
  if (!enabled_ || url_.empty()) return;  // before READY nothing is worth a status line
  sd_notifyf(0, "STATUS=serving %s; renderer %s; %u viewer%s", url_.c_str(), renderer_.c_str(), peers_,
             peers_ == 1 ? "" : "s");
}

}  // namespace vtkstream::serve
