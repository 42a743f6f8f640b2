// vtkstreamsink: the web side of vtkstream as a sink bin. See the element documentation at the top
// of gstvtkstreamsink.cpp (also what gst-inspect-1.0 vtkstreamsink prints).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_VTK_STREAM_SINK (gst_vtk_stream_sink_get_type())
G_DECLARE_FINAL_TYPE(GstVtkStreamSink, gst_vtk_stream_sink, GST, VTK_STREAM_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE(vtkstreamsink);

G_END_DECLS
