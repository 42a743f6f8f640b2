// Registers the plugin's elements; nothing else lives here.
#include <gst/gst.h>

#include "gstvtkstreamsink.h"
#include "gstvtksrc.h"

#ifndef PACKAGE
#define PACKAGE "vtkstream"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  gboolean ok = GST_ELEMENT_REGISTER(vtksrc, plugin);
  ok &= GST_ELEMENT_REGISTER(vtkstreamsink, plugin);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, vtkstream,
                  "Stream VTK scenes rendered in another process through shared memory",
                  plugin_init, VTKSTREAM_VERSION, "MIT", "vtkstream",
                  "vtkstream")
