// The smallest application around vtkstreamsink: a moving ball served to web browsers.
//
//   videotestsrc is-live=true pattern=ball ! vtkstreamsink
//
// built in code, the control link printed from the sink's `vtkstreamsink-links` bus message; it
// runs until Ctrl-C. Open the printed link in a browser to watch (the ball ignores the pointer:
// videotestsrc is not navigation-aware, see sink-vtksrc.cpp for a source that is).
//
//   sink-videotestsrc [--port=N] [--probe]
//     --port=N  HTTP port (default 8000; 0 picks a free one)
//     --probe   exit 0 as soon as the link is printed (what the test suite runs)
//
// Without installing: meson devenv -C build ./examples/sink-videotestsrc
#include <glib-unix.h>
#include <gst/gst.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace {

struct App {
  GMainLoop* loop = nullptr;
  bool probe = false;
  int status = 0;
};

gboolean on_bus(GstBus*, GstMessage* msg, gpointer data) {
  auto* app = static_cast<App*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (s && gst_structure_has_name(s, "vtkstreamsink-links")) {
        g_print("Open this link to watch and steer: %s\n", gst_structure_get_string(s, "control-link"));
        const char* view = gst_structure_get_string(s, "view-link");
        if (view && *view) g_print("Share this one to let people watch only:  %s\n", view);
        if (app->probe) g_main_loop_quit(app->loop);
      }
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &err, &debug);
      g_printerr("Error from %s: %s\n(%s)\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message,
                 debug ? debug : "no details");
      g_printerr("If the port is taken, pass --port=N (0 picks a free one).\n");
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
  int port = 8000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--probe") == 0) app.probe = true;
    else if (std::strncmp(argv[i], "--port=", 7) == 0) port = std::atoi(argv[i] + 7);
    else {
      g_printerr("usage: %s [--port=N] [--probe]\n", argv[0]);
      return 2;
    }
  }

  GstElement* pipeline = gst_pipeline_new("pipeline");
  GstElement* src = gst_element_factory_make("videotestsrc", "source");
  GstElement* sink = gst_element_factory_make("vtkstreamsink", "sink");
  if (!src || !sink) {
    g_printerr("Missing element: %s. Run from `meson devenv -C build`, set GST_PLUGIN_PATH to the build's "
               "plugins/ directory, or install vtkstream (ninja -C build install).\n",
               !src ? "videotestsrc (install gstreamer1.0-plugins-base)" : "vtkstreamsink");
    return 1;
  }
  // A live source: frames come at their own pace and the sink never waits for a preroll.
  g_object_set(src, "is-live", TRUE, nullptr);
  gst_util_set_object_arg(G_OBJECT(src), "pattern", "ball");
  g_object_set(sink, "port", port, nullptr);  // auth stays on: the link carries a fresh token
  gst_bin_add_many(GST_BIN(pipeline), src, sink, nullptr);
  if (!gst_element_link(src, sink)) {
    g_printerr("Cannot link videotestsrc to vtkstreamsink.\n");
    gst_object_unref(pipeline);
    return 1;
  }

  app.loop = g_main_loop_new(nullptr, FALSE);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_bus, &app);
  g_unix_signal_add(SIGINT, on_signal, &app);
  g_unix_signal_add(SIGTERM, on_signal, &app);

  // NULL -> READY starts the sink's web server: a bad property or a busy port fails here, with
  // an ERROR message on the bus that says why.
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    GstMessage* err = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (err) {
      on_bus(bus, err, &app);
      gst_message_unref(err);
    } else {
      g_printerr("The pipeline did not start (run with GST_DEBUG=vtkstreamsink*:5 for details).\n");
    }
    app.status = 1;
  } else {
    g_main_loop_run(app.loop);
  }

  gst_element_set_state(pipeline, GST_STATE_NULL);  // says bye to the viewers, stops the server
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  g_main_loop_unref(app.loop);
  return app.status;
}
