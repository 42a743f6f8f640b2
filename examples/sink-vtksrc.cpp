// A VTK renderer in the browser: what vtkstream-serve does, in one short program.
//
//   vtksrc shm-name=NAME ! vtkstreamsink
//
// built in code. vtksrc reads the frames a renderer (vtkstream-render, or your program with
// libvtkstream's publisher) writes to shared memory NAME; the sink serves them and sends the
// viewers' pointer and keys back through vtksrc to the renderer. The links and every change of
// the renderer's state (running / waiting / restarting) are printed; Ctrl-C stops.
//
//   sink-vtksrc [--port=N] [--probe] [NAME]     (NAME defaults to "demo")
//     --port=N  HTTP port (default 8000; 0 picks a free one)
//     --probe   exit 0 as soon as the links are printed (what the test suite runs)
//
// Start a renderer first (or after: the page says "waiting" until it comes):
//   meson devenv -C build vtkstream-render --shm demo --size 1280x720 ../shared/data/Human.vtp
//   meson devenv -C build ./examples/sink-vtksrc demo
#include <glib-unix.h>
#include <gst/gst.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct App {
  GMainLoop* loop = nullptr;
  bool probe = false;
  int status = 0;
  std::string shm_name;
};

gboolean on_bus(GstBus*, GstMessage* msg, gpointer data) {
  auto* app = static_cast<App*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (!s) break;
      if (gst_structure_has_name(s, "vtkstreamsink-links")) {
        g_print("Open this link to watch and steer: %s\n", gst_structure_get_string(s, "control-link"));
        const char* view = gst_structure_get_string(s, "view-link");
        if (view && *view) g_print("Share this one to let people watch only:  %s\n", view);
        if (app->probe) g_main_loop_quit(app->loop);
      } else if (gst_structure_has_name(s, "vtkstreamsink-renderer")) {
        // What the viewers are told: "running", "waiting" (no renderer on the shm name yet, or it
        // stopped) or "restarting".
        g_print("Renderer %s: %s\n", gst_structure_get_string(s, "state"), gst_structure_get_string(s, "detail"));
      }
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &err, &debug);
      g_printerr("Error from %s: %s\n(%s)\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message,
                 debug ? debug : "no details");
      g_printerr("Check that a renderer publishes on shm '%s' and that the port is free (--port=N; 0 picks "
                 "one).\n",
                 app->shm_name.c_str());
      g_clear_error(&err);
      g_free(debug);
      app->status = 1;
      g_main_loop_quit(app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit(app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

gboolean on_signal(gpointer data) {
  g_print("Stopping.\n");
  g_main_loop_quit(static_cast<App*>(data)->loop);
  return G_SOURCE_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  App app;
  app.shm_name = "demo";
  int port = 8000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--probe") == 0) app.probe = true;
    else if (std::strncmp(argv[i], "--port=", 7) == 0) port = std::atoi(argv[i] + 7);
    else if (argv[i][0] != '-') app.shm_name = argv[i];
    else {
      g_printerr("usage: %s [--port=N] [--probe] [SHM_NAME]\n", argv[0]);
      return 2;
    }
  }

  GstElement* pipeline = gst_pipeline_new("pipeline");
  GstElement* src = gst_element_factory_make("vtksrc", "source");
  GstElement* sink = gst_element_factory_make("vtkstreamsink", "sink");
  if (!src || !sink) {
    g_printerr("Missing vtkstream elements. Run from `meson devenv -C build`, set GST_PLUGIN_PATH to the "
               "build's plugins/ directory, or install vtkstream (ninja -C build install).\n");
    return 1;
  }
  g_object_set(src, "shm-name", app.shm_name.c_str(), nullptr);
  g_object_set(sink, "port", port, nullptr);
  gst_bin_add_many(GST_BIN(pipeline), src, sink, nullptr);
  if (!gst_element_link(src, sink)) {
    g_printerr("Cannot link vtksrc to vtkstreamsink.\n");
    gst_object_unref(pipeline);
    return 1;
  }

  app.loop = g_main_loop_new(nullptr, FALSE);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_bus, &app);
  g_unix_signal_add(SIGINT, on_signal, &app);
  g_unix_signal_add(SIGTERM, on_signal, &app);

  g_print("Serving shm '%s'.\n", app.shm_name.c_str());
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    GstMessage* err = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (err) {
      on_bus(bus, err, &app);
      gst_message_unref(err);
    } else {
      g_printerr("The pipeline did not start (run with GST_DEBUG=vtksrc:5,vtkstreamsink*:5 for details).\n");
    }
    app.status = 1;
  } else {
    g_main_loop_run(app.loop);
  }

  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  g_main_loop_unref(app.loop);
  return app.status;
}
