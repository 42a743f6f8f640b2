#include "join_keyframe.h"

#include <gst/video/video.h>

#include <algorithm>

#include "encoder_pads.h"
#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_STATIC(join_keyframe_debug);
#define GST_CAT_DEFAULT join_keyframe_debug

namespace vtkstream::sink {

void JoinKeyframe::mark(GstEvent* event) {
  gst_structure_set(gst_event_writable_structure(event), kEventField, G_TYPE_BOOLEAN, TRUE, nullptr);
}

JoinKeyframe* JoinKeyframe::attach(GstElement* encoder) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(join_keyframe_debug, "vtkstreamsink-join", 0, "small keyframes for joining viewers");
    g_once_init_leave(&once, 1);
  }
  if (!has_int_property(encoder, "min-quantizer")) return nullptr;
  EncoderPads pads(encoder);
  if (!pads.ok()) return nullptr;
  auto* self = new JoinKeyframe(encoder);
  auto release = [](gpointer p) { static_cast<JoinKeyframe*>(p)->release(); };
  // The request on its way up to the encoder (GstVideoEncoder takes it there and forces the next
  // frame it encodes): remember that frame is a join's.
  gst_pad_add_probe(pads.src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, [](GstPad*, GstPadProbeInfo* info, gpointer p) {
    GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
    gboolean join = FALSE;
    if (gst_video_event_is_force_key_unit(e) && gst_structure_get_boolean(gst_event_get_structure(e), kEventField, &join) && join)
      static_cast<JoinKeyframe*>(p)->pending_.store(true);
    return GST_PAD_PROBE_OK;
  }, self, release);
  // Frames in (the floor goes on) and out (it comes off): the same streaming thread, one frame
  // in the encoder at a time (lag-in-frames=0).
  gst_pad_add_probe(pads.sink, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo*, gpointer p) {
    static_cast<JoinKeyframe*>(p)->before_encode();
    return GST_PAD_PROBE_OK;
  }, self, release);
  gst_pad_add_probe(pads.src, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo*, gpointer p) {
    static_cast<JoinKeyframe*>(p)->after_encode();
    return GST_PAD_PROBE_OK;
  }, self, release);
  return self;
}

void JoinKeyframe::release() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

void JoinKeyframe::before_encode() {
  if (floored_ || !pending_.exchange(false)) return;
  // The ceiling may be the still's finer one (still_quality.h, its probe ran before this one):
  // a floor above it would be refused, and a small keyframe is the point here.
  g_object_get(encoder_, "min-quantizer", &saved_min_, "max-quantizer", &saved_max_, nullptr);
  g_object_set(encoder_, "max-quantizer", std::max(saved_max_, kMinQuantizer), nullptr);
  g_object_set(encoder_, "min-quantizer", std::max(saved_min_, kMinQuantizer), nullptr);
  floored_ = true;
  GST_INFO("join keyframe: min-quantizer %d -> %d", saved_min_, std::max(saved_min_, kMinQuantizer));
}

void JoinKeyframe::after_encode() {
  if (!floored_) return;
  g_object_set(encoder_, "min-quantizer", saved_min_, nullptr);
  g_object_set(encoder_, "max-quantizer", saved_max_, nullptr);
  floored_ = false;
  // The picture that refines it now, not at an idle renderer's next keep-alive repeat a second
  // away (vtksrc-contract.h kRepeatNowEvent; vtksrc waits until the keyframe's picture is 100 ms
  // old, so a renderer that is drawing sends its own frame instead).
  GstPad* sink = gst_element_get_static_pad(encoder_, "sink");
  gst_pad_push_event(sink, contract::repeat_now_event());
  gst_object_unref(sink);
}

}  // namespace vtkstream::sink
