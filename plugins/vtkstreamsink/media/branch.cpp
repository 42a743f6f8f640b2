#include "branch.h"

#include <atomic>

#include "sink_context.h"

GST_DEBUG_CATEGORY_STATIC(sink_branch_debug);
#define GST_CAT_DEFAULT sink_branch_debug

namespace vtkstream::sink {

struct Branch::Link {
  Branch* self = nullptr;  // read and cleared on the owner's context only
  GMainContext* ctx = nullptr;
  ErrorFn on_error;
};

namespace {

GQuark branch_quark() {
  static GQuark q = g_quark_from_static_string("vtkstreamsink-branch");
  return q;
}

using AfterNull = void (*)(GstElement*);

// Unlinks `tee_pad` and tears `bin` down; `first` goes to NULL before the rest, then `after`
// runs on it.
void teardown(GstBin* parent, GstElement* bin, GstPad* tee_pad, GstElement* first, AfterNull after) {
  // Locked first: the sink may be changing state on another thread right now (the application
  // stopping the pipeline), and its loop over the children would bring the bin back up after we
  // set it to NULL (seen: a webrtcbin disposed in READY with its nicesrc task still running,
  // which then hung gst_deinit).
  gst_element_set_locked_state(bin, TRUE);
  if (first) gst_element_set_state(first, GST_STATE_NULL);
  if (first && after) after(first);
  gst_element_set_state(bin, GST_STATE_NULL);
  gst_bin_remove(parent, bin);
  if (tee_pad) {
    if (GstElement* tee = gst_pad_get_parent_element(tee_pad)) {
      gst_element_release_request_pad(tee, tee_pad);
      gst_object_unref(tee);
    }
  }
}

}  // namespace

Branch::Branch(GstBin* parent, const std::string& name, ErrorFn on_error)
    : parent_(parent), link_(std::make_shared<Link>()) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_branch_debug, "vtkstreamsink-branch", 0, "vtkstreamsink branches");
    g_once_init_leave(&once, 1);
  }
  link_->self = this;
  link_->ctx = g_main_context_ref(current_context());
  link_->on_error = std::move(on_error);
  // Unique: the previous branch of the same kind may still be on its way out of the sink.
  static std::atomic<unsigned> serial{0};
  bin_ = gst_bin_new((name + "-" + std::to_string(serial++)).c_str());
  gst_object_ref_sink(bin_);
  g_object_set_qdata_full(G_OBJECT(bin_), branch_quark(), new std::shared_ptr<Link>(link_),
                          [](gpointer d) {
                            auto* l = static_cast<std::shared_ptr<Link>*>(d);
                            delete l;
                          });
}

bool Branch::route_error(GstMessage* msg) {
  if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ERROR) return false;
  for (GstObject* o = GST_MESSAGE_SRC(msg); o; o = GST_OBJECT_PARENT(o)) {
    auto* l = static_cast<std::shared_ptr<Link>*>(g_object_get_qdata(G_OBJECT(o), branch_quark()));
    if (!l) continue;
    GError* gerr = nullptr;
    gchar* dbg = nullptr;
    gst_message_parse_error(msg, &gerr, &dbg);
    gchar* path = gst_object_get_path_string(GST_MESSAGE_SRC(msg));
    std::string text = std::string(path) + ": " + (gerr ? gerr->message : "error");
    if (dbg) text += std::string(" (") + dbg + ")";
    g_free(path);
    g_free(dbg);
    g_clear_error(&gerr);
    std::shared_ptr<Link> link = *l;
    post_to(link->ctx, [link, text] {
      if (link->self && link->on_error) link->on_error(text);
    });
    return true;
  }
  return false;
}

bool Branch::ghost_sink(GstElement* e, std::string* err) {
  GstPad* pad = gst_element_get_static_pad(e, "sink");
  if (!pad) {
    *err = std::string("branch element ") + GST_OBJECT_NAME(e) + " has no sink pad";
    return false;
  }
  GstPad* ghost = gst_ghost_pad_new("sink", pad);
  gst_object_unref(pad);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(bin_, ghost);
  return true;
}

bool Branch::attach(GstElement* tee, std::string* err, const std::function<bool(std::string*)>& before_link) {
  if (!gst_bin_add(parent_, bin_)) {
    *err = "cannot add the branch to the sink";
    return false;
  }
  if (before_link && !before_link(err)) return false;
  gst_element_sync_state_with_parent(bin_);
  tee_pad_ = gst_element_request_pad_simple(tee, "src_%u");
  GstPad* sink = gst_element_get_static_pad(bin_, "sink");
  const bool ok = tee_pad_ && sink && gst_pad_link(tee_pad_, sink) == GST_PAD_LINK_OK;
  if (sink) gst_object_unref(sink);
  if (!ok) *err = "cannot link the branch to the tee";
  return ok;
}

Branch::~Branch() {
  link_->self = nullptr;  // errors posted late now find nobody
  GstObject* parent = gst_object_get_parent(GST_OBJECT(bin_));
  if (!parent) {  // never attached
    if (null_first_) gst_element_set_state(null_first_, GST_STATE_NULL);
    if (null_first_ && after_null_) after_null_(null_first_);
    gst_element_set_state(bin_, GST_STATE_NULL);
    gst_object_unref(bin_);
    g_main_context_unref(link_->ctx);
    return;
  }
  gst_object_unref(parent);
  GstState state = GST_STATE_NULL;
  gst_element_get_state(GST_ELEMENT(parent_), &state, nullptr, 0);
  GST_DEBUG("%s: removing (sink %s)", GST_OBJECT_NAME(bin_), gst_element_state_get_name(state));
  if (!tee_pad_ || state < GST_STATE_PAUSED) {
    // Nothing flows (never linked, or the sink is stopping): tear down here and now.
    if (tee_pad_) {
      if (GstPad* peer = gst_pad_get_peer(tee_pad_)) {
        gst_pad_unlink(tee_pad_, peer);
        gst_object_unref(peer);
      }
    }
    teardown(parent_, bin_, tee_pad_, null_first_, after_null_);
    if (tee_pad_) gst_object_unref(tee_pad_);
    gst_object_unref(bin_);
    g_main_context_unref(link_->ctx);
    return;
  }
  struct Removal {
    GstBin* parent;
    GstElement* bin;
    GstPad* tee_pad;
    GstElement* first;  // borrowed from bin, which we hold
    AfterNull after;
    GMainContext* ctx;
  };
  auto* r = new Removal{GST_BIN(gst_object_ref(parent_)), bin_, tee_pad_, null_first_, after_null_, link_->ctx};
  // The idle probe fires at once when nothing flows through the pad, otherwise right after the
  // current push; unlinking there cannot race a buffer. State changes must not happen on a
  // streaming thread, so the rest goes to the sink's context.
  gst_pad_add_probe(
      tee_pad_, GST_PAD_PROBE_TYPE_IDLE,
      [](GstPad* pad, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        auto* r = static_cast<Removal*>(data);
        if (GstPad* peer = gst_pad_get_peer(pad)) {
          gst_pad_unlink(pad, peer);
          gst_object_unref(peer);
        }
        post_to(r->ctx, [r] {
          teardown(r->parent, r->bin, r->tee_pad, r->first, r->after);
          gst_object_unref(r->tee_pad);
          gst_object_unref(r->bin);
          gst_object_unref(r->parent);
          g_main_context_unref(r->ctx);
          delete r;
        });
        return GST_PAD_PROBE_REMOVE;
      },
      r, nullptr);
  GST_INFO("branch removal started");
}

}  // namespace vtkstream::sink
