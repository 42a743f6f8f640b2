#include "app_log.h"

#include <glib.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace vtkstream::app {

namespace {

struct WriterState {
  std::string program;
  bool journal = false;
};

const char* field(const GLogField* fields, gsize n, const char* key) {
  for (gsize i = 0; i < n; ++i)
    if (std::strcmp(fields[i].key, key) == 0 && fields[i].length < 0) return static_cast<const char*>(fields[i].value);
  return nullptr;
}

// GLib's default writer would print "(PROGRAM:PID): DOMAIN-WARNING **: 12:00:00.000: TEXT";
// ours keeps the one-line "PROGRAM: TEXT" format of these programs and leaves the journal
// decision to GLib (g_log_writer_is_journald, g_log_writer_journald).
GLogWriterOutput write_entry(GLogLevelFlags level, const GLogField* fields, gsize n, gpointer data) {
  const auto* state = static_cast<const WriterState*>(data);
  if (g_log_writer_default_would_drop(level, field(fields, n, "GLIB_DOMAIN"))) return G_LOG_WRITER_HANDLED;
  if (state->journal) {
    // The journal names a native entry's sender by SYSLOG_IDENTIFIER (else by the executable's
    // first 15 characters).
    std::vector<GLogField> all(fields, fields + n);
    all.push_back(GLogField{"SYSLOG_IDENTIFIER", state->program.c_str(), -1});
    if (g_log_writer_journald(level, all.data(), all.size(), nullptr) == G_LOG_WRITER_HANDLED)
      return G_LOG_WRITER_HANDLED;
  }
  const char* message = field(fields, n, "MESSAGE");
  const char* domain = field(fields, n, "GLIB_DOMAIN");
  const char* kind = (level & G_LOG_LEVEL_DEBUG) ? "debug: " : (level & G_LOG_LEVEL_INFO) ? "info: " : "";
  // A library's message (GLib, GIO, ...) says whose it is.
  const bool foreign = domain && state->program != domain;
  std::fprintf(stderr, "%s: %s%s%s%s\n", state->program.c_str(), foreign ? domain : "", foreign ? ": " : "", kind,
               message ? message : "");
  std::fflush(stderr);
  return G_LOG_WRITER_HANDLED;
}

}  // namespace

void log_error(const char* domain, const char* file, const char* line, const char* func, const char* format, ...) {
  va_list args;
  va_start(args, format);
  gchar* message = g_strdup_vprintf(format, args);
  va_end(args);
  // g_log_structured_array() passes the fields as given (g_log_structured() would put GLib's
  // PRIORITY 4 first); the level still says critical to writers that go by it.
  const GLogField fields[] = {
      {"PRIORITY", "3", -1}, {"GLIB_DOMAIN", domain, -1}, {"CODE_FILE", file, -1},
      {"CODE_LINE", line, -1}, {"CODE_FUNC", func, -1},   {"MESSAGE", message, -1},
  };
  g_log_structured_array(G_LOG_LEVEL_CRITICAL, fields, G_N_ELEMENTS(fields));
  g_free(message);
}

void install_log_writer(const char* program) {
  // Lives as long as the process: GLib keeps the pointer.
  static WriterState state;
  state.program = program;
  state.journal = g_log_writer_is_journald(STDERR_FILENO);
  g_log_set_writer_func(write_entry, &state, nullptr);
}

}  // namespace vtkstream::app
