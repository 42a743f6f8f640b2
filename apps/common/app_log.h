// Diagnostics of vtkstream-serve and vtkstream-render go through GLib's structured logging:
// each program compiles with G_LOG_DOMAIN set to its name and G_LOG_USE_STRUCTURED, and writes
// g_critical / g_warning / g_message / g_info / g_debug. install_log_writer() decides where
// they go:
//
// * Under systemd, when stderr is connected to the journal (JOURNAL_STREAM names it), entries
//   go to journald natively with GLib's priorities (critical and warning 4, message 5, info 6,
//   debug 7) and fields (GLIB_DOMAIN, CODE_FILE, CODE_LINE), so `journalctl -p warning` works.
// * Otherwise one line on stderr, "PROGRAM: TEXT" as the programs always printed (scripts and
//   tests read these lines); info and debug lines get "info: " / "debug: " after the prefix, and
//   messages of libraries (GLib, GIO, ...) their domain: "PROGRAM: GLib: debug: TEXT".
//
// Info and debug are dropped unless G_MESSAGES_DEBUG names the domain (or is "all"), as with
// every GLib program. stdout is not touched: the links the server prints stay there.
#pragma once

namespace vtkstream::app {

void install_log_writer(const char* program);

}  // namespace vtkstream::app
