/**
 * SECTION:element-vtkstreamsink
 * @title: vtkstreamsink
 *
 * Serves a live video to web browsers on one HTTP port and sends the viewers' input back upstream.
 *
 * The sink runs its own web server (on a thread and GMainContext of its own): the page at `/`,
 * WebRTC signalling on `/ws`, an MJPEG fallback on `/mjpeg`, WHEP for standard WebRTC players on
 * `/whep` (view-only), Prometheus metrics on `/metrics` and `/healthz`. Each browser tab
 * gets a `webrtcbin` branch fed by one shared encode; keyframes come on request. Raw video is
 * encoded by the sink (VP8 by default, `codec=h264` for x264, or any `encoder` description);
 * VP8 or H.264 that arrives encoded is passed through. Pointer, wheel, key and touch input from
 * the viewer who steers goes upstream as GstNavigation events (plus a `vtkstream-resize` event
 * when the page asks for another render size, and `vtkstream-interactive-cap` with the rung of
 * the viewer who steers, the largest size worth rendering while it drags), so any
 * navigation-aware source can be steered; a source that ignores navigation simply ignores it.
 *
 * Large audiences: `janus-url` (one or several, comma-separated), `janus-video-port` and
 * `janus-rtcp-port` send the shared encode as RTP to Janus streaming mountpoints as well; each Janus
 * is probed over its HTTP API and fed only while it answers, and its viewers' keyframe requests
 * come back over RTCP (docs/janus.md).
 *
 * Access: with `auth=true` (default) the control link (`?token=` + `token`) watches and steers,
 * the view-only link (`view-token`) watches and may ask to steer; empty tokens are generated at
 * READY. Read `control-link` and `view-link`, or watch the bus.
 *
 * Bus messages (element messages from the sink):
 * - `vtkstreamsink-links`: `url`, `control-link`, `view-link` (strings), once listening.
 * - `vtkstreamsink-viewer`: `peer` (uint), `role` ("owner"/"viewer"), `action` ("joined"/"left"),
 *   `peers` (uint, connected now).
 * - `vtkstreamsink-control`: `controller` (uint, the peer that steers; 0 = nobody).
 * - `vtkstreamsink-renderer`: `state` ("running"/"waiting"/"restarting"), `detail` (string),
 *   as the viewers are told; from vtksrc's notices, or "running" on the first caps of any other
 *   source.
 *
 * ## Examples
 * |[
 * gst-launch-1.0 -m vtksrc shm-name=demo ! vtkstreamsink port=8000 token=0123456789abcdefXYZ
 * gst-launch-1.0 videotestsrc is-live=true ! vtkstreamsink auth=false
 * gst-launch-1.0 videotestsrc is-live=true ! videoconvert ! x264enc tune=zerolatency ! vtkstreamsink
 * ]|
 */
#include "gstvtkstreamsink.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include "input_injector.h"
#include "media.h"
#include "sink_context.h"
#include "sink_pad_queries.h"
#include "sink_properties.h"
#include "vtkstream/vtksrc-contract.h"
#include "web_service.h"
#include "webrtc_warmup.h"

GST_DEBUG_CATEGORY_STATIC(gst_vtk_stream_sink_debug);
#define GST_CAT_DEFAULT gst_vtk_stream_sink_debug

using namespace vtkstream::sink;
namespace contract = vtkstream::contract;

namespace {

constexpr const char* kLinksMessage = "vtkstreamsink-links";
constexpr const char* kViewerMessage = "vtkstreamsink-viewer";
constexpr const char* kControlMessage = "vtkstreamsink-control";
constexpr const char* kRendererMessage = "vtkstreamsink-renderer";

struct SinkPrivate {
  std::mutex lock;  // settings, ctx
  SinkSettings settings;
  GstPad* sinkpad = nullptr;  // the ghost pad (owned by the element)
  std::unique_ptr<Media> media;
  std::unique_ptr<InputInjector> input;
  // The web side's thread; service lives on it (created and destroyed there).
  GMainContext* ctx = nullptr;
  GMainLoop* loop = nullptr;
  GThread* thread = nullptr;
  std::unique_ptr<WebService> service;
  bool caps_failed = false;  // streaming thread: the input's error was posted once already
};

}  // namespace

struct _GstVtkStreamSink {
  GstBin parent;
  SinkPrivate* priv;
};

#define gst_vtk_stream_sink_parent_class parent_class
G_DEFINE_TYPE(GstVtkStreamSink, gst_vtk_stream_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE(vtkstreamsink, "vtkstreamsink", GST_RANK_NONE, GST_TYPE_VTK_STREAM_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw; video/x-vp8; "
                    "video/x-h264, stream-format = (string) { byte-stream, avc }, alignment = (string) au"));

// ------------------------------------------------------------------------------------------
// The web side's thread

static gpointer web_thread(gpointer data) {
  auto* p = static_cast<SinkPrivate*>(data);
  g_main_context_push_thread_default(p->ctx);
  g_main_loop_run(p->loop);
  g_main_context_pop_thread_default(p->ctx);
  return nullptr;
}

// Runs `fn` on the web side's thread and waits for it.
static void run_on_web_thread(SinkPrivate& p, const std::function<void()>& fn) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  post_to(p.ctx, [&] {
    fn();
    std::lock_guard lock(m);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return done; });
}

// Hands `fn` to the web side's thread if it runs (streaming threads call this).
static void post_to_web(SinkPrivate& p, std::function<void(WebService&)> fn) {
  std::lock_guard lock(p.lock);
  if (!p.ctx) return;
  post_to(p.ctx, [&p, fn = std::move(fn)] {
    if (p.service) fn(*p.service);
  });
}

static void post_element_message(GstVtkStreamSink* self, GstStructure* s) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static WebService::Events service_events(GstVtkStreamSink* self) {
  WebService::Events ev;
  ev.viewer = [self](uint32_t peer, Role role, bool joined, size_t peers) {
    {
      std::lock_guard lock(self->priv->lock);
      self->priv->settings.peers = static_cast<unsigned>(peers);
    }
    post_element_message(self, gst_structure_new(kViewerMessage, "peer", G_TYPE_UINT, peer, "role", G_TYPE_STRING,
                                                 role_name(role), "action", G_TYPE_STRING, joined ? "joined" : "left",
                                                 "peers", G_TYPE_UINT, static_cast<guint>(peers), nullptr));
  };
  ev.control = [self](std::optional<uint32_t> c) {
    post_element_message(self, gst_structure_new(kControlMessage, "controller", G_TYPE_UINT, c ? *c : 0u, nullptr));
  };
  ev.renderer = [self](RendererStatus st, const std::string& detail) {
    GST_INFO_OBJECT(self, "renderer %s: %s", renderer_status_name(st), detail.c_str());
    post_element_message(self, gst_structure_new(kRendererMessage, "state", G_TYPE_STRING, renderer_status_name(st),
                                                 "detail", G_TYPE_STRING, detail.c_str(), nullptr));
  };
  return ev;
}

static void stop_web_side(GstVtkStreamSink* self) {
  SinkPrivate& p = *self->priv;
  if (!p.thread) return;
  run_on_web_thread(p, [&p] {
    p.service.reset();
    // Removals and socket closes handed to this context finish before it goes.
    while (g_main_context_pending(p.ctx)) g_main_context_iteration(p.ctx, FALSE);
  });
  g_main_loop_quit(p.loop);
  g_thread_join(p.thread);
  p.thread = nullptr;
  finish_webrtc_warm_up();
  g_main_loop_unref(p.loop);
  p.loop = nullptr;
  std::lock_guard lock(p.lock);
  g_main_context_unref(p.ctx);
  p.ctx = nullptr;
  p.settings.peers = 0;
  // Not listening any more: the links are read from READY on, and only then.
  p.settings.url.clear();
  p.settings.control_link.clear();
  p.settings.view_link.clear();
}

static bool start_web_side(GstVtkStreamSink* self) {
  SinkPrivate& p = *self->priv;
  WebConfig web;
  MediaConfig media;
  std::string err;
  bool ok;
  {
    std::lock_guard lock(p.lock);
    ok = sink_configuration(p.settings, &web, &media, &err);
  }
  if (ok) ok = check_encoder(&media, &err);
  gchar* name = gst_object_get_name(GST_OBJECT(self));
  web.log_name = name;
  g_free(name);
  if (!ok) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", err.c_str()), (nullptr));
    return false;
  }
  p.media->configure(media);
  warm_up_webrtc();  // the first viewer's set-up skips plugin loading and the DTLS key
  {
    std::lock_guard lock(p.lock);
    p.ctx = g_main_context_new();
  }
  p.loop = g_main_loop_new(p.ctx, FALSE);
  p.thread = g_thread_new("vtkstreamsink", web_thread, &p);
  std::string url, control, view;
  run_on_web_thread(p, [&] {
    p.service = std::make_unique<WebService>(web, WebService::Parts{GST_BIN(self), p.media.get(), p.input.get()},
                                             service_events(self));
    ok = p.service->start(&err);
    if (!ok) {
      p.service.reset();
      return;
    }
    url = p.service->url();
    control = p.service->control_link();
    view = p.service->view_link();
  });
  if (!ok) {
    stop_web_side(self);
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ_WRITE, ("%s", err.c_str()), (nullptr));
    return false;
  }
  {
    std::lock_guard lock(p.lock);
    p.settings.url = url;
    p.settings.control_link = control;
    p.settings.view_link = view;
  }
  GST_INFO_OBJECT(self, "serving %s", url.c_str());
  post_element_message(self, gst_structure_new(kLinksMessage, "url", G_TYPE_STRING, url.c_str(), "control-link",
                                               G_TYPE_STRING, control.c_str(), "view-link", G_TYPE_STRING,
                                               view.c_str(), nullptr));
  return true;
}

// ------------------------------------------------------------------------------------------
// Sink pad

static gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = GST_VTK_STREAM_SINK(parent);
  SinkPrivate& p = *self->priv;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM_OOB:
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      if (auto n = contract::parse_renderer_notice(gst_event_get_structure(event))) {
        post_to_web(p, [n = *n](WebService& s) { s.on_renderer_notice(n); });
        gst_event_unref(event);  // ours; nothing inside needs it
        return TRUE;
      }
      break;
    }
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      if (p.media->input() == Media::Input::kNone) p.media->set_live(upstream_is_live(pad));
      std::string err;
      if (!p.media->on_caps(caps, &err)) {
        // Sticky: GStreamer offers the same caps again with every buffer; one error is enough.
        if (!p.caps_failed)
          GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s", err.c_str()), ("caps: %" GST_PTR_FORMAT, caps));
        p.caps_failed = true;
        gst_event_unref(event);
        return FALSE;
      }
      const int w = p.media->width(), h = p.media->height();
      post_to_web(p, [w, h](WebService& s) { s.on_size(w, h); });
      break;
    }
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static gboolean sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (answer_caps_query(pad, query, *GST_VTK_STREAM_SINK(parent)->priv->media)) return TRUE;
  return gst_pad_query_default(pad, parent, query);
}

// ------------------------------------------------------------------------------------------
// GstBin / GstElement

static void handle_message(GstBin* bin, GstMessage* msg) {
  auto* self = GST_VTK_STREAM_SINK(bin);
  // A viewer's branch failing is that viewer's problem, not the application's.
  if (Branch::route_error(msg)) {
    gst_message_unref(msg);
    return;
  }
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    // Only the keep-alive sink speaks for the sink: viewers' webrtcbins may never finish EOS, and
    // the stream has ended for everyone once the shared part has seen it.
    if (g_strcmp0(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), "keepalive") == 0) {
      GstMessage* eos = gst_message_new_eos(GST_OBJECT(self));
      gst_message_set_seqnum(eos, gst_message_get_seqnum(msg));
      gst_element_post_message(GST_ELEMENT(self), eos);
    }
    gst_message_unref(msg);
    return;
  }
  GST_BIN_CLASS(parent_class)->handle_message(bin, msg);
}

// The sink bin holds webrtcbin's own sources (nicesrc): GstBin would forward an EOS sent to the
// pipeline into them (gst-launch-1.0 -e does that), where it blocked on a pad lock with a WebRTC
// viewer connected. Nothing lies downstream of a sink: downstream events stop here.
static gboolean send_event(GstElement* element, GstEvent* event) {
  const int flags = static_cast<int>(GST_EVENT_TYPE(event));  // the type carries its direction flags
  if ((flags & GST_EVENT_TYPE_DOWNSTREAM) && !(flags & GST_EVENT_TYPE_UPSTREAM)) {
    GST_DEBUG_OBJECT(element, "not forwarding %s into the branches", GST_EVENT_TYPE_NAME(event));
    gst_event_unref(event);
    return TRUE;
  }
  return GST_ELEMENT_CLASS(parent_class)->send_event(element, event);
}

static GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = GST_VTK_STREAM_SINK(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !start_web_side(self)) return GST_STATE_CHANGE_FAILURE;
  const GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
  // A stopped source takes its buffer pool down: hold none of its buffers past PAUSED.
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) self->priv->media->drop_last_frame();
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) {
    stop_web_side(self);  // children are NULL: branches come down at once
    self->priv->media->reset();
    self->priv->caps_failed = false;
  }
  if (ret == GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_NULL_TO_READY) stop_web_side(self);
  return ret;
}

static void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = GST_VTK_STREAM_SINK(object);
  if (id == 0 || id >= PROP_URL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  std::lock_guard lock(self->priv->lock);
  set_sink_property(self->priv->settings, id, value);
}

static void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_VTK_STREAM_SINK(object);
  if (id == 0 || id >= N_SINK_PROPS) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  std::lock_guard lock(self->priv->lock);
  get_sink_property(self->priv->settings, id, value);
}

static void gst_vtk_stream_sink_init(GstVtkStreamSink* self) {
  self->priv = new SinkPrivate();
  SinkPrivate& p = *self->priv;
  p.media = std::make_unique<Media>(GST_BIN(self));
  GstPadTemplate* templ = gst_static_pad_template_get(&sink_template);
  p.sinkpad = gst_ghost_pad_new_from_template("sink", p.media->input_pad(), templ);
  gst_object_unref(templ);
  gst_pad_set_event_function(p.sinkpad, sink_event);
  gst_pad_set_query_function(p.sinkpad, sink_query);
  gst_element_add_pad(GST_ELEMENT(self), p.sinkpad);
  p.input = std::make_unique<InputInjector>(p.sinkpad, p.media->rtp_tee(), &p.media->metrics());
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void finalize(GObject* object) {
  auto* self = GST_VTK_STREAM_SINK(object);
  stop_web_side(self);
  self->priv->input.reset();
  self->priv->media.reset();
  delete self->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_vtk_stream_sink_class_init(GstVtkStreamSinkClass* klass) {
  GST_DEBUG_CATEGORY_INIT(gst_vtk_stream_sink_debug, "vtkstreamsink-element", 0, "vtkstreamsink element");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  install_sink_properties(gobject_class);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  element_class->change_state = change_state;
  element_class->send_event = send_event;
  GST_BIN_CLASS(klass)->handle_message = handle_message;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "vtkstream web sink", "Sink/Network/Video",
      "Serves live video to web browsers (WebRTC, MJPEG fallback) on one HTTP port and sends the "
      "viewers' input upstream as navigation events",
      "The vtkstream authors");
  gst_type_mark_as_plugin_api(vtkstreamsink_codec_get_type(), GstPluginAPIFlags(0));
}
