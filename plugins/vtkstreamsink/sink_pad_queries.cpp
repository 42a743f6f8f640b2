#include "sink_pad_queries.h"

namespace vtkstream::sink {

bool upstream_is_live(GstPad* pad) {
  GstQuery* q = gst_query_new_latency();
  gboolean live = TRUE;
  if (gst_pad_peer_query(pad, q)) gst_query_parse_latency(q, &live, nullptr, nullptr);
  gst_query_unref(q);
  return live;
}

bool answer_caps_query(GstPad* pad, GstQuery* query, const Media& media) {
  const Media::Input current = media.input();
  // Another kind of video than the running one (raw after VP8, say): accepted here so that the
  // CAPS event reaches the sink's event handler, which refuses it with an error that says what
  // happened; the input tee's branches would only answer "not negotiated".
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS && current != Media::Input::kNone) {
    GstCaps* caps = nullptr;
    gst_query_parse_accept_caps(query, &caps);
    const Media::Input offered = Media::input_of(caps);
    if (offered != Media::Input::kNone && offered != current) {
      gst_query_set_accept_caps_result(query, TRUE);
      return true;
    }
  }
  if (current != Media::Input::kNone) return false;
  // Until the first caps chose what sits behind the input tee: answer with what the sink takes.
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    GstCaps* filter = nullptr;
    gst_query_parse_caps(query, &filter);
    GstCaps* templ = gst_pad_get_pad_template_caps(pad);
    GstCaps* result = filter ? gst_caps_intersect_full(filter, templ, GST_CAPS_INTERSECT_FIRST) : gst_caps_ref(templ);
    gst_caps_unref(templ);
    gst_query_set_caps_result(query, result);
    gst_caps_unref(result);
    return true;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps* caps = nullptr;
    gst_query_parse_accept_caps(query, &caps);
    GstCaps* templ = gst_pad_get_pad_template_caps(pad);
    gst_query_set_accept_caps_result(query, gst_caps_can_intersect(caps, templ));
    gst_caps_unref(templ);
    return true;
  }
  return false;
}

}  // namespace vtkstream::sink
