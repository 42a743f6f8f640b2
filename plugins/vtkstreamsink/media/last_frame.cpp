#include "last_frame.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC(sink_last_frame_debug);
#define GST_CAT_DEFAULT sink_last_frame_debug

namespace vtkstream::sink {

LastFrame::LastFrame(GstPad* pad) : pad_(GST_PAD(gst_object_ref(pad))) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_last_frame_debug, "vtkstreamsink-lastframe", 0, "vtkstreamsink last raw frame");
    g_once_init_leave(&once, 1);
  }
  probe_ = gst_pad_add_probe(pad_, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                             on_data, this, nullptr);
}

LastFrame::~LastFrame() {
  gst_pad_remove_probe(pad_, probe_);
  clear();
  std::lock_guard lock(lock_);
  if (caps_) gst_caps_unref(caps_);
  if (last_pool_) gst_object_unref(last_pool_);
  gst_object_unref(pad_);
}

GstPadProbeReturn LastFrame::on_data(GstPad*, GstPadProbeInfo* info, gpointer d) {
  auto* self = static_cast<LastFrame*>(d);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    self->keep(GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info); ev && GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
    GstCaps* caps = nullptr;
    gst_event_parse_caps(ev, &caps);
    self->set_caps(caps);
  }
  return GST_PAD_PROBE_OK;
}

void LastFrame::set_caps(GstCaps* caps) {
  const GstStructure* s = caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  const bool raw = s && gst_structure_has_name(s, "video/x-raw");
  std::lock_guard lock(lock_);
  gst_caps_replace(&caps_, raw ? caps : nullptr);
  if (!raw) {
    gst_buffer_replace(&buffer_, nullptr);
    why_none_ = "the input arrives already encoded (VP8 or H.264): the server has no raw picture to save";
  }
}

bool LastFrame::bounded_pool(GstBufferPool* pool) {
  if (pool != last_pool_) {
    GstStructure* config = gst_buffer_pool_get_config(pool);
    guint max = 0;
    gst_buffer_pool_config_get_params(config, nullptr, nullptr, nullptr, &max);
    gst_structure_free(config);
    if (last_pool_) gst_object_unref(last_pool_);
    last_pool_ = GST_BUFFER_POOL(gst_object_ref(pool));
    last_pool_bounded_ = max != 0;
    GST_INFO("input buffers from pool %" GST_PTR_FORMAT " (max %u): %s", pool, max,
             last_pool_bounded_ ? "copied" : "kept by reference");
  }
  return last_pool_bounded_;
}

void LastFrame::keep(GstBuffer* buf) {
  {
    std::lock_guard lock(lock_);
    if (!caps_) return;  // not raw video
  }
  // See the header: a bounded pool must get its buffer back; everything else is kept by reference.
  GstBuffer* kept = buf->pool && bounded_pool(buf->pool) ? gst_buffer_copy_deep(buf) : gst_buffer_ref(buf);
  std::lock_guard lock(lock_);
  if (buffer_) gst_buffer_unref(buffer_);
  buffer_ = kept;
}

GstSample* LastFrame::sample(std::string* why) const {
  std::lock_guard lock(lock_);
  if (!buffer_ || !caps_) {
    *why = why_none_;
    return nullptr;
  }
  return gst_sample_new(buffer_, caps_, nullptr, nullptr);
}

void LastFrame::clear() {
  std::lock_guard lock(lock_);
  gst_buffer_replace(&buffer_, nullptr);
  why_none_ = "no picture has reached the server yet";
}

}  // namespace vtkstream::sink
