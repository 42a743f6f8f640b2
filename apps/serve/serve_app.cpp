#include "serve_app.h"

#include "own_plugin.h"
#include "renderer_command.h"
#include "vtkstream/shm.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::serve {

std::unique_ptr<ServeApp> ServeApp::create(const ServeConfig& config, std::string* err) {
  find_own_plugin();
  for (const char* e : {"vtksrc", "vtkstreamsink"})
    if (GstElementFactory* f = gst_element_factory_find(e)) {
      gst_object_unref(f);
    } else {
      *err = std::string("the ") + e + " element is missing: build the plugin and put its directory on "
             "GST_PLUGIN_PATH (or run through `meson devenv -C build`)";
      return nullptr;
    }
  std::unique_ptr<ServeApp> app(new ServeApp(config));
  app->pipeline_ = gst_pipeline_new("serve");
  GstElement* src = gst_element_factory_make("vtksrc", "src");
  // Named after us: the sink prefixes its notes on stderr with its name, so operators keep
  // reading "vtkstream-serve: peer N: ..." as before the web side became an element.
  app->sink_ = gst_element_factory_make("vtkstreamsink", "vtkstream-serve");
  g_object_set(src, "is-live", TRUE, "shm-name", config.shm_name.c_str(), "repeat-interval", config.repeat_ms, nullptr);
  for (const auto& [name, value] : config.sink) gst_util_set_object_arg(G_OBJECT(app->sink_), name.c_str(), value.c_str());
  if (!config.turn.empty()) {
    std::vector<const gchar*> turn;
    for (const auto& t : config.turn) turn.push_back(t.c_str());
    turn.push_back(nullptr);
    g_object_set(app->sink_, "turn-servers", turn.data(), nullptr);
  }
  gst_bin_add_many(GST_BIN(app->pipeline_), src, app->sink_, nullptr);
  gst_object_ref(app->sink_);
  if (!gst_element_link(src, app->sink_)) {
    *err = "cannot link vtksrc to vtkstreamsink";
    return nullptr;
  }
  GstBus* bus = gst_element_get_bus(app->pipeline_);
  app->bus_watch_ = gst_bus_add_watch(bus, on_bus, app.get());
  gst_object_unref(bus);
  if (!config.renderer.empty()) {
    ServeApp* self = app.get();
    app->supervisor_ = std::make_unique<Supervisor>(
        config.renderer, [self](const std::string& st, const std::string& d) { self->on_supervisor(st, d); });
  }
  return app;
}

ServeApp::~ServeApp() {
  stop();
  if (bus_watch_) g_source_remove(bus_watch_);
  if (sink_) gst_object_unref(sink_);
  if (pipeline_) gst_object_unref(pipeline_);
}

// The pipeline's first error, as one line.
static std::string error_text(GstMessage* msg) {
  GError* gerr = nullptr;
  gchar* dbg = nullptr;
  gst_message_parse_error(msg, &gerr, &dbg);
  gchar* path = gst_object_get_path_string(GST_MESSAGE_SRC(msg));
  std::string text = std::string(path) + ": " + (gerr ? gerr->message : "error");
  if (dbg) text += std::string(" (") + dbg + ")";
  g_free(path);
  g_free(dbg);
  g_clear_error(&gerr);
  return text;
}

// The reason a state change failed: the first ERROR on the bus (not yet dispatched to on_bus).
static std::string bus_error(GstElement* pipeline, const char* fallback) {
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  gst_object_unref(bus);
  std::string text = m ? error_text(m) : fallback;
  if (m) gst_message_unref(m);
  return text;
}

// Before starting a renderer: rings whose writer is gone, on our name or on any private name
// (a server killed with SIGKILL leaves its renderer's object under vtkstream-serve-PID, and the
// next server has another pid). Only valid rings of this user with a dead writer pid go.
void ServeApp::sweep_stale_rings() const {
  std::vector<std::string> gone = shm::sweep_stale(kPrivateShmPrefix);
  if (config_.shm_name.rfind(kPrivateShmPrefix, 0) != 0 && shm::remove_if_stale(config_.shm_name))
    gone.push_back(config_.shm_name);
  for (const auto& name : gone)
    g_message("removed stale shared memory '%s' (its renderer is gone)", name.c_str());
}

bool ServeApp::start(std::string* err) {
  // READY: the sink listens (a busy port fails here, before anything else starts).
  if (gst_element_set_state(pipeline_, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    *err = bus_error(pipeline_, "the pipeline refused to start");
    return false;
  }
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *err = bus_error(pipeline_, "the pipeline refused to play");
    return false;
  }
  if (supervisor_) {
    sweep_stale_rings();
    if (!supervisor_->start(err)) return false;
  }
  return true;
}

void ServeApp::stop() {
  // Viewers get bye first; stopping the renderer before would tell them "restarting".
  if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
  if (supervisor_) supervisor_->stop();
}

std::string ServeApp::sink_string(const char* property) const {
  gchar* v = nullptr;
  g_object_get(sink_, property, &v, nullptr);
  std::string out = v ? v : "";
  g_free(v);
  return out;
}

std::string ServeApp::control_link() const { return sink_string("control-link"); }
std::string ServeApp::view_link() const {
  gboolean auth = TRUE;
  g_object_get(sink_, "auth", &auth, nullptr);
  return auth ? sink_string("view-link") : "";
}

gboolean ServeApp::on_bus(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<ServeApp*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (auto n = contract::parse_renderer_notice(s)) self->on_source_notice(*n);
      if (s && gst_structure_has_name(s, "vtkstreamsink-renderer")) self->on_renderer_message(s);
      guint peers = 0;
      if (s && gst_structure_has_name(s, "vtkstreamsink-viewer") && gst_structure_get_uint(s, "peers", &peers) &&
          self->on_viewers)
        self->on_viewers(peers);
      break;
    }
    case GST_MESSAGE_ERROR:
      if (self->on_fatal) self->on_fatal(error_text(msg));
      break;
    case GST_MESSAGE_WARNING: {
      // Operators read stderr, not GStreamer's debug log: a damaged ring, an unusable frame or
      // a foreign object is worth one line there (vtksrc warns once per problem).
      GError* gerr = nullptr;
      gst_message_parse_warning(msg, &gerr, nullptr);
      gchar* path = gst_object_get_path_string(GST_MESSAGE_SRC(msg));
      g_warning("warning from %s: %s", path, gerr ? gerr->message : "warning");
      g_free(path);
      g_clear_error(&gerr);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

// The sink's view of the renderer, as viewers are told: a line in the log and the service
// status. Running and waiting (every start waits for the renderer's first frame) are routine,
// a notice; restarting means the renderer died or hung, a warning.
void ServeApp::on_renderer_message(const GstStructure* s) {
  const char* state = gst_structure_get_string(s, "state");
  const char* detail = gst_structure_get_string(s, "detail");
  const bool running = state && g_str_equal(state, "running");
  if (running || (state && g_str_equal(state, "waiting"))) g_message("renderer %s: %s", state, detail ? detail : "");
  else g_warning("renderer %s: %s", state ? state : "?", detail ? detail : "");
  if (on_renderer) on_renderer(running || !detail || !*detail ? std::string(state ? state : "?")
                                                               : std::string(state ? state : "?") + ": " + detail);
}

// vtksrc saw the renderer's heartbeat stop while its process still exists (SIGSTOP, a hang): it
// will never exit by itself, so the supervisor kills it and restarts it. Heartbeats stop 3 s
// before vtksrc says so (kHeartbeatTimeoutNs), so a new renderer starts about 3.8 s after the
// hang with the first back-off of 0.5 s.
void ServeApp::on_source_notice(const contract::RendererNotice& n) {
  if (n.state != contract::RendererState::kLost || n.reason != contract::kLostUnresponsive || !supervisor_) return;
  if (supervisor_->kill_unresponsive("renderer stopped responding (no heartbeat for 3 s)"))
    g_warning("renderer on shm '%s' stopped responding; killing and restarting it", n.shm_name.c_str());
}

// The supervisor knows why the renderer went away and when it comes back; the sink tells viewers.
void ServeApp::on_supervisor(const std::string& state, const std::string& detail) {
  contract::RendererNotice n;
  n.shm_name = config_.shm_name;
  n.detail = detail;
  if (state == "restarting") n.state = contract::RendererState::kRestarting;
  else if (state == "failed") n.state = contract::RendererState::kWaiting;
  else return;  // "starting": the renderer announces itself through vtksrc once it publishes
  GstPad* pad = gst_element_get_static_pad(sink_, "sink");
  gst_pad_send_event(pad, contract::renderer_notice_event(n));
  gst_object_unref(pad);
}

}  // namespace vtkstream::serve
