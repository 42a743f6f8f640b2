// The tests' own view of the default GMainContext: post work onto it from other threads, and run
// it until something happened or a timeout fired. The server has a post_to_main of its own
// (private to it); the tests keep this copy so that they never include the server's headers for
// plumbing.
#pragma once

#include <glib.h>

#include <functional>
#include <utility>

namespace vtkstream::test {

// Runs `fn` on the default main context, later, from an idle source: never blocks and never
// runs re-entrantly, even when called on the main thread (webrtcbin emits signals from inside
// calls we make).
inline void post_to_main(std::function<void()> fn) {
  GSource* src = g_idle_source_new();
  g_source_set_priority(src, G_PRIORITY_DEFAULT);
  g_source_set_callback(
      src,
      [](gpointer data) -> gboolean {
        (*static_cast<std::function<void()>*>(data))();
        return G_SOURCE_REMOVE;
      },
      new std::function<void()>(std::move(fn)), [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
  g_source_attach(src, nullptr);
  g_source_unref(src);
}

// Iterates the default main context until done() or timeout; returns done()'s last answer. Other threads that
// change what done() looks at call g_main_context_wakeup(nullptr).
inline bool run_until(const std::function<bool()>& done, int timeout_ms) {
  bool timed_out = false;
  GSource* t = g_timeout_source_new(static_cast<guint>(timeout_ms));
  g_source_set_callback(
      t,
      [](gpointer d) -> gboolean {
        *static_cast<bool*>(d) = true;
        return G_SOURCE_REMOVE;
      },
      &timed_out, nullptr);
  g_source_attach(t, nullptr);
  // done() is evaluated once per iteration and never again after it held: a done() that takes
  // what it found (WsClient::wait_for erases the message) must not take a second one.
  bool ok = false;
  while (!(ok = done()) && !timed_out) g_main_context_iteration(nullptr, TRUE);
  g_source_destroy(t);
  g_source_unref(t);
  return ok;
}

}  // namespace vtkstream::test
