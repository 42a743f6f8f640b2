// Registers the plugin's elements; nothing else lives here.
#include <gst/gst.h>

#include "gstvtkstreamsink.h"
#include "gstvtksrc.h"
#include "media/playout_delay_ext.h"

#ifndef PACKAGE
#define PACKAGE "vtkstream"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  gboolean ok = GST_ELEMENT_REGISTER(vtksrc, plugin);
  ok &= GST_ELEMENT_REGISTER(vtkstreamsink, plugin);
  ok &= vtkstream::sink::register_playout_delay_ext(plugin);
  return ok;
}

// "MIT/X11" is how GStreamer spells the MIT licence (gst_plugin_desc's list of known licences;
// anything else is logged as unknown when the plugin loads). The text is LICENSE at the root.
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, vtkstream,
                  "Stream VTK scenes rendered in another process to GStreamer pipelines and web browsers",
                  plugin_init, VTKSTREAM_VERSION, "MIT/X11", PACKAGE, VTKSTREAM_ORIGIN)
