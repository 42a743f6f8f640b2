// Hands work from GStreamer's threads (webrtcbin's signal threads, streaming threads) to the
// server's main context, where all signalling state lives. Never blocks the calling thread, and
// always defers, even when called on the main thread: webrtcbin may emit a signal from inside a
// call we made, and running our handler re-entrantly there would surprise both of us.
#pragma once

#include <glib.h>

#include <functional>
#include <utility>

namespace vtkstream::serve {

inline void post_to_main(std::function<void()> fn, GMainContext* ctx = nullptr) {
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
  g_source_attach(src, ctx);  // nullptr = the global default context, which main() runs
  g_source_unref(src);
}

}  // namespace vtkstream::serve
