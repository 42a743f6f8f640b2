#include "rtp_forward_branch.h"

namespace vtkstream::sink {

namespace {

GstPadProbeReturn count_packets(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* c = static_cast<std::shared_ptr<RtpForwardBranch::Counters>*>(data);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    (*c)->packets.add();
    (*c)->bytes.add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)));
  } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    const guint n = gst_buffer_list_length(list);
    (*c)->packets.add(n);
    (*c)->bytes.add(gst_buffer_list_calculate_size(list));
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

std::unique_ptr<RtpForwardBranch> RtpForwardBranch::create(GstBin* sink, GstElement* tee, const std::string& host,
                                                           int port, std::shared_ptr<Counters> counters,
                                                           ErrorFn on_error, std::string* err) {
  std::unique_ptr<RtpForwardBranch> b(new RtpForwardBranch(sink, std::move(on_error)));
  GstElement* gate = gst_element_factory_make("valve", "gate");
  GstElement* queue = gst_element_factory_make("queue", "q");
  GstElement* udp = gst_element_factory_make("udpsink", "udp");
  if (!gate || !queue || !udp) {
    *err = "cannot make valve, queue and udpsink (GStreamer's core and good plugins)";
    for (GstElement* e : {gate, queue, udp})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    return nullptr;
  }
  // Closed until the receiver is known to be up: packets to a port nobody reads are wasted work.
  g_object_set(gate, "drop", TRUE, nullptr);
  // About a second of packets at 5 Mbit/s; a stalled socket loses the oldest, never blocks the tee.
  g_object_set(queue, "leaky", 2 /* downstream */, "max-size-buffers", 512u, "max-size-bytes", 0u,
               "max-size-time", guint64(0), nullptr);
  // async=false: a sink added to a playing live pipeline must not ask for preroll (mjpeg_branch.h).
  g_object_set(udp, "host", host.c_str(), "port", port, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add_many(b->bin(), gate, queue, udp, nullptr);
  if (!gst_element_link_many(gate, queue, udp, nullptr)) {
    *err = "cannot link the RTP forwarding elements";
    return nullptr;
  }
  GstPad* udp_sink = gst_element_get_static_pad(udp, "sink");
  gst_pad_add_probe(udp_sink, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    count_packets, new std::shared_ptr<Counters>(std::move(counters)),
                    [](gpointer d) { delete static_cast<std::shared_ptr<Counters>*>(d); });
  gst_object_unref(udp_sink);
  b->gate_ = gate;
  if (!b->ghost_sink(gate, err) || !b->attach(tee, err)) return nullptr;
  return b;
}

void RtpForwardBranch::set_forwarding(bool on) { g_object_set(gate_, "drop", on ? FALSE : TRUE, nullptr); }

bool RtpForwardBranch::forwarding() const {
  gboolean drop = TRUE;
  g_object_get(gate_, "drop", &drop, nullptr);
  return !drop;
}

}  // namespace vtkstream::sink
