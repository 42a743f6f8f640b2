#include "server_process.h"

#include <signal.h>

#include <cstdlib>

#include "test_main_context.h"

namespace vtkstream::test {

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::vector<std::string>& env, GSubprocessFlags extra) {
  std::vector<const char*> argv{binary.c_str()};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  GError* err = nullptr;
  GSubprocessLauncher* l = g_subprocess_launcher_new(GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE | extra));
  for (const auto& e : env) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos) g_subprocess_launcher_unsetenv(l, e.c_str());
    else g_subprocess_launcher_setenv(l, e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), TRUE);
  }
  proc_ = g_subprocess_launcher_spawnv(l, argv.data(), &err);
  g_object_unref(l);
  if (!proc_) {
    g_printerr("cannot start %s: %s\n", binary.c_str(), err ? err->message : "?");
    g_clear_error(&err);
    return;
  }
  if (const char* id = g_subprocess_get_identifier(proc_)) pid_ = static_cast<pid_t>(std::atoi(id));
  out_ = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc_));
  read_line();
  if (extra & G_SUBPROCESS_FLAGS_STDERR_PIPE) {
    err_ = g_data_input_stream_new(g_subprocess_get_stderr_pipe(proc_));
    read_err_line();
  }
  // The control link comes first; the view-only link follows at once when tokens are on.
  run_until([this] {
    return (!url_.empty() && (token_.empty() || !view_token_.empty())) ||
           g_subprocess_get_identifier(proc_) == nullptr;
  }, 10000);
}

void ServerProcess::read_line() {
  g_data_input_stream_read_line_async(
      out_, G_PRIORITY_DEFAULT, cancel_,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        gsize n = 0;
        GError* e = nullptr;
        char* line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, &n, &e);
        if (!line) {  // EOF, error or cancelled (then `d` may be gone)
          g_clear_error(&e);
          return;
        }
        auto* self = static_cast<ServerProcess*>(d);
        std::string l(line);
        g_free(line);
        self->lines_.push_back(l);
        // https:// when the server runs with --tls-cert.
        size_t at = l.find("https://");
        if (at == std::string::npos) at = l.find("http://");
        if (at != std::string::npos) {
          std::string link = l.substr(at, l.find(' ', at) - at);
          std::string token;
          if (const size_t q = link.find("?token="); q != std::string::npos) {
            token = link.substr(q + 7);
            link = link.substr(0, q);
          }
          if (self->url_.empty()) {
            self->url_ = link;
            self->token_ = token;
          } else if (self->view_token_.empty()) {
            self->view_token_ = token;
          }
        }
        g_main_context_wakeup(nullptr);
        self->read_line();
      },
      this);
}

void ServerProcess::read_err_line() {
  g_data_input_stream_read_line_async(
      err_, G_PRIORITY_DEFAULT, cancel_,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        char* line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, nullptr, nullptr);
        if (!line) return;  // EOF, error or cancelled (then `d` may be gone)
        auto* self = static_cast<ServerProcess*>(d);
        g_printerr("%s\n", line);
        self->err_lines_.emplace_back(line);
        g_free(line);
        g_main_context_wakeup(nullptr);
        self->read_err_line();
      },
      this);
}

bool ServerProcess::running() const { return proc_ && g_subprocess_get_identifier(proc_) != nullptr; }

std::string ServerProcess::ws_url(const std::string& token) const {
  const std::string t = token.empty() ? token_ : token == "-" ? "" : token;
  const bool tls = url_.rfind("https://", 0) == 0;
  return (tls ? "wss://" + url_.substr(8) : "ws://" + url_.substr(7)) + "ws" + (t.empty() ? "" : "?token=" + t);
}

int ServerProcess::terminate(int timeout_ms) {
  if (!proc_) return -1;
  g_cancellable_cancel(cancel_);
  g_subprocess_send_signal(proc_, SIGTERM);
  bool done = false;
  g_subprocess_wait_async(proc_, nullptr, [](GObject*, GAsyncResult*, gpointer d) { *static_cast<bool*>(d) = true; },
                          &done);
  if (!run_until([&] { return done; }, timeout_ms)) {
    g_subprocess_force_exit(proc_);
    run_until([&] { return done; }, 5000);
    return -1;
  }
  return g_subprocess_get_if_exited(proc_) ? g_subprocess_get_exit_status(proc_) : -1;
}

ServerProcess::~ServerProcess() {
  if (proc_ && g_subprocess_get_identifier(proc_)) terminate();
  g_clear_object(&out_);
  g_clear_object(&err_);
  g_clear_object(&proc_);
  g_object_unref(cancel_);
}

}  // namespace vtkstream::test
