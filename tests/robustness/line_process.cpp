#include "line_process.h"

#include <signal.h>

#include <cstdlib>

#include "test_main_context.h"

using vtkstream::test::run_until;

namespace robust {

LineProcess::LineProcess(const std::vector<std::string>& argv) {
  std::vector<const char*> v;
  for (const auto& a : argv) v.push_back(a.c_str());
  v.push_back(nullptr);
  GError* err = nullptr;
  proc_ = g_subprocess_newv(v.data(), GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE),
                            &err);
  if (!proc_) {
    g_printerr("cannot start %s: %s\n", argv[0].c_str(), err ? err->message : "?");
    g_clear_error(&err);
    return;
  }
  if (const char* id = g_subprocess_get_identifier(proc_)) pid_ = static_cast<pid_t>(std::atoi(id));
  out_ = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc_));
  read_line();
}

void LineProcess::read_line() {
  g_data_input_stream_read_line_async(
      out_, G_PRIORITY_DEFAULT, cancel_,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        GError* e = nullptr;
        char* line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, nullptr, &e);
        if (!line) {
          // Cancelled: `d` may be gone. EOF or a read error: the output is over.
          const bool cancelled = g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_clear_error(&e);
          if (!cancelled) static_cast<LineProcess*>(d)->eof_ = true;
          g_main_context_wakeup(nullptr);
          return;
        }
        auto* self = static_cast<LineProcess*>(d);
        self->lines_.emplace_back(line);
        g_free(line);
        g_main_context_wakeup(nullptr);
        self->read_line();
      },
      this);
}

int LineProcess::wait_line(const std::function<bool(const std::string&)>& pred, int timeout_ms, size_t from) {
  int found = -1;
  auto look = [&] {
    for (size_t i = from; i < lines_.size() && found < 0; ++i)
      if (pred(lines_[i])) found = static_cast<int>(i);
    from = lines_.size();
    return found >= 0 || eof_;
  };
  run_until(look, timeout_ms);
  return found;
}

int LineProcess::status() const {
  if (!proc_ || running()) return -1;
  if (g_subprocess_get_if_signaled(proc_)) return 128 + g_subprocess_get_term_sig(proc_);
  return g_subprocess_get_exit_status(proc_);
}

LineProcess::~LineProcess() {
  g_cancellable_cancel(cancel_);
  if (proc_) {
    if (running()) g_subprocess_send_signal(proc_, SIGTERM);
    bool done = false;
    g_subprocess_wait_async(proc_, nullptr, [](GObject*, GAsyncResult*, gpointer p) { *static_cast<bool*>(p) = true; },
                            &done);
    if (!run_until([&] { return done; }, 5000)) {
      g_subprocess_force_exit(proc_);
      run_until([&] { return done; }, 5000);
    }
  }
  g_clear_object(&out_);
  g_clear_object(&proc_);
  g_object_unref(cancel_);
}

}  // namespace robust
