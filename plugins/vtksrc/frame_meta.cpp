#include "frame_meta.h"

namespace vtkstream::gst {

void register_frame_meta() {
  static const gchar* tags[] = {nullptr};
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    // No transform function: GStreamer's default copies the structure on buffer copies.
    gst_meta_register_custom(kFrameMetaName, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&once, 1);
  }
}

void add_frame_meta(GstBuffer* buffer, const shm::FrameInfo& info, bool repeat) {
  GstCustomMeta* meta = gst_buffer_add_custom_meta(buffer, kFrameMetaName);
  if (!meta) return;  // not registered: cannot happen after class_init
  GstStructure* s = gst_custom_meta_get_structure(meta);
  gst_structure_set(s, "input-seq", G_TYPE_UINT64, static_cast<guint64>(info.input_seq),
                    "frame-number", G_TYPE_UINT64, static_cast<guint64>(info.frame_number),
                    "session-id", G_TYPE_UINT64, static_cast<guint64>(info.session_id),
                    "render-time", G_TYPE_UINT64, static_cast<guint64>(info.timestamp_ns),
                    "repeat", G_TYPE_BOOLEAN, repeat ? TRUE : FALSE, nullptr);
}

}  // namespace vtkstream::gst
