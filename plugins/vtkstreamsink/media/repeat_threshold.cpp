#include "repeat_threshold.h"

#include "encoder_pads.h"
#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_STATIC(repeat_threshold_debug);
#define GST_CAT_DEFAULT repeat_threshold_debug

namespace vtkstream::sink {

RepeatThreshold* RepeatThreshold::attach(GstElement* encoder) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(repeat_threshold_debug, "vtkstreamsink-repeat", 0, "cheap keep-alive repeats");
    g_once_init_leave(&once, 1);
  }
  if (!has_int_property(encoder, "static-threshold")) return nullptr;
  EncoderPads pads(encoder);
  if (!pads.ok()) return nullptr;
  auto* self = new RepeatThreshold(encoder);
  auto release = [](gpointer p) { static_cast<RepeatThreshold*>(p)->release(); };
  gst_pad_add_probe(pads.sink, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer p) {
    static_cast<RepeatThreshold*>(p)->before_encode(GST_PAD_PROBE_INFO_BUFFER(info));
    return GST_PAD_PROBE_OK;
  }, self, release);
  // A keyframe starts the picture over (coarse: a join's floor, max-intra-bitrate): the repeats
  // after it refine it first.
  gst_pad_add_probe(pads.src, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer p) {
    if (!GST_BUFFER_FLAG_IS_SET(GST_PAD_PROBE_INFO_BUFFER(info), GST_BUFFER_FLAG_DELTA_UNIT))
      static_cast<RepeatThreshold*>(p)->refining_ = kRefiningRepeats;
    return GST_PAD_PROBE_OK;
  }, self, release);
  return self;
}

void RepeatThreshold::release() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

void RepeatThreshold::before_encode(GstBuffer* buf) {
  bool repeat = contract::frame_is_repeat(buf);
  if (!repeat) {
    // A new picture, or the renderer's copy of one: the copies come at its cadence, each with a
    // small budget (a drag's still was at 35.5 dB after them), and the repeats a second apart
    // are what refined it (to 39-40 dB), so they count from the last of them.
    refining_ = kRefiningRepeats;
  } else if (refining_ > 0) {
    --refining_;
    repeat = false;  // this one refines the picture: the encoder's own threshold
  }
  if (repeat == raised_) return;  // a run of repeats (or of new pictures) changes nothing
  if (repeat) {
    g_object_get(encoder_, "static-threshold", &saved_, nullptr);
    if (saved_ >= kRepeatStaticThreshold) return;  // the application asked for more already
    g_object_set(encoder_, "static-threshold", kRepeatStaticThreshold, nullptr);
    GST_DEBUG("keep-alive repeat: static-threshold %d -> %d", saved_, kRepeatStaticThreshold);
  } else {
    g_object_set(encoder_, "static-threshold", saved_, nullptr);
    GST_DEBUG("new picture: static-threshold back to %d", saved_);
  }
  raised_ = repeat;
}

}  // namespace vtkstream::sink
