#include "departure_probe.h"

#include <gst/rtp/gstrtpbuffer.h>

namespace vtkstream::sink {

namespace {

void note(GstBuffer* buf, adapt::DepartureLog* log, int64_t now_us) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) return;  // not RTP: nothing to time
  log->note_packet(gst_rtp_buffer_get_timestamp(&rtp), gst_rtp_buffer_get_marker(&rtp),
                   gst_rtp_buffer_get_payload_len(&rtp), now_us);
  gst_rtp_buffer_unmap(&rtp);
}

GstPadProbeReturn on_rtp(GstPad*, GstPadProbeInfo* info, gpointer d) {
  auto* log = static_cast<std::shared_ptr<adapt::DepartureLog>*>(d)->get();
  const int64_t now = g_get_monotonic_time();
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i) note(gst_buffer_list_get(list, i), log, now);
  } else if (GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info)) {
    note(buf, log, now);
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

void watch_departures(GstPad* pad, std::shared_ptr<adapt::DepartureLog> log) {
  gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_rtp, new std::shared_ptr<adapt::DepartureLog>(std::move(log)),
                    [](gpointer d) { delete static_cast<std::shared_ptr<adapt::DepartureLog>*>(d); });
}

}  // namespace vtkstream::sink
