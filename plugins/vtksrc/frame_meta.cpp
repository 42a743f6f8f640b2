#include "frame_meta.h"

#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::gst {

namespace contract = vtkstream::contract;

void register_frame_meta() {
  static const gchar* tags[] = {nullptr};
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    // No transform function: GStreamer's default copies the structure on buffer copies.
    gst_meta_register_custom(contract::kFrameMetaName, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&once, 1);
  }
}

void add_frame_meta(GstBuffer* buffer, const shm::FrameInfo& info, bool repeat) {
  GstCustomMeta* meta = gst_buffer_add_custom_meta(buffer, contract::kFrameMetaName);
  if (!meta) return;  // not registered: cannot happen after class_init
  GstStructure* s = gst_custom_meta_get_structure(meta);
  gst_structure_set(s, contract::kMetaInputSeq, G_TYPE_UINT64, static_cast<guint64>(info.input_seq),
                    contract::kMetaFrameNumber, G_TYPE_UINT64, static_cast<guint64>(info.frame_number),
                    contract::kMetaSessionId, G_TYPE_UINT64, static_cast<guint64>(info.session_id),
                    contract::kMetaRenderTime, G_TYPE_UINT64, static_cast<guint64>(info.timestamp_ns),
                    contract::kMetaRepeat, G_TYPE_BOOLEAN, repeat ? TRUE : FALSE,
                    contract::kMetaStill, G_TYPE_BOOLEAN, info.still && !repeat ? TRUE : FALSE, nullptr);
}

}  // namespace vtkstream::gst
