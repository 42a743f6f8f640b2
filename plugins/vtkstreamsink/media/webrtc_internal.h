// Shared by webrtc_branch.cpp and webrtc_answer.cpp only: the link webrtcbin's callbacks hold,
// signals and promises whose callbacks run on the sink's context.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <memory>
#include <string>

#include "sink_context.h"
#include "webrtc_branch.h"

namespace vtkstream::sink {

struct WebRtcBranch::Link {
  WebRtcBranch* self = nullptr;  // read and cleared on the sink's context only
  GMainContext* ctx = nullptr;   // the sink's
  ~Link() {
    if (ctx) g_main_context_unref(ctx);
  }
};

// Connects `cb` with a reference to the session's link as user data; the reference goes when
// the handler is disconnected or the object dies. Returns the handler id.
inline gulong connect_link(gpointer obj, const char* signal, GCallback cb,
                           const std::shared_ptr<WebRtcBranch::Link>& link) {
  return g_signal_connect_data(
      obj, signal, cb, new std::shared_ptr<WebRtcBranch::Link>(link),
      [](gpointer d, GClosure*) { delete static_cast<std::shared_ptr<WebRtcBranch::Link>*>(d); }, GConnectFlags(0));
}

// From a signal connected with connect_link (any thread): runs `fn` on the sink's context while
// the branch lives.
template <typename Fn>
void run_on_main(gpointer data, Fn fn) {
  auto link = *static_cast<std::shared_ptr<WebRtcBranch::Link>*>(data);
  post_to(link->ctx, [link, fn = std::move(fn)]() mutable {
    if (link->self) fn(*link->self);
  });
}

// Promises resolve on webrtcbin's threads. Their change funcs only hand the promise to the main
// context (never gst_promise_wait there); on the main context it has resolved, so reading it does
// not block. Returns the reply, or nullptr with *why set.
inline const GstStructure* promise_reply(GstPromise* p, const char* what, std::string* why) {
  if (gst_promise_wait(p) != GST_PROMISE_RESULT_REPLIED) {  // resolved already: returns at once
    *why = std::string(what) + " was interrupted";
    return nullptr;
  }
  const GstStructure* reply = gst_promise_get_reply(p);
  if (reply && gst_structure_has_field(reply, "error")) {
    GError* gerr = nullptr;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &gerr, nullptr);
    *why = std::string(what) + " failed: " + (gerr ? gerr->message : "unknown error");
    g_clear_error(&gerr);
    return nullptr;
  }
  return reply;
}

using PromisePtr = std::shared_ptr<GstPromise>;

// A promise whose resolution runs `fn` on the main context while the session lives.
template <typename Fn>
GstPromise* main_context_promise(const std::shared_ptr<WebRtcBranch::Link>& link, Fn fn) {
  struct Ctx {
    std::shared_ptr<WebRtcBranch::Link> link;
    Fn fn;
  };
  return gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer d) {
        auto* ctx = static_cast<Ctx*>(d);
        PromisePtr owned(gst_promise_ref(p), [](GstPromise* q) { gst_promise_unref(q); });
        auto link = ctx->link;
        auto fn = ctx->fn;
        post_to(link->ctx, [link, fn, owned]() mutable {
          if (link->self) fn(*link->self, owned.get());
        });
      },
      new Ctx{link, std::move(fn)}, [](gpointer d) { delete static_cast<Ctx*>(d); });
}

}  // namespace vtkstream::sink
