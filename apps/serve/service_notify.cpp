#include "service_notify.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace vtkstream::serve {

namespace {

// Pings at half the interval systemd allows. Up to ~10 s in milliseconds; beyond, in seconds
// (g_timeout_add_seconds may fire up to a second late, which is nothing against a 5 s margin)
// and clamped, so a huge WATCHDOG_USEC cannot wrap the timer's guint into a 0 ms busy loop.
guint add_ping_timer(guint64 watchdog_usec, GSourceFunc ping, gpointer data) {
  const guint64 half_ms = std::max<guint64>(watchdog_usec / 2000, 1);
  if (half_ms < 10000) return g_timeout_add(static_cast<guint>(half_ms), ping, data);
  return g_timeout_add_seconds(static_cast<guint>(std::min<guint64>(half_ms / 1000, G_MAXUINT)), ping, data);
}

}  // namespace

ServiceNotifier::ServiceNotifier() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return;
  // Only the socket kinds systemd hands to services: a path, or "@name" in the abstract namespace.
  const size_t len = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr_.sun_path)) {
    g_warning("NOTIFY_SOCKET=%s is not a unix socket this program can use; not notifying", path);
    return;
  }
  addr_.sun_family = AF_UNIX;
  std::memcpy(addr_.sun_path, path, len);
  if (path[0] == '@') addr_.sun_path[0] = '\0';
  addr_len_ = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + len);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    g_warning("cannot create a socket for NOTIFY_SOCKET: %s", g_strerror(errno));
    return;
  }
  // sd_watchdog_enabled(3)'s rules: WATCHDOG_USEC set and positive, and WATCHDOG_PID, if set, is us.
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (usec && *usec && (!pid || !*pid || g_ascii_strtoull(pid, nullptr, 10) == static_cast<guint64>(getpid())))
    watchdog_usec_ = g_ascii_strtoull(usec, nullptr, 10);
}

ServiceNotifier::~ServiceNotifier() {
  if (watchdog_timer_) g_source_remove(watchdog_timer_);
  if (fd_ >= 0) close(fd_);
}

// Not sd_notify(3): libsystemd sends with a blocking sendmsg(), so a service manager that stops
// reading (a full socket queue) would freeze our main loop, and with it the SIGTERM handler. A
// notification is a hint that the next one repeats, so one that does not fit is dropped.
void ServiceNotifier::send(const std::string& message) {
  if (fd_ < 0) return;
  if (sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
             reinterpret_cast<const sockaddr*>(&addr_), addr_len_) >= 0) {
    dropping_ = false;
    return;
  }
  if (!dropping_)
    g_warning("the service manager does not take notifications (%s); dropping them until it does",
              g_strerror(errno));
  dropping_ = true;
}

void ServiceNotifier::ready(const std::string& url) {
  if (fd_ < 0) return;
  url_ = url;
  send_status();
  send("READY=1");
  g_info("told the service manager READY=1%s", watchdog_usec_ ? ", watchdog on" : "");
  if (!watchdog_usec_ || watchdog_timer_) return;
  // The ping comes from the main loop itself: a stuck loop (the bus, the supervisor and the
  // signal handlers all run there) stops the pings, and systemd restarts the service. The web
  // side runs on the sink's own thread: pings also need its answers (web_probe.h).
  probe_ = std::make_unique<WebProbe>(url, static_cast<guint>(std::clamp<guint64>(watchdog_usec_ / 2000000, 1, 60)));
  watchdog_timer_ = add_ping_timer(watchdog_usec_, [](gpointer self) -> gboolean {
    static_cast<ServiceNotifier*>(self)->watchdog_tick();
    return G_SOURCE_CONTINUE;
  }, this);
  send("WATCHDOG=1");
  probe_->start();
}

// Pings while the web side answered within the watchdog interval, or within a second for
// shorter intervals (an HTTP round trip on a loaded machine can take milliseconds, and a
// sub-second watchdog must not kill a healthy server for it); then asks it again.
void ServiceNotifier::watchdog_tick() {
  const gint64 silent_us = probe_->usec_since_answer();
  const guint64 allowed_us = std::clamp<guint64>(watchdog_usec_, G_USEC_PER_SEC, G_MAXINT64);
  if (silent_us < static_cast<gint64>(allowed_us)) {
    send("WATCHDOG=1");
    web_silent_ = false;
  } else if (!web_silent_) {
    g_warning("the web side has not answered /healthz for %.1f s: no more watchdog pings until it does",
              silent_us / 1e6);
    web_silent_ = true;
  }
  probe_->start();
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
  if (watchdog_timer_) {
    g_source_remove(watchdog_timer_);
    watchdog_timer_ = 0;
  }
  send("STOPPING=1\nSTATUS=stopping: saying bye to viewers, stopping the renderer");
}

void ServiceNotifier::send_status() {
  if (url_.empty()) return;  // before READY nothing is worth a status line
  gchar* line = g_strdup_printf("STATUS=serving %s; renderer %s; %u viewer%s", url_.c_str(), renderer_.c_str(),
                                peers_, peers_ == 1 ? "" : "s");
  send(line);
  g_free(line);
}

}  // namespace vtkstream::serve
