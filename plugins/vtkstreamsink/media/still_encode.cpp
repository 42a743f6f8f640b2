#include "still_encode.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

namespace vtkstream::sink {

GBytes* encode_still(GstSample* sample, int quality, std::string* err) {
  GError* gerr = nullptr;
  // RGB into webpenc: libwebp converts to YUV itself (what the measurement did).
  const std::string desc = "appsrc name=src format=time ! videoconvert ! video/x-raw,format=RGB ! webpenc quality=" +
                           std::to_string(quality) + " ! appsink name=out sync=false";
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &gerr);
  if (!pipeline) {
    *err = std::string("cannot build the WebP encoder (is webpenc from gst-plugins-bad installed?): ") +
           (gerr ? gerr->message : "unknown error");
    g_clear_error(&gerr);
    return nullptr;
  }
  g_clear_error(&gerr);  // a "missing element" warning comes with a pipeline too
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  GBytes* bytes = nullptr;
  if (!src || !out) {
    *err = "cannot build the WebP encoder: webpenc missing";
  } else {
    gst_app_src_set_caps(GST_APP_SRC(src), gst_sample_get_caps(sample));
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBuffer* in = gst_buffer_copy(gst_sample_get_buffer(sample));  // metadata copy; memory shared
    GST_BUFFER_PTS(in) = 0;
    gst_app_src_push_buffer(GST_APP_SRC(src), in);
    gst_app_src_end_of_stream(GST_APP_SRC(src));
    // Bounded: a 4096x4096 frame encodes in about a second on one slow core.
    GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(out), 10 * GST_SECOND);
    if (s) {
      GstBuffer* b = gst_sample_get_buffer(s);
      GstMapInfo map;
      if (b && gst_buffer_map(b, &map, GST_MAP_READ)) {
        bytes = g_bytes_new(map.data, map.size);
        gst_buffer_unmap(b, &map);
      }
      gst_sample_unref(s);
    }
    if (!bytes) {
      GstBus* bus = gst_element_get_bus(pipeline);
      GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
      if (m) {
        gst_message_parse_error(m, &gerr, nullptr);
        *err = std::string("WebP encoding failed: ") + gerr->message;
        g_clear_error(&gerr);
        gst_message_unref(m);
      } else {
        *err = "WebP encoding produced nothing within 10 s";
      }
      gst_object_unref(bus);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
  }
  if (src) gst_object_unref(src);
  if (out) gst_object_unref(out);
  gst_object_unref(pipeline);
  return bytes;
}

}  // namespace vtkstream::sink
