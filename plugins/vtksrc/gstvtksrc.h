// vtksrc: a live source that reads the frames a vtkstream renderer publishes in shared memory
// and sends GstNavigation events back to it as input. See the element's doc comment in
// gstvtksrc.cpp for behaviour, and navigation.h / frame_meta.h for what a server sends and reads.
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_VTK_SRC (gst_vtk_src_get_type())
G_DECLARE_FINAL_TYPE(GstVtkSrc, gst_vtk_src, GST, VTK_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(vtksrc);

G_END_DECLS
