// vtkstream-serve's pipeline: `vtksrc ! vtkstreamsink`, the renderer's supervisor, and the
// glue between them: supervisor states go to the sink as renderer notices (the vtksrc contract),
// the sink's renderer messages become the lines operators read in the log, and an error anywhere
// in the pipeline stops the program.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

#include "options.h"
#include "supervisor.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::serve {

class ServeApp {
 public:
  static std::unique_ptr<ServeApp> create(const ServeConfig& config, std::string* err);
  ~ServeApp();

  // The sink listens, the pipeline plays, the renderer starts.
  bool start(std::string* err);
  // Pipeline to NULL (viewers get bye), renderer terminated.
  void stop();
  std::string control_link() const;
  std::string view_link() const;
  std::string url() const { return sink_string("url"); }
  // Called (main context) when the pipeline failed: the program cannot go on.
  std::function<void(const std::string& message)> on_fatal;
  // Called (main context) when the renderer's state ("running", "restarting: why") or the
  // number of connected viewers changes: vtkstream-serve's status for the service manager.
  std::function<void(const std::string& state)> on_renderer;
  std::function<void(unsigned peers)> on_viewers;

 private:
  explicit ServeApp(const ServeConfig& config) : config_(config) {}
  static gboolean on_bus(GstBus*, GstMessage* msg, gpointer self);
  void on_supervisor(const std::string& state, const std::string& detail);
  void on_source_notice(const contract::RendererNotice& n);
  void on_renderer_message(const GstStructure* s);
  void sweep_stale_rings() const;
  std::string sink_string(const char* property) const;

  ServeConfig config_;
  GstElement* pipeline_ = nullptr;
  GstElement* sink_ = nullptr;
  guint bus_watch_ = 0;
  std::unique_ptr<Supervisor> supervisor_;
};

}  // namespace vtkstream::serve
