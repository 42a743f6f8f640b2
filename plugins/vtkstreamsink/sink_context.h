// Hands work to the sink's own GMainContext, where all web-side state lives (HTTP, peers,
// signalling, branch bookkeeping). vtkstreamsink runs that context on a thread of its own: an
// element must not depend on the application's main loop (gst-launch-1.0 has none that we could
// use, and an application's loop may be busy).
//
// post_to() never blocks the caller and always defers, even on the sink's thread itself:
// webrtcbin may emit a signal from inside a call we made, and running our handler re-entrantly
// there would surprise both of us. Objects that live on the sink's thread create their timers
// with add_timeout(), which attaches to the thread-default context (g_timeout_add would attach to
// the global default context, which nobody may be running).
#pragma once

#include <glib.h>

#include <functional>
#include <utility>

namespace vtkstream::sink {

// The context that code running on the sink's thread belongs to.
inline GMainContext* current_context() {
  GMainContext* c = g_main_context_get_thread_default();
  return c ? c : g_main_context_default();
}

inline void post_to(GMainContext* ctx, std::function<void()> fn) {
  GSource* src = g_idle_source_new();
  g_source_set_priority(src, G_PRIORITY_DEFAULT);
  g_source_set_callback(
      src,
      [](gpointer data) -> gboolean {
        (*static_cast<std::function<void()>*>(data))();
        return G_SOURCE_REMOVE;
      },
      new std::function<void()>(std::move(fn)),
      [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
  g_source_attach(src, ctx);
  g_source_unref(src);
}

// A timer on the current thread's context. `fn` returns true to run again. The returned source
// is owned by the caller: cancel_source() it (also after it returned false, which is harmless).
inline GSource* add_timeout(guint ms, std::function<bool()> fn) {
  GSource* src = g_timeout_source_new(ms);
  g_source_set_callback(
      src,
      [](gpointer data) -> gboolean {
        return (*static_cast<std::function<bool()>*>(data))() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
      },
      new std::function<bool()>(std::move(fn)),
      [](gpointer data) { delete static_cast<std::function<bool()>*>(data); });
  g_source_attach(src, current_context());
  return src;
}

inline void cancel_source(GSource*& src) {
  if (!src) return;
  g_source_destroy(src);
  g_source_unref(src);
  src = nullptr;
}

}  // namespace vtkstream::sink
