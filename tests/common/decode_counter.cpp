#include "decode_counter.h"

namespace vtkstream::test {

void count_decoded_frames(GstElement* pipeline, GstPad* pad, const std::string& decode, std::atomic<int>* frames) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstElement* bin = gst_parse_bin_from_description(
      (decode + " ! fakesink name=sink signal-handoffs=true sync=false").c_str(), TRUE, nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), "sink");
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer d) {
                     ++*static_cast<std::atomic<int>*>(d);
                     g_main_context_wakeup(nullptr);
                   }),
                   frames);
  gst_object_unref(sink);
  gst_bin_add(GST_BIN(pipeline), bin);
  gst_element_sync_state_with_parent(bin);
  GstPad* sinkpad = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
}

}  // namespace vtkstream::test
