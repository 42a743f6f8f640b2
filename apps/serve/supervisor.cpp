#include "supervisor.h"

#include <glib-unix.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace vtkstream::serve {

namespace {

// Runs in the child between fork and exec (async-signal-safe calls only). The renderer must not
// outlive us: killed with SIGKILL, we cannot stop it ourselves, and an orphan keeps its ring
// (tens of MiB in /dev/shm) and its CPU. PR_SET_PDEATHSIG survives exec; SIGTERM lets the
// renderer remove its object on the way out. If we died before prctl ran, getppid() is no
// longer our pid and the signal would never come: give up at once.
void die_with_parent(gpointer parent_pid) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != static_cast<pid_t>(GPOINTER_TO_INT(parent_pid))) _exit(1);
}

}  // namespace

bool Supervisor::start(std::string* err) {
  stopping_ = false;
  return spawn(err);
}

bool Supervisor::spawn(std::string* err) {
  std::vector<const char*> argv;
  for (const auto& a : argv_) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  GSubprocessLauncher* launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
  // The renderer's chatter goes to our stderr: our stdout carries the one URL line scripts read.
  const int out = dup(STDERR_FILENO);
  if (out >= 0) g_subprocess_launcher_take_stdout_fd(launcher, out);
  // systemd's notification socket and watchdog are the server's: the renderer is not the
  // service's main process (NotifyAccess=main would ignore it anyway).
  for (const char* var : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) g_subprocess_launcher_unsetenv(launcher, var);
  // The parent death signal is per thread: spawn() runs on the main thread, which lives as long
  // as the program.
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, GINT_TO_POINTER(getpid()), nullptr);
  GError* gerr = nullptr;
  proc_ = g_subprocess_launcher_spawnv(launcher, argv.data(), &gerr);
  g_object_unref(launcher);
  if (!proc_) {
    *err = "cannot start the renderer " + argv_[0] + ": " + (gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    return false;
  }
  // Read at once: GLib clears the identifier from its worker thread as soon as the child has
  // been reaped, which a child that exits at once (a bad command line) reaches quickly (reading
  // it after setting up the wait lost that race about one run in ten on a loaded machine).
  const char* id = g_subprocess_get_identifier(proc_);
  pid_ = id ? std::atoi(id) : -1;
  started_us_ = g_get_monotonic_time();
  cancel_ = g_cancellable_new();
  g_subprocess_wait_async(
      proc_, cancel_,
      [](GObject* proc, GAsyncResult* res, gpointer d) {
        // On cancellation (stop()) `d` may be gone: check the result before touching it.
        GError* e = nullptr;
        if (!g_subprocess_wait_finish(G_SUBPROCESS(proc), res, &e)) {
          g_clear_error(&e);
          return;
        }
        static_cast<Supervisor*>(d)->on_exit();
      },
      this);
  if (cb_) cb_("starting", "renderer started (pid " + std::to_string(pid_) + ")");
  return true;
}

std::string Supervisor::describe_exit() const {
  if (!kill_reason_.empty()) return kill_reason_;
  if (g_subprocess_get_if_signaled(proc_))
    return "renderer killed by signal " + std::to_string(g_subprocess_get_term_sig(proc_));
  return "renderer exited with status " + std::to_string(g_subprocess_get_exit_status(proc_));
}

void Supervisor::on_exit() {
  const std::string what = describe_exit();
  const bool usage_error = g_subprocess_get_if_exited(proc_) && g_subprocess_get_exit_status(proc_) == 2;
  const gint64 ran_us = g_get_monotonic_time() - started_us_;
  kill_reason_.clear();
  g_clear_object(&proc_);
  g_clear_object(&cancel_);
  if (stopping_) return;
  if (usage_error) {
    // Status 2 is the renderer's "bad command line": starting it again cannot help.
    if (cb_) cb_("failed", what + " (it rejected its arguments; see its message above)");
    return;
  }
  if (ran_us >= kStableRunUs) backoff_ms_ = kFirstBackoffMs;
  const int delay = backoff_ms_;
  backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
  if (cb_) cb_("restarting", what + "; restarting in " + std::to_string(delay) + " ms");
  timer_ = g_timeout_add(static_cast<guint>(delay), [](gpointer d) -> gboolean {
    auto* self = static_cast<Supervisor*>(d);
    self->timer_ = 0;
    ++self->restarts_;
    std::string err;
    if (!self->spawn(&err) && self->cb_) self->cb_("failed", err);
    return G_SOURCE_REMOVE;
  }, this);
}

int Supervisor::pid() const {
  return proc_ && g_subprocess_get_identifier(proc_) ? pid_ : -1;
}

bool Supervisor::kill_unresponsive(const std::string& why) {
  if (!proc_ || !g_subprocess_get_identifier(proc_) || stopping_) return false;
  // SIGKILL, not SIGTERM: a stopped process would keep SIGTERM pending, a hung one ignore it.
  // The exit arrives through the wait_async of spawn(), which schedules the restart.
  kill_reason_ = why + " (pid " + std::to_string(pid_) + "); killed it";
  g_subprocess_force_exit(proc_);
  return true;
}

void Supervisor::stop() {
  stopping_ = true;
  if (timer_) {
    g_source_remove(timer_);
    timer_ = 0;
  }
  if (!proc_) return;
  if (cancel_) g_cancellable_cancel(cancel_);
  g_subprocess_send_signal(proc_, SIGTERM);
  // Shutdown only: wait (bounded) on a private context, so nothing else runs meanwhile and no
  // polling is needed: the child watch wakes us, or the timeout does.
  GMainContext* ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  bool done = false, timed_out = false;
  g_subprocess_wait_async(
      proc_, nullptr,
      [](GObject* proc, GAsyncResult* res, gpointer d) {
        g_subprocess_wait_finish(G_SUBPROCESS(proc), res, nullptr);
        *static_cast<bool*>(d) = true;
      },
      &done);
  GSource* timeout = g_timeout_source_new(3000);
  g_source_set_callback(timeout, [](gpointer d) -> gboolean {
    *static_cast<bool*>(d) = true;
    return G_SOURCE_REMOVE;
  }, &timed_out, nullptr);
  g_source_attach(timeout, ctx);
  while (!done && !timed_out) g_main_context_iteration(ctx, TRUE);
  if (!done) {
    g_subprocess_force_exit(proc_);  // SIGKILL
    while (!done) g_main_context_iteration(ctx, TRUE);
  }
  g_source_destroy(timeout);
  g_source_unref(timeout);
  g_main_context_pop_thread_default(ctx);
  g_main_context_unref(ctx);
  g_clear_object(&proc_);
  g_clear_object(&cancel_);
}

}  // namespace vtkstream::serve
