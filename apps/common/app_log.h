// Diagnostics of vtkstream-serve and vtkstream-render go through GLib's structured logging:
// each program compiles with G_LOG_DOMAIN set to its name and G_LOG_USE_STRUCTURED, and writes
// g_critical / g_warning / g_message / g_info / g_debug. install_log_writer() decides where
// they go:
//
// * Under systemd, when stderr is connected to the journal (JOURNAL_STREAM names it), entries
//   go to journald natively with GLib's priorities (critical and warning 4, message 5, info 6,
//   debug 7) and fields (GLIB_DOMAIN, CODE_FILE, CODE_LINE), so `journalctl -p warning` works.
//   GLib has no level for syslog's "err" (3): its g_error() aborts, and g_critical() is 4. Errors
//   that stop a program (usage errors, a pipeline error, no shared memory) go through
//   APP_LOG_ERROR instead: a critical message whose PRIORITY field says 3, so
//   `journalctl -p err` shows why a service died.
// * Otherwise one line on stderr, "PROGRAM: TEXT" as the programs always printed (scripts and
//   tests read these lines); info and debug lines get "info: " / "debug: " after the prefix, and
//   messages of libraries (GLib, GIO, ...) their domain: "PROGRAM: GLib: debug: TEXT".
//
// Info and debug are dropped unless G_MESSAGES_DEBUG names the domain (or is "all"), as with
// every GLib program. stdout is not touched: the links the server prints stay there.
#pragma once

#include <glib.h>

namespace vtkstream::app {

void install_log_writer(const char* program);

// APP_LOG_ERROR("format", ...): see above; on stderr it reads like any other line.
void log_error(const char* domain, const char* file, const char* line, const char* func, const char* format, ...)
    G_GNUC_PRINTF(5, 6);
#define APP_LOG_ERROR(...) \
  ::vtkstream::app::log_error(G_LOG_DOMAIN, __FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, __VA_ARGS__)

}  // namespace vtkstream::app
