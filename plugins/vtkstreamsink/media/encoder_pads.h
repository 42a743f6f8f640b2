// What the per-frame encoder settings (still_quality.h, join_keyframe.h, repeat_threshold.h) each
// needed before attaching their probes: whether the encoder has an int property of a name (vp8enc
// and vp9enc have them, x264enc or a custom encoder may not), and both of its static pads.
#pragma once

#include <gst/gst.h>

namespace vtkstream::sink {

inline bool has_int_property(GstElement* element, const char* name) {
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
  return spec && spec->value_type == G_TYPE_INT;
}

// The encoder's "sink" and "src" pads, both or neither (ok()); unreferenced when it goes.
class EncoderPads {
 public:
  explicit EncoderPads(GstElement* encoder)
      : sink(gst_element_get_static_pad(encoder, "sink")), src(gst_element_get_static_pad(encoder, "src")) {}
  ~EncoderPads() {
    if (sink) gst_object_unref(sink);
    if (src) gst_object_unref(src);
  }
  EncoderPads(const EncoderPads&) = delete;
  EncoderPads& operator=(const EncoderPads&) = delete;
  bool ok() const { return sink && src; }

  GstPad* const sink;
  GstPad* const src;
};

}  // namespace vtkstream::sink
