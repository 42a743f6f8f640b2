// vtkstream-serve: see `vtkstream-serve --help` and README "Server".
#include <glib-unix.h>
#include <gst/gst.h>
#include <signal.h>

#include <cstdio>

#include "app_log.h"
#include "options.h"
#include "serve_app.h"
#include "service_notify.h"

using namespace vtkstream::serve;

namespace {

// What the pipeline is made of, for G_MESSAGES_DEBUG=vtkstream-serve (tokens left out).
void log_config(const ServeConfig& config) {
  for (const auto& [name, value] : config.sink)
    if (name != "token" && name != "view-token") g_debug("vtkstreamsink %s=%s", name.c_str(), value.c_str());
  if (config.renderer.empty()) {
    g_info("attaching to the renderer on shm '%s' (none started)", config.shm_name.c_str());
    return;
  }
  gchar** argv = g_new0(gchar*, config.renderer.size() + 1);
  for (size_t i = 0; i < config.renderer.size(); ++i) argv[i] = const_cast<gchar*>(config.renderer[i].c_str());
  gchar* line = g_strjoinv(" ", argv);
  g_info("renderer: %s", line);
  g_free(line);
  g_free(argv);
}

}  // namespace

int main(int argc, char** argv) {
  vtkstream::app::install_log_writer("vtkstream-serve");
  ServeConfig config;
  std::string err;
  if (!parse_options(argc, argv, &config, &err)) {
    APP_LOG_ERROR("%s", err.c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);  // a browser closing mid-write must not kill the server
  log_config(config);

  auto app = ServeApp::create(config, &err);
  if (!app) {
    APP_LOG_ERROR("%s", err.c_str());
    return 1;
  }
  ServiceNotifier notifier;
  app->on_renderer = [&](const std::string& state) { notifier.renderer(state); };
  app->on_viewers = [&](unsigned peers) { notifier.viewers(peers); };
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  int status = 0;
  app->on_fatal = [&](const std::string& message) {
    APP_LOG_ERROR("pipeline error, stopping: %s", message.c_str());
    status = 1;
    g_main_loop_quit(loop);
  };
  if (!app->start(&err)) {
    APP_LOG_ERROR("%s", err.c_str());
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
  // The sink listens and the pipeline plays (start() returned): ready for systemd's Type=notify.
  notifier.ready(app->url());

  g_main_loop_run(loop);

  notifier.stopping();
  g_source_remove(sigint);
  g_source_remove(sigterm);
  app->stop();  // the sink says bye to every viewer on its way down
  app.reset();
  g_main_loop_unref(loop);
  gst_deinit();
  return status;
}
