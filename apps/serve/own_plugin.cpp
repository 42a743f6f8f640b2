#include "own_plugin.h"

#include <gst/gst.h>

#include <string>

namespace vtkstream::serve {

void find_own_plugin() {
  if (GstElementFactory* f = gst_element_factory_find("vtksrc")) {
    gst_object_unref(f);
    return;  // GST_PLUGIN_PATH or GStreamer's own directories have it
  }
  gchar* exe = g_file_read_link("/proc/self/exe", nullptr);
  if (!exe) return;
  gchar* dir = g_path_get_dirname(exe);
  g_free(exe);
  const std::string exe_dir = dir, bindir = VTKSTREAM_BINDIR;
  g_free(dir);
  if (exe_dir.size() < bindir.size() || exe_dir.compare(exe_dir.size() - bindir.size(), bindir.size(), bindir) != 0)
    return;
  const std::string plugin_dir = exe_dir.substr(0, exe_dir.size() - bindir.size()) + VTKSTREAM_PLUGINDIR;
  g_debug("looking for the vtkstream plugin in %s", plugin_dir.c_str());
  gst_registry_scan_path(gst_registry_get(), plugin_dir.c_str());
}

}  // namespace vtkstream::serve
