// vtkstream-serve: see `vtkstream-serve --help` and README "Server".
#include <glib-unix.h>
#include <gst/gst.h>
#include <signal.h>

#include <cstdio>

#include "options.h"
#include "serve_app.h"

using namespace vtkstream::serve;

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ServeConfig config;
  std::string err;
  if (!parse_options(argc, argv, &config, &err)) {
    std::fprintf(stderr, "vtkstream-serve: %s\n", err.c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);  // a browser closing mid-write must not kill the server

  auto app = ServeApp::create(config, &err);
  if (!app) {
    std::fprintf(stderr, "vtkstream-serve: %s\n", err.c_str());
    return 1;
  }
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  int status = 0;
  app->on_fatal = [&](const std::string& message) {
    std::fprintf(stderr, "vtkstream-serve: pipeline error, stopping: %s\n", message.c_str());
    status = 1;
    g_main_loop_quit(loop);
  };
  if (!app->start(&err)) {
    std::fprintf(stderr, "vtkstream-serve: %s\n", err.c_str());
    app.reset();
    g_main_loop_unref(loop);
    return 1;
  }
  auto quit = [](gpointer l) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(l));
    return G_SOURCE_CONTINUE;
  };
  const guint sigint = g_unix_signal_add(SIGINT, quit, loop);
  const guint sigterm = g_unix_signal_add(SIGTERM, quit, loop);

  // The line a user (and a script) looks for comes first: the control link. Then the link to
  // share with people who should only watch.
  std::printf("vtkstream-serve: open %s in a browser\n", app->control_link().c_str());
  if (const std::string v = app->view_link(); !v.empty())
    std::printf("vtkstream-serve: view-only link (share it to let people watch): %s\n", v.c_str());
  std::fflush(stdout);

  g_main_loop_run(loop);

  g_source_remove(sigint);
  g_source_remove(sigterm);
  app->stop();  // the sink says bye to every viewer on its way down
  app.reset();
  g_main_loop_unref(loop);
  gst_deinit();
  return status;
}
