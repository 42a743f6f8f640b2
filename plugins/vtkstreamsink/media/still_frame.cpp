#include "still_frame.h"

#include <gst/video/video.h>

#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_STATIC(sink_still_frame_debug);
#define GST_CAT_DEFAULT sink_still_frame_debug

namespace vtkstream::sink {

namespace contract = vtkstream::contract;

StillFrame::StillFrame(GstPad* pad) : pad_(GST_PAD(gst_object_ref(pad))) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_still_frame_debug, "vtkstreamsink-stillframe", 0, "the renderer's newest still");
    g_once_init_leave(&once, 1);
  }
  probe_ = gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, this, nullptr);
}

StillFrame::~StillFrame() {
  gst_pad_remove_probe(pad_, probe_);
  clear();
  gst_object_unref(pad_);
}

void StillFrame::set_listener(Listener l) {
  std::lock_guard lock(lock_);
  listener_ = std::move(l);
}

GstPadProbeReturn StillFrame::on_buffer(GstPad*, GstPadProbeInfo* info, gpointer d) {
  static_cast<StillFrame*>(d)->keep(GST_PAD_PROBE_INFO_BUFFER(info));
  return GST_PAD_PROBE_OK;
}

void StillFrame::keep(GstBuffer* buf) {
  if (!contract::frame_is_still(buf)) return;
  GstCaps* caps = gst_pad_get_current_caps(pad_);
  GstVideoInfo vi;
  const bool raw = caps && gst_video_info_from_caps(&vi, caps);
  const uint64_t seq = contract::frame_input_seq(buf);
  if (!raw || (seq == last_seq_ && vi.width == last_w_ && vi.height == last_h_) ||
      !wanted_.load(std::memory_order_relaxed)) {
    if (raw) last_seq_ = seq, last_w_ = vi.width, last_h_ = vi.height;  // seen, even if unwanted
    if (caps) gst_caps_unref(caps);
    return;
  }
  last_seq_ = seq, last_w_ = vi.width, last_h_ = vi.height;
  // A copy, not a reference: the buffer belongs to the source's pool (vtksrc's, or a camera's
  // ring of a few buffers), and a still may be kept for a long idle time. Once per still.
  GstBuffer* copy = gst_buffer_copy_deep(buf);
  GstSample* s = gst_sample_new(copy, caps, nullptr, nullptr);
  gst_buffer_unref(copy);
  gst_caps_unref(caps);
  Listener listener;
  uint64_t id;
  {
    std::lock_guard lock(lock_);
    if (sample_) gst_sample_unref(sample_);
    sample_ = s;
    arrived_us_ = g_get_monotonic_time();
    id = ++id_;
    listener = listener_;
  }
  GST_INFO("still %" G_GUINT64_FORMAT ": %dx%d, input seq %" G_GUINT64_FORMAT, static_cast<guint64>(id), vi.width,
           vi.height, static_cast<guint64>(seq));
  if (listener) listener(id);
}

GstSample* StillFrame::sample(uint64_t* id, int64_t* arrived_us) const {
  std::lock_guard lock(lock_);
  *id = id_;
  if (arrived_us) *arrived_us = arrived_us_;
  return sample_ ? gst_sample_ref(sample_) : nullptr;
}

void StillFrame::clear() {
  std::lock_guard lock(lock_);
  if (sample_) gst_sample_unref(sample_);
  sample_ = nullptr;
}

}  // namespace vtkstream::sink
